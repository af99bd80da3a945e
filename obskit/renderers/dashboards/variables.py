"""Dashboard variables (datasource, cluster, namespace) and the matchers that use them.

``cluster``: a query variable over the ``cluster`` label of ``up`` with an *All* option
(``.*``), defaulting to All when an environment lists several clusters, else to
``metadata.cluster``. Every panel keeps one series per cluster (:data:`PER_CLUSTER`), its
legend ending in ``{{cluster}}``. Queries match it with ``cluster=~"$cluster|"``: the
empty alternative also matches series that have no ``cluster`` label at all (a single-cluster
Prometheus without external labels, or recording rules that aggregate it away), so the
dashboards work with and without a cluster label.

``namespace``: defaults to the service's namespace; it replaces the selector label whose
value is that namespace (``namespace``, istio's ``destination_workload_namespace``...) and
selects the kube-state-metrics / cAdvisor series of the workload.
"""

from __future__ import annotations

import weakref
from functools import cache, lru_cache
from typing import Any

import grafanalib.core as G

from obskit.catalog.clusters import paired_clusters
from obskit.catalog.model import Catalog, ResolvedService
from obskit.catalog.presets import PRESETS
from obskit.renderers.dashboards.normalize import DATASOURCE, normalize_variable

CLUSTER_MATCHER = 'cluster=~"$cluster|"'
#: every panel query keeps one series per cluster (``sum by (cluster, ...)``): with *All*
#: selected on a central store the clusters are drawn apart, never added together; series
#: without a ``cluster`` label (one Prometheus) give one series, as before
PER_CLUSTER: tuple[str, ...] = ("cluster",)
NAMESPACE_MATCHER = 'namespace="$namespace"'
RATE = "$__rate_interval"


def legend(text: str) -> str:
    """``text {{cluster}}``: the cluster last, so an unlabelled series reads ``text``."""
    return f"{text} {{{{cluster}}}}"


def namespace_overrides(service: ResolvedService) -> dict[str, str]:
    """Selector labels to replace with the ``$namespace`` variable (see module doc)."""
    preset = PRESETS.get(service.metrics.preset)
    ns_labels = {"namespace"}
    if preset:
        ns_labels |= {label for label, source in preset.selector_labels if source == "namespace"}
    return {
        label: f'{label}="$namespace"'
        for label, value in service.metrics.selector.items()
        if label in ns_labels and value == service.namespace
    }


def _datasource() -> G.Template:
    return G.Template(
        name="datasource",
        label="Data source",
        type="datasource",
        query="prometheus",
        default="prometheus",
        hide=0,
    )


#: the last catalog :func:`_cluster_default` answered for (weakly: never kept alive by
#: it), and its answer; a loaded catalog is never changed in place
_LAST_DEFAULT: tuple[weakref.ref[Catalog], str] | None = None


def _cluster_default(catalog: Catalog) -> str:
    """All when an environment has several clusters, else ``metadata.cluster``; worked out
    once per catalog, not per service dashboard."""
    global _LAST_DEFAULT
    if _LAST_DEFAULT is not None and _LAST_DEFAULT[0]() is catalog:
        return _LAST_DEFAULT[1]
    default = (None if paired_clusters(catalog) else catalog.metadata.cluster) or "$__all"
    _LAST_DEFAULT = (weakref.ref(catalog), default)
    return default


def _cluster(catalog: Catalog) -> G.Template:
    """The clusters reporting ``up`` (every scrape writes it, and remote-write carries the
    ``cluster`` external label): what the store really holds, a new cluster appears without
    re-rendering. Default: :func:`_cluster_default`."""
    return _cluster_template(_cluster_default(catalog))


def _cluster_template(default: str) -> G.Template:
    return G.Template(
        name="cluster",
        label="Cluster",
        type="query",
        query="label_values(up, cluster)",
        dataSource=DATASOURCE,
        includeAll=True,
        allValue=".*",
        default=default,
        refresh=2,
        sort=1,
    )


def _namespace(namespace: str) -> G.Template:
    return G.Template(
        name="namespace",
        label="Namespace",
        type="query",
        query='label_values(kube_namespace_status_phase{cluster=~"$cluster|"}, namespace)',
        dataSource=DATASOURCE,
        default=namespace,
        refresh=2,
        sort=1,
    )


def service_templating(catalog: Catalog, service: ResolvedService) -> G.Templating:
    """The grafanalib form of :func:`service_variables` (what it is tested equal to)."""
    return G.Templating([_datasource(), _cluster(catalog), _namespace(service.namespace)])


@cache
def _datasource_json() -> dict[str, Any]:
    return normalize_variable(_datasource())


@lru_cache(maxsize=64)
def _cluster_json(default: str) -> dict[str, Any]:
    return normalize_variable(_cluster_template(default))


@lru_cache(maxsize=4096)
def _namespace_json(namespace: str) -> dict[str, Any]:
    return normalize_variable(_namespace(namespace))


def service_variables(catalog: Catalog, service: ResolvedService) -> list[dict[str, Any]]:
    """The normalised variables of :func:`service_templating`, each built once per value
    (shared between dashboards: never changed after)."""
    return [
        _datasource_json(),
        _cluster_json(_cluster_default(catalog)),
        _namespace_json(service.namespace),
    ]


def overview_templating(catalog: Catalog) -> G.Templating:
    return G.Templating([_datasource(), _cluster(catalog)])
