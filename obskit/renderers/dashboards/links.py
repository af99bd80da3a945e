"""Links of a service dashboard: Kibana, Jaeger, runbook, dependencies; the alert list.

Kibana and Jaeger base URLs come from ``metadata.links`` in the catalog; by default they are
the in-cluster service URLs of the stack obskit installs (obskit.stack), which work through a
port-forward or an ingress mapped to the same host names.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import grafanalib.core as G

from obskit.catalog.model import Catalog, ResolvedService
from obskit.renderers.dashboards.normalize import normalize_link
from obskit.renderers.dashboards.panels import alert_list, text
from obskit.renderers.dashboards.uid import dashboard_uid
from obskit.stack import JAEGER_RELEASE, KIBANA_NAME, STACK_NAMESPACE

DEFAULT_KIBANA = f"https://{KIBANA_NAME}-kb-http.{STACK_NAMESPACE}.svc:5601"
DEFAULT_JAEGER = f"http://{JAEGER_RELEASE}.{STACK_NAMESPACE}.svc:16686"
#: Grafana's dashboard time range, as ISO dates (Kibana) and epoch milliseconds (Jaeger)
_FROM_ISO, _TO_ISO = "${__from:date:iso}", "${__to:date:iso}"


def kibana_base(catalog: Catalog) -> str:
    links = catalog.metadata.links
    return ((links and links.kibana) or DEFAULT_KIBANA).rstrip("/")


def jaeger_base(catalog: Catalog) -> str:
    links = catalog.metadata.links
    return ((links and links.jaeger) or DEFAULT_JAEGER).rstrip("/")


def kibana_url(catalog: Catalog, service: ResolvedService) -> str:
    """Kibana Discover over the dashboard's time range, filtered to namespace and app.

    With access on (docs/access.md) the link reads the team's own index pattern
    ``logs-<team>.*`` through an ES|QL query (``FROM`` names the pattern, so no Kibana data
    view has to exist); the team's Elasticsearch role reads nothing else.
    """
    global_state = f"(time:(from:'{_FROM_ISO}',to:'{_TO_ISO}'))"
    if catalog.metadata.access is not None and catalog.metadata.access.enabled:
        from obskit.renderers.access.logs import team_log_pattern

        esql = (
            f"FROM {team_log_pattern(service.team)}"
            f' | WHERE kubernetes.namespace_name == "{service.namespace}"'
            f' AND kubernetes.labels.app == "{service.name}"'
            " | SORT @timestamp DESC | LIMIT 500"
        )
        app_state = f"(dataSource:(type:esql),query:(esql:'{quote(esql, safe='')}'))"
        return f"{kibana_base(catalog)}/app/discover#/?_g={global_state}&_a={app_state}"
    kql = (
        f'kubernetes.namespace_name:"{service.namespace}"'
        f' and kubernetes.labels.app:"{service.name}"'
    )
    app_state = f"(query:(language:kuery,query:'{quote(kql, safe='')}'))"
    return f"{kibana_base(catalog)}/app/discover#/?_g={global_state}&_a={app_state}"


def grafana_logs_url(catalog: Catalog, service: ResolvedService) -> str | None:
    """Grafana Explore on the team's own logs datasource (access on), filtered to namespace
    and app over the dashboard's time range; None with access off (Kibana is the link)."""
    if catalog.metadata.access is None or not catalog.metadata.access.enabled:
        return None
    from obskit.renderers.helm.grafana import logs_datasource_uid

    uid = logs_datasource_uid(service.team)
    lucene = (
        f'kubernetes.namespace_name:"{service.namespace}"'
        f' AND kubernetes.labels.app:"{service.name}"'
    )
    pane = {
        "datasource": uid,
        "queries": [
            {
                "refId": "A",
                "datasource": {"type": "elasticsearch", "uid": uid},
                "query": lucene,
                "metrics": [{"id": "1", "type": "logs"}],
                "bucketAggs": [],
            }
        ],
        "range": {"from": "FROM_MS", "to": "TO_MS"},
    }
    panes = quote(json.dumps({"logs": pane}, separators=(",", ":"), sort_keys=True), safe="")
    # Grafana fills ${__from} / ${__to} into link URLs: they must stay unencoded
    panes = panes.replace("FROM_MS", "${__from}").replace("TO_MS", "${__to}")
    return f"/explore?schemaVersion=1&orgId=1&panes={panes}"


def jaeger_url(catalog: Catalog, service: ResolvedService) -> str:
    """Jaeger trace search for the service's trace name over the dashboard's time range."""
    return (
        f"{jaeger_base(catalog)}/search?service={quote(service.trace_service, safe='')}"
        "&start=${__from}000&end=${__to}000&lookback=custom&limit=20"
    )


def link_object(title: str, url: str, tooltip: str, icon: str = "external link") -> G.DashboardLink:
    """A dashboard link; one to another dashboard (``/d/``) keeps the time and variables."""
    return G.DashboardLink(
        title=title,
        uri=url,
        type="link",
        icon=icon,
        tooltip=tooltip,
        targetBlank=not url.startswith("/d/"),
        keepTime=url.startswith("/d/"),
        includeVars=url.startswith("/d/"),
    )


@lru_cache(maxsize=64)
def _link_shape(icon: str, internal: bool) -> dict[str, Any]:
    return normalize_link(link_object("", "/d/" if internal else "", "", icon))


def _link(title: str, url: str, tooltip: str, icon: str = "external link") -> dict[str, Any]:
    """The normalised JSON of :func:`link_object`, built once per icon and kind."""
    shape = _link_shape(icon, url.startswith("/d/"))
    return {**shape, "title": title, "url": url, "tooltip": tooltip}


def service_links(catalog: Catalog, service: ResolvedService) -> list[dict[str, Any]]:
    """Dashboard links: logs, traces, runbook, then the dashboards of ``dependsOn``."""
    links: list[dict[str, Any]] = []
    if service.logs.enabled:
        links.append(_link("Logs (Kibana)", kibana_url(catalog, service), "Kibana Discover"))
        explore = grafana_logs_url(catalog, service)
        if explore is not None:
            links.append(_link("Logs (Grafana)", explore, f"Explore logs-{service.team}.*"))
    if service.traces.enabled:
        links.append(
            _link("Traces (Jaeger)", jaeger_url(catalog, service), f"{service.trace_service}")
        )
    if service.runbook:
        links.append(
            _link("Runbook", service.runbook, "What to do when this service alerts", "doc")
        )
    for dep in service.depends_on:
        links.append(
            _link(
                f"→ {dep}", f"/d/{dashboard_uid(catalog, dep)}", f"Dashboard of {dep}", "dashboard"
            )
        )
    return links


def alerts_panel(service: ResolvedService) -> Any:
    return alert_list(
        "Alerts",
        f"Firing and pending alerts labelled service={service.name} (generated and hand-written).",
        f'{{service="{service.name}"}}',
    )


def about_panel(catalog: Catalog, service: ResolvedService) -> Any:
    """Markdown: what the service is, who owns it, where to look next."""
    lines = [
        f"**{service.name}** — {service.description or 'no description'}",
        "",
        f"- Team: `{service.team}` · tier: `{service.tier}` · namespace: `{service.namespace}`",
        f"- Metrics preset: `{service.metrics.preset}`",
        f"- Workload: {service.workload.kind} `{service.workload_name}`",
    ]
    if service.runbook:
        lines.append(f"- [Runbook]({service.runbook})")
    if service.logs.enabled:
        lines.append(f"- [Logs in Kibana]({kibana_url(catalog, service)})")
        explore = grafana_logs_url(catalog, service)
        if explore is not None:
            lines.append(f"- [Logs in Grafana]({explore})")
    if service.traces.enabled:
        lines.append(f"- [Traces in Jaeger]({jaeger_url(catalog, service)})")
    if service.depends_on:
        deps = ", ".join(f"[{d}](/d/{dashboard_uid(catalog, d)})" for d in service.depends_on)
        lines.append(f"- Depends on: {deps}")
    return text("About", "Owner, workload and links of this service.", "\n".join(lines) + "\n")
