"""The `alerts` renderer: per service a Prometheus rule file and its promtool unit tests.

``alerts/<service>.rules.yaml``: SLO recording rules and multi-window multi-burn-rate alerts
(:mod:`.slo_rules`, :mod:`.slo_alerts`, :mod:`.burnrate`), golden-signal recording rules and
the metrics-absent alert (:mod:`.service_rules`), workload alerts (:mod:`.workload`) and the
catalog's own alerts (:mod:`.catalog_alerts`). ``alerts/tests/<service>.test.yaml``: the
generated promtool tests (:mod:`.promtool_tests`).
"""

from __future__ import annotations

from collections.abc import Iterable

from obskit.catalog.model import Catalog, ResolvedService
from obskit.render.registry import Files, RenderUnit, service_inputs


def render_service(service: ResolvedService) -> Files:
    """The two files of one service."""
    from obskit.renderers.alerts import promtool_tests, rulefile, workload

    return {
        f"alerts/{service.name}.rules.yaml": rulefile.rule_file(service),
        f"alerts/tests/{service.name}.test.yaml": promtool_tests.test_file(
            service, workload.workload_alerts(service)
        ),
    }


class _Renderer:
    name = "alerts"
    folders = ("alerts",)

    def units(self, catalog: Catalog) -> Iterable[RenderUnit]:
        for service in catalog.services:
            yield RenderUnit(
                key=f"service/{service.name}",
                inputs=service_inputs(catalog, service),
                produce=lambda s=service: render_service(s),
            )


RENDERER = _Renderer()
