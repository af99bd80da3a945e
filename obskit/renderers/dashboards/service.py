"""The dashboard of one service: alerts, golden signals, SLOs, workload, custom panels."""

from __future__ import annotations

from functools import cache
from typing import Any

import grafanalib.core as G

from obskit import queries
from obskit.catalog.model import Catalog, ResolvedService
from obskit.renderers.dashboards import golden, links, rollouts, slo, workload
from obskit.renderers.dashboards.layout import DEFAULT_HEIGHT, GRID_WIDTH, Grid
from obskit.renderers.dashboards.normalize import (
    normalize_annotations,
    normalize_dashboard,
    normalize_panel,
)
from obskit.renderers.dashboards.plugins import plugin_panels
from obskit.renderers.dashboards.uid import dashboard_uid, service_tags, service_title
from obskit.renderers.dashboards.variables import service_templating, service_variables

#: row titles (tests and docs refer to them)
ROW_OVERVIEW = "Alerts and links"
ROW_GOLDEN = "Golden signals"
ROW_WORKLOAD = "Workload"
ROW_RESOURCES = "Resources"
ROW_CUSTOM = "Custom panels"


def _plugin_items(panels: list[Any]) -> list[tuple[Any, int, int]]:
    """Plugins' panels as normalised JSON, with the size they asked for."""
    items = []
    for panel in panels:
        pos = getattr(panel, "gridPos", None)
        width = getattr(pos, "w", None) or GRID_WIDTH // 2
        height = getattr(pos, "h", None) or DEFAULT_HEIGHT
        items.append((normalize_panel(panel), width, height))
    return items


def build_grid(catalog: Catalog, service: ResolvedService) -> Grid:
    """Rows and panels (normalised JSON), laid out; ``preset: none`` gets the workload rows
    only."""
    grid = Grid()
    if queries.has_metrics(service):
        grid.row(ROW_OVERVIEW)
        grid.place(
            [(links.alerts_panel(service), 16, 6), (links.about_panel(catalog, service), 8, 6)]
        )
        grid.row(f"{ROW_GOLDEN} ({service.metrics.preset})")
        grid.line(golden.golden_panels(service))
        for s in service.slos:
            grid.row(slo.slo_title(s))
            grid.place(slo.slo_panels(service, s))
    grid.row(f"{ROW_WORKLOAD}: {service.workload.kind} {service.workload_name}")
    grid.line(workload.replica_panels(service))
    grid.row(ROW_RESOURCES)
    grid.line(workload.resource_panels(service), height=7)
    custom = plugin_panels(catalog, service)
    if custom:
        grid.row(ROW_CUSTOM)
        grid.place(_plugin_items(custom))
    return grid


def dashboard_object(catalog: Catalog, service: ResolvedService) -> G.Dashboard:
    """The grafanalib dashboard of ``service`` (:func:`service_dashboard` is tested equal to
    its normalised JSON); its panels are the factories' JSON and plugins' panels."""
    return G.Dashboard(
        title=service_title(catalog, service.name),
        uid=dashboard_uid(catalog, service.name),
        description=_description(service),
        tags=service_tags(catalog, service),
        panels=build_grid(catalog, service).panels,
        templating=service_templating(catalog, service),
        links=[links.link_object(**link) for link in _link_args(catalog, service)],
        annotations=rollouts.service_annotations(service),
        **_SETTINGS,
        time=G.Time("now-6h", "now"),
    )


#: the dashboard's settings besides names, panels, variables, links and annotations
_SETTINGS: dict[str, Any] = {"refresh": "1m", "timezone": "browser", "graphTooltip": 1}


def _description(service: ResolvedService) -> str:
    return service.description or f"Service {service.name}"


def _link_args(catalog: Catalog, service: ResolvedService) -> list[dict[str, str]]:
    return [
        {"title": x["title"], "url": x["url"], "tooltip": x["tooltip"], "icon": x["icon"]}
        for x in links.service_links(catalog, service)
    ]


@cache
def _dashboard_shape() -> dict[str, Any]:
    """The normalised JSON of a grafanalib dashboard with :data:`_SETTINGS` and nothing else
    (names, panels, variables, links and annotations are filled in)."""
    return normalize_dashboard(G.Dashboard(title="", **_SETTINGS, time=G.Time("now-6h", "now")))


def service_dashboard(catalog: Catalog, service: ResolvedService) -> dict[str, Any]:
    """The schema-valid dashboard dict of ``service``: the normalised JSON of
    :func:`dashboard_object`, assembled from JSON parts (the panel factories', plugins'
    panels normalised one by one, variables, links and settings built once)."""
    grid = build_grid(catalog, service)
    dashboard = {
        **_dashboard_shape(),
        "title": service_title(catalog, service.name),
        "uid": dashboard_uid(catalog, service.name),
        "tags": service_tags(catalog, service),
        "panels": grid.panels,
        "templating": {"list": service_variables(catalog, service)},
        "links": links.service_links(catalog, service),
        "annotations": normalize_annotations({"list": [rollouts.rollout_annotation(service)]}),
    }
    description = _description(service)
    if description:
        dashboard["description"] = description
    return dashboard
