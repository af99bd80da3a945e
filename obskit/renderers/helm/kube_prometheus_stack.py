"""kube-prometheus-stack values: Prometheus, Alertmanager, Grafana, kube-state-metrics."""

from __future__ import annotations

from obskit.catalog.model import Catalog
from obskit.renderers.helm import alertmanager, grafana, kube_state_metrics, prometheus
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.sizing import Sizing


def build(catalog: Catalog, size: Sizing) -> Values:
    """Values of the kube-prometheus-stack chart for one environment."""
    values = Values()
    prometheus.build(values, size)
    alertmanager.build(values, catalog, size)
    grafana.build(values, size)
    kube_state_metrics.build_subchart(values)
    return values
