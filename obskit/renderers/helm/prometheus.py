"""kube-prometheus-stack ``prometheus`` and the scrape jobs of cluster components."""

from __future__ import annotations

import re

from obskit.renderers.helm.alertmanager import pvc_spec
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.sizing import Sizing
from obskit.stack import MONITOR_SELECTOR_LABELS

#: control-plane jobs a managed Kubernetes (EKS, GKE, AKS) does not expose to workloads,
#: and the chart's default rule groups that would alert on their absence
CONTROL_PLANE = {
    "kubeEtcd": ("etcd",),
    "kubeScheduler": ("kubeSchedulerAlerting", "kubeSchedulerRecording"),
    "kubeControllerManager": ("kubeControllerManager",),
}
_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50}


def retention_size(storage: str) -> str | None:
    """85 % of a PVC size, in Prometheus' size units (``200Gi`` -> ``170GB``)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi)", storage)
    if not match:
        return None
    size_bytes = float(match.group(1)) * _UNITS[match.group(2)] * 0.85
    # Prometheus' "GB" is 2^30 bytes
    for unit, factor in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20)):
        if size_bytes >= factor:
            return f"{int(size_bytes // factor)}{unit}"
    return None


def build(values: Values, size: Sizing) -> None:
    """Set ``prometheus`` and the component scrape switches."""
    prom = size["prometheus"]
    spec = "prometheus.prometheusSpec"
    values.set(f"{spec}.retention", prom["retention"])
    limit = retention_size(prom["storage"])
    if limit:
        values.set(
            f"{spec}.retentionSize",
            limit,
            why="85% of the volume: the oldest blocks go before the disk fills up.",
        )
    values.set(
        f"{spec}.replicas",
        prom["replicas"],
        why="Replicas scrape the same targets independently (HA pair in production).",
    )
    values.set(f"{spec}.resources", prom["resources"])
    values.set(
        f"{spec}.storageSpec",
        {"volumeClaimTemplate": {"spec": pvc_spec(prom["storage"], size.storage_class)}},
    )
    values.set(
        f"{spec}.externalLabels",
        {"cluster": size.cluster, "environment": size.environment},
        why="Tell alerts and remote-written series from different clusters apart.",
    )
    selector = {"matchLabels": dict(MONITOR_SELECTOR_LABELS)}
    for kind in ("rule", "serviceMonitor", "podMonitor"):
        values.set(
            f"{spec}.{kind}SelectorNilUsesHelmValues",
            False,
            why=(f"Select with {kind}Selector, not the chart's implicit release-label selector."),
        )
        values.set(
            f"{spec}.{kind}Selector",
            selector,
            why=(
                f"{kind}s labelled like obskit's manifests/ (MONITOR_SELECTOR_LABELS);\n"
                "the chart's own monitors and rules carry the same release label."
            ),
        )
        values.set(
            f"{spec}.{kind}NamespaceSelector",
            {},
            why=(
                "{} = every namespace: services' monitors and rules live next to the services."
                if kind == "rule"
                else None
            ),
        )
    values.set(
        "kubelet.enabled",
        True,
        why="Container CPU/memory (cAdvisor) and volume metrics for the workload panels.",
    )
    values.set("kubelet.serviceMonitor.cAdvisor", True)
    for job, rule_groups in CONTROL_PLANE.items():
        if size.managed:
            values.set(
                f"{job}.enabled",
                False,
                why=(
                    "Managed control plane (environment managed: true): the provider does\n"
                    "not expose this component's metrics endpoint to the cluster, so the\n"
                    "job would only produce permanently-down targets."
                ),
            )
            for group in rule_groups:
                values.set(
                    f"defaultRules.rules.{group}",
                    False,
                    why=f"{job} is not scraped: its absence alerts would fire forever.",
                )
        else:
            values.set(
                f"{job}.enabled",
                True,
                why="Self-managed control plane (environment managed: false): scrape it.",
            )
