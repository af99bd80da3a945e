"""Which namespaces each team reads, and which namespaces several teams share."""

from __future__ import annotations

from obskit.catalog.model import Catalog


def team_namespaces(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """``{team: sorted namespaces of its services}`` for every team owning a service."""
    out: dict[str, set[str]] = {}
    for service in catalog.services:
        out.setdefault(service.team, set()).add(service.namespace)
    return {t.name: tuple(sorted(out[t.name])) for t in catalog.teams if t.name in out}


def namespace_teams(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """``{namespace: sorted teams with a service in it}``."""
    out: dict[str, set[str]] = {}
    for service in catalog.services:
        out.setdefault(service.namespace, set()).add(service.team)
    return {ns: tuple(sorted(teams)) for ns, teams in sorted(out.items())}


def team_group(catalog: Catalog, team: str) -> str | None:
    """The team's OIDC group (``teams[].access.group``), or None."""
    access = catalog.team(team).access
    return access.group if access is not None else None
