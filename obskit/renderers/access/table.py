"""The who-can-see-what table of docs/access.md, from a catalog."""

from __future__ import annotations

from obskit.catalog.model import Catalog
from obskit.renderers.access import access_settings
from obskit.renderers.access.authorizer import Request, allowed
from obskit.renderers.access.es_mappings import mapped_group, role_mappings
from obskit.renderers.access.grafana import team_folder_permissions
from obskit.renderers.access.logs import log_teams, roles_document
from obskit.renderers.access.objects import access_objects
from obskit.renderers.access.scopes import namespace_teams, team_group, team_namespaces
from obskit.renderers.manifests.objects import Serializer
from obskit.stack import STACK_NAMESPACE

BEGIN = "<!-- access-table:begin (generated: python scripts/build_access_doc.py) -->"
END = "<!-- access-table:end -->"


def _mapped_roles(catalog: Catalog, group: str | None) -> list[dict]:
    """The role definitions the group's role mappings grant (exact group match)."""
    if group is None:
        return []
    roles = roles_document(catalog)
    granted = sorted(
        role
        for body in role_mappings(catalog).values()
        if mapped_group(body) == group
        for role in body["roles"]
    )
    return [roles[r] for r in granted if r in roles]


def _es_patterns(catalog: Catalog, group: str | None) -> str:
    """The index patterns of the roles the group's role mappings grant."""
    names = [role["indices"][0]["names"][0] for role in _mapped_roles(catalog, group)]
    return ", ".join(f"`{n}`" for n in names) or "none"


def _kibana(catalog: Catalog, group: str | None) -> str:
    """The Kibana privileges of those roles, as ``<privilege> on <resource>``."""
    grants = sorted(
        f"`{privilege}` on `{resource}`"
        for role in _mapped_roles(catalog, group)
        for entry in role.get("applications", ())
        for privilege in entry["privileges"]
        for resource in entry["resources"]
    )
    return ", ".join(grants) or "none"


def access_table(catalog: Catalog) -> str:
    """A Markdown table: per team its group, namespaces, Grafana folders and logs datasource,
    and the log pattern its Elasticsearch role mapping grants."""
    access = access_settings(catalog)
    shared = namespace_teams(catalog)
    grafana = team_folder_permissions(catalog)
    datasources = set(log_teams(catalog) or ())
    rows = [
        "| team | OIDC group | reads pods, logs, events, workloads in | secrets | Grafana | "
        "Elasticsearch logs (role mapping) | Kibana (same role) |",
        "|---|---|---|---|---|---|---|",
    ]
    objects = access_objects(Serializer(), catalog)
    everywhere = [*shared, STACK_NAMESPACE]
    for team in team_namespaces(catalog):
        group = team_group(catalog, team)
        # asked of the rendered objects, the way the API server's RBAC authorizer decides
        readable = [
            ns
            for ns in everywhere
            if group and allowed(objects, Request("list", "pods", ns), groups=[group])
        ]
        if not readable:
            k8s = "nothing" + ("" if access else " (access off)")
        else:
            marks = [
                f"`{ns}`" + (" (shared)" if len(shared.get(ns, ())) > 1 else "") for ns in readable
            ]
            k8s = ", ".join(marks)
        secrets_anywhere = group and any(
            allowed(objects, Request(verb, "secrets", ns), groups=[group])
            for ns in everywhere
            for verb in ("get", "list")
        )
        secrets = "**yes**" if secrets_anywhere else "none"
        folders = f"edit `{team}` folder; view all" if team in grafana else "view all"
        if team in datasources:
            folders += f"; logs datasource `logs-{team}.*`"
        rows.append(
            f"| {team} | `{group or '-'}` | {k8s} | {secrets} | {folders} | "
            f"{_es_patterns(catalog, group)} | {_kibana(catalog, group)} |"
        )
    return "\n".join(rows) + "\n"


def with_table(doc: str, catalog: Catalog) -> str:
    """``doc`` with the text between the markers replaced by the current table."""
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{access_table(catalog)}{END}{tail}"
