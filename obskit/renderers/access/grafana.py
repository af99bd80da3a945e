"""Grafana folder permissions per team: viewer for all, editor for the owning team.

:func:`team_folder_permissions` returns, per team owning a service, the body of Grafana's
folder permissions API (``POST /api/folders/<uid>/permissions``) as JSON text: the form the
grafana-operator ``GrafanaFolder`` CR takes in ``spec.permissions``. Grafana refers to teams
by numeric id, which only the running Grafana knows, so the owning team's entry carries
``team`` (the catalog team, whose Grafana team syncs from ``teams[].access.group``) in place
of ``teamId``; whoever emits the CR resolves it (or maps it to Terraform's
``grafana_folder_permission``). The entries replace Grafana's defaults, under which every
Editor could edit every folder.
"""

from __future__ import annotations

import json

from obskit.catalog.model import Catalog
from obskit.renderers.access.scopes import team_group, team_namespaces

VIEW, EDIT = 1, 2


def team_folder_permissions(catalog: Catalog) -> dict[str, str]:
    """``{team: permissions JSON}`` for the folder of each team owning a service."""
    out: dict[str, str] = {}
    for team in team_namespaces(catalog):
        items: list[dict[str, object]] = [
            {"permission": VIEW, "role": "Viewer"},
            {"permission": VIEW, "role": "Editor"},
            {"permission": EDIT, "team": team, "teamGroup": team_group(catalog, team)},
        ]
        out[team] = json.dumps({"items": items}, sort_keys=True)
    return out


def applied_folder_permissions(catalog: Catalog) -> str | None:
    """What obskit writes into every ``GrafanaFolder``'s ``spec.permissions`` when access is
    on (grafana-operator delivery): Viewer and Editor roles may view, nobody but Grafana
    admins edits in the UI. Dashboards are provisioned from git, so a team changes its
    dashboards by a catalog change (reviewed), and a UI edit would be overwritten at the next
    sync anyway. A team's UI edit right needs its numeric ``teamId`` (see
    :func:`team_folder_permissions`), which only the running Grafana knows."""
    from obskit.renderers.access import access_settings

    if access_settings(catalog) is None:
        return None
    items = [{"permission": VIEW, "role": "Viewer"}, {"permission": VIEW, "role": "Editor"}]
    return json.dumps({"items": items}, sort_keys=True)
