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


def render_service_by_class(
    service: ResolvedService, clusters: tuple[str, ...] = (), key: bytes | None = None
) -> Files:
    """:func:`render_service`'s bytes, rendered once per class of services (:mod:`.by_class`)."""
    from obskit.renderers.alerts import by_class

    return by_class.render_service_by_class(service, clusters, key)


class _ServiceFiles:
    """A service unit's ``produce``: its files, from its class when the class has others."""

    __slots__ = ("classes", "clusters", "service")

    def __init__(self, service: ResolvedService, clusters: tuple[str, ...], classes) -> None:
        self.service, self.clusters, self.classes = service, clusters, classes

    def __call__(self) -> Files:
        # a class of one renders directly (sharing costs a second look at the files)
        key = self.classes.key(self.service)
        if key is not None:
            return render_service_by_class(self.service, self.clusters, key)
        return render_service(self.service, self.clusters)


#: estimated costs of a unit (1: a dashboard): a service filled from its class, one rendered
#: alone, a Mimir ruler file
_FILLED, _ALONE, _OTHER = 1, 22, 5


class _Renderer:
    name = "alerts"
    folders = ("alerts", "mimir-rules")

    def units(self, catalog: Catalog) -> Iterable[RenderUnit]:
        from obskit.renderers.alerts.by_class import ClassSizes

        clusters = paired_clusters(catalog)
        classes = ClassSizes(catalog.services, clusters)
        for service in catalog.services:
            yield RenderUnit(
                key=f"service/{service.name}",
                inputs=service_inputs(catalog, service, *clusters),
                produce=_ServiceFiles(service, clusters, classes),
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

    def affinity(self, units: list[RenderUnit]) -> list[tuple[bytes | None, int]]:
        """Each unit's class key (a class is built once per process that meets it, so its
        services are best produced together) and estimated cost."""
        pairs: list[tuple[bytes | None, int]] = []
        for unit in units:
            produce = unit.produce
            if not isinstance(produce, _ServiceFiles):
                pairs.append((None, _OTHER))
                continue
            key = produce.classes.key(produce.service)
            pairs.append((key, _FILLED) if key is not None else (None, _ALONE))
        return pairs


RENDERER = _Renderer()
