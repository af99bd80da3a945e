"""A namespace whose services belong to more than one team (RBAC cannot separate them)."""

from __future__ import annotations

from collections.abc import Iterable

from obskit.lint.base import Finding, LintContext

NAME = "access-shared-namespace"
DESCRIPTION = (
    "A namespace with services of two or more teams: a Role is per namespace, so every team "
    "with a Role there reads the others' pods and logs. Give each team its own namespace, or "
    "list it in metadata.access.sharedNamespaces to accept that."
)


def run(ctx: LintContext) -> Iterable[Finding]:
    from obskit.renderers.access import access_settings
    from obskit.renderers.access.scopes import namespace_teams

    catalog = ctx.catalog
    access = access_settings(catalog) if catalog is not None else None
    if catalog is None or access is None:
        return
    accepted = set(access.shared_namespaces)
    for namespace, teams in namespace_teams(catalog).items():
        if len(teams) > 1 and namespace not in accepted:
            services = sorted(s.name for s in catalog.services if s.namespace == namespace)
            yield Finding(
                NAME,
                "catalog",
                f"namespace {namespace}",
                ", ".join(teams),
                f"namespace `{namespace}` belongs to teams {', '.join(teams)} (services "
                f"{', '.join(services)}): each team's Role there reads the others' pods; "
                "move services to a namespace of their team or add it to "
                "metadata.access.sharedNamespaces",
            )
