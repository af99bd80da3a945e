"""The `dashboards` renderer: one Grafana dashboard per service plus overviews.

Importing this package is cheap (no grafanalib): the manifests renderer uses
:func:`dashboard_refs`, :func:`dashboard_uid` and :func:`dashboard_folder` to package the
files as ConfigMaps. grafanalib is imported when a unit is produced.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

import orjson

from obskit.catalog.model import Catalog, ResolvedService
from obskit.render.registry import RenderUnit, catalog_inputs, service_inputs
from obskit.render.serialize import dump_json
from obskit.renderers.dashboards.uid import (
    DashboardRef,
    dashboard_folder,
    dashboard_refs,
    dashboard_uid,
    overview_kinds,
    overview_path,
    overview_uid,
    service_path,
)

__all__ = [
    "RENDERER",
    "DashboardRef",
    "dashboard_folder",
    "dashboard_refs",
    "dashboard_uid",
    "one_line_copy",
    "overview_uid",
]


#: the title and one-line JSON of the dashboards this process dumped last, by their file's
#: bytes: the manifests renderer puts the one-line copy in a ConfigMap, and takes it from
#: here instead of parsing the file again (as many as the pipeline's shared units)
_ONE_LINE: OrderedDict[bytes, tuple[str, bytes]] = OrderedDict()
ONE_LINE_KEPT = 16


def _dump(dashboard: dict[str, Any]) -> bytes:
    """The dashboard's file (indented JSON, sorted keys); its one-line copy is kept."""
    data = dump_json(dashboard)
    title = dashboard.get("title")
    if isinstance(title, str) and title:
        # the same value and key order as the file parsed back and dumped on one line
        _ONE_LINE[data] = (title, orjson.dumps(dashboard, option=orjson.OPT_SORT_KEYS) + b"\n")
        while len(_ONE_LINE) > ONE_LINE_KEPT:
            _ONE_LINE.popitem(last=False)
    return data


def one_line_copy(data: bytes) -> tuple[str, bytes] | None:
    """``(title, one-line JSON + newline)`` of a dashboard file this process has just
    rendered (``data`` equal to its bytes), else None: parse ``data`` instead."""
    return _ONE_LINE.get(data)


def _service_files(catalog: Catalog, service: ResolvedService) -> dict[str, bytes]:
    from obskit.renderers.dashboards.service import service_dashboard

    return {service_path(service.name): _dump(service_dashboard(catalog, service))}


def _overview_files(catalog: Catalog) -> dict[str, bytes]:
    from obskit.renderers.dashboards.overview import overview_dashboard

    return {
        overview_path(k): _dump(overview_dashboard(catalog, k)) for k in overview_kinds(catalog)
    }


class _Renderer:
    name = "dashboards"
    folders = ("dashboards",)

    def units(self, catalog: Catalog) -> Iterable[RenderUnit]:
        from obskit.renderers.dashboards.plugins import plugins_fingerprint

        plugins = plugins_fingerprint(catalog)
        for service in catalog.services:
            # dependsOn links carry the other dashboards' uids: derived from names only
            yield RenderUnit(
                key=f"service/{service.name}",
                inputs=service_inputs(catalog, service, "plugins", plugins),
                produce=lambda s=service: _service_files(catalog, s),
            )
        yield RenderUnit(
            key="overview",
            inputs=catalog_inputs(catalog),
            produce=lambda: _overview_files(catalog),
            cost=20 + len(catalog.services) // 10,
        )


RENDERER = _Renderer()
