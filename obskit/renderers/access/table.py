"""The who-can-see-what table of docs/access.md, from a catalog."""

from __future__ import annotations

from obskit.catalog.model import Catalog
from obskit.renderers.access import access_settings
from obskit.renderers.access.grafana import team_folder_permissions
from obskit.renderers.access.logs import team_log_pattern
from obskit.renderers.access.rbac import PLATFORM_ROLE, team_role_name
from obskit.renderers.access.scopes import namespace_teams, team_group, team_namespaces
from obskit.stack import STACK_NAMESPACE

BEGIN = "<!-- access-table:begin (generated: python scripts/build_access_doc.py) -->"
END = "<!-- access-table:end -->"


def access_table(catalog: Catalog) -> str:
    """A Markdown table: per team its group, namespaces, Grafana folders, log pattern."""
    access = access_settings(catalog)
    shared = namespace_teams(catalog)
    grafana = team_folder_permissions(catalog)
    rows = [
        "| team | OIDC group | Kubernetes read (Role) | Grafana | Elasticsearch logs |",
        "|---|---|---|---|---|",
    ]
    for team, namespaces in team_namespaces(catalog).items():
        group = team_group(catalog, team)
        if access is None or group is None:
            k8s = "nothing (no group)" if access else "nothing (access off)"
        else:
            marks = [f"`{ns}`" + (" (shared)" if len(shared[ns]) > 1 else "") for ns in namespaces]
            k8s = f"`{team_role_name(team)}` in " + ", ".join(marks)
            if team == access.platform_team:
                k8s += f"; `{PLATFORM_ROLE}` in `{STACK_NAMESPACE}`"
        folders = f"edit `{team}` folder; view all" if team in grafana else "view all"
        rows.append(
            f"| {team} | `{group or '-'}` | {k8s} | {folders} | `{team_log_pattern(team)}` |"
        )
    return "\n".join(rows) + "\n"


def with_table(doc: str, catalog: Catalog) -> str:
    """``doc`` with the text between the markers replaced by the current table."""
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{access_table(catalog)}{END}{tail}"
