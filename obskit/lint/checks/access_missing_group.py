"""A team owning services without ``access.group`` while access rendering is on."""

from __future__ import annotations

from collections.abc import Iterable

from obskit.lint.base import Finding, LintContext

NAME = "access-missing-group"
DESCRIPTION = (
    "With metadata.access.enabled, every team owning a service needs teams[].access.group "
    "(its OIDC group): without one obskit renders no Role, folder editor or log role for it, "
    "so its members see nothing of their own services."
)


def run(ctx: LintContext) -> Iterable[Finding]:
    from obskit.renderers.access import access_settings
    from obskit.renderers.access.scopes import team_group, team_namespaces

    catalog = ctx.catalog
    if catalog is None or access_settings(catalog) is None:
        return
    for team in team_namespaces(catalog):
        if team_group(catalog, team) is None:
            yield Finding(
                NAME,
                "catalog",
                f"team {team}",
                "access.group",
                f"team `{team}` has no access.group: set teams[{team}].access.group to the "
                "team's OIDC group",
            )
