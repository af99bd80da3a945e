"""kube-state-metrics: as kube-prometheus-stack's subchart and as a standalone release."""

from __future__ import annotations

from obskit.renderers.helm import wiring
from obskit.renderers.helm.commented import Values
from obskit.stack import MONITOR_SELECTOR_LABELS

ALLOWLIST_WHY = (
    "Copy these Kubernetes labels onto kube_<kind>_labels so workload metrics join to\n"
    "services and teams (e.g. ... * on (namespace, pod) group_left(label_team) kube_pod_labels)."
)


def build_subchart(values: Values) -> None:
    """The ``kube-state-metrics`` block of kube-prometheus-stack's values."""
    values.set(
        "kube-state-metrics.metricLabelsAllowlist", wiring.ksm_allowlist(), why=ALLOWLIST_WHY
    )


def standalone() -> Values:
    """Values of the standalone kube-state-metrics chart."""
    values = Values()
    values.set("metricLabelsAllowlist", wiring.ksm_allowlist(), why=ALLOWLIST_WHY)
    values.set(
        "prometheus.monitor.enabled",
        True,
        why="A ServiceMonitor that kube-prometheus-stack's Prometheus selects (additionalLabels).",
    )
    values.set(
        "prometheus.monitor.additionalLabels",
        dict(MONITOR_SELECTOR_LABELS),
        why="The label kube-prometheus-stack's Prometheus selects monitors by (obskit.stack).",
    )
    values.set(
        "prometheus.monitor.http.honorLabels",
        True,
        why="Keep the namespace/pod labels of the objects, not of the exporter pod.",
    )
    return values
