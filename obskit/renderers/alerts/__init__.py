"""The `alerts` renderer: per service a Prometheus rule file and its promtool unit tests.

``alerts/<service>.rules.yaml``: SLO recording rules and multi-window multi-burn-rate alerts
(:mod:`.slo_rules`, :mod:`.slo_alerts`, :mod:`.burnrate`), golden-signal recording rules and
the metrics-absent alert (:mod:`.service_rules`), workload alerts (:mod:`.workload`) and the
catalog's own alerts (:mod:`.catalog_alerts`). ``alerts/tests/<service>.test.yaml`` and
``alerts/tests/<service>.outages.test.yaml``: the generated promtool tests
(:mod:`.promtool_tests`). With ``central.rules: central``:
``mimir-rules/<environment>/<team>.yaml`` for the Mimir ruler (:mod:`.mimir`).
"""

from __future__ import annotations

from collections.abc import Iterable

from obskit.catalog.clusters import paired_clusters
from obskit.catalog.model import Catalog, ResolvedService
from obskit.render.registry import Files, RenderUnit, catalog_inputs, service_inputs


def render_service(service: ResolvedService, clusters: tuple[str, ...] = ()) -> Files:
    """The files of one service; ``clusters`` (two names) adds the two-cluster tests."""
    from obskit.renderers.alerts import promtool_tests, rulefile, workload

    alerts = workload.workload_alerts(service)  # with their fixtures: built once
    return {
        f"alerts/{service.name}.rules.yaml": rulefile.rule_file(service, bool(clusters), alerts),
        **promtool_tests.test_files(service, alerts, clusters),
    }


def render_service_by_class(service: ResolvedService, clusters: tuple[str, ...] = ()) -> Files:
    """:func:`render_service`'s bytes, rendered once per class of services (:mod:`.by_class`)."""
    from obskit.renderers.alerts import by_class

    return by_class.render_service_by_class(service, clusters)


class _Renderer:
    name = "alerts"
    folders = ("alerts", "mimir-rules")

    def units(self, catalog: Catalog) -> Iterable[RenderUnit]:
        from obskit.renderers.alerts.by_class import ClassSizes

        clusters = paired_clusters(catalog)
        classes = ClassSizes(catalog.services, clusters)

        def produce(service: ResolvedService) -> Files:
            # a class of one renders directly (sharing costs a second look at the files)
            if classes.shared(service):
                return render_service_by_class(service, clusters)
            return render_service(service, clusters)

        for service in catalog.services:
            yield RenderUnit(
                key=f"service/{service.name}",
                inputs=service_inputs(catalog, service, *clusters),
                produce=lambda s=service: produce(s),
            )
        from obskit.renderers.alerts import mimir

        for environment in mimir.central_environments(catalog) if catalog.services else ():
            env = catalog.environments[environment]
            yield RenderUnit(
                key=f"mimir/{environment}",
                inputs=service_inputs(
                    catalog,
                    catalog.services[0],
                    environment,
                    env.model_dump_json(),
                    catalog_inputs(catalog).hex(),
                ),
                produce=lambda e=environment: mimir.ruler_files(catalog, e),
            )


RENDERER = _Renderer()
