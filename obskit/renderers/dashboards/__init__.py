"""The `dashboards` renderer: one Grafana dashboard per service plus overviews.

Importing this package is cheap (no grafanalib): the manifests renderer uses
:func:`dashboard_refs`, :func:`dashboard_uid` and :func:`dashboard_folder` to package the
files as ConfigMaps. grafanalib is imported when a unit is produced.
"""

from __future__ import annotations

from collections.abc import Iterable

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
    "overview_uid",
]


def _service_files(catalog: Catalog, service: ResolvedService) -> dict[str, bytes]:
    from obskit.renderers.dashboards.service import service_dashboard

    return {service_path(service.name): dump_json(service_dashboard(catalog, service))}


def _overview_files(catalog: Catalog) -> dict[str, bytes]:
    from obskit.renderers.dashboards.overview import overview_dashboard

    return {
        overview_path(k): dump_json(overview_dashboard(catalog, k)) for k in overview_kinds(catalog)
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
        )


RENDERER = _Renderer()
