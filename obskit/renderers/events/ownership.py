"""Which events belong to which team, from the services' namespaces.

A namespace whose services all belong to one team is that team's: every event in it is the
team's. In a namespace several teams share, an event is a team's when the object it is about
carries the label ``app`` with the name of one of the team's services there (the label the
Kibana "Logs" link of the service dashboard already filters on).
"""

from __future__ import annotations

from dataclasses import dataclass

from obskit.catalog.model import Catalog

#: label of the involved object that names its service in a shared namespace
APP_LABEL = "app"


@dataclass(frozen=True)
class Scope:
    """Events of ``namespaces`` (and, if ``apps`` is set, of objects labelled app=one of them)."""

    namespaces: tuple[str, ...]
    apps: tuple[str, ...] = ()


def team_scopes(catalog: Catalog) -> dict[str, tuple[Scope, ...]]:
    """``{team: scopes}`` for every team that owns a service, in catalog team order."""
    teams_of: dict[str, set[str]] = {}
    for service in catalog.services:
        teams_of.setdefault(service.namespace, set()).add(service.team)
    out: dict[str, tuple[Scope, ...]] = {}
    for team in catalog.teams:
        mine = [s for s in catalog.services if s.team == team.name]
        if not mine:
            continue
        own = sorted({s.namespace for s in mine if teams_of[s.namespace] == {team.name}})
        scopes = [Scope(tuple(own))] if own else []
        for ns in sorted({s.namespace for s in mine} - set(own)):
            apps = sorted(s.name for s in mine if s.namespace == ns)
            scopes.append(Scope((ns,), tuple(apps)))
        out[team.name] = tuple(scopes)
    return out
