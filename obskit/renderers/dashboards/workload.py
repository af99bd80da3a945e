"""Workload panels: kube-state-metrics and cAdvisor series of the service's pods.

Pods are the workload's as the alerts select them: through ``kube_pod_owner`` (for a
Deployment joined through ``kube_replicaset_owner``), never by pod name, so truncated pod
names and siblings sharing a prefix (``cart`` / ``cart-redis``) are right.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obskit.catalog.model import ResolvedService
from obskit.renderers.dashboards.panels import stat, target, timeseries
from obskit.renderers.dashboards.variables import (
    CLUSTER_MATCHER,
    NAMESPACE_MATCHER,
    PER_CLUSTER,
    RATE,
    legend,
)


@dataclass(frozen=True)
class Kind:
    """kube-state-metrics names of one workload kind."""

    label: str  # the ksm label naming the workload
    desired: str
    available: str


KINDS: dict[str, Kind] = {
    "Deployment": Kind(
        "deployment",
        "kube_deployment_spec_replicas",
        "kube_deployment_status_replicas_available",
    ),
    "StatefulSet": Kind(
        "statefulset",
        "kube_statefulset_replicas",
        "kube_statefulset_status_replicas_ready",
    ),
    "DaemonSet": Kind(
        "daemonset",
        "kube_daemonset_status_desired_number_scheduled",
        "kube_daemonset_status_number_available",
    ),
}


def _sel(*extra: str) -> str:
    return "{" + ", ".join((NAMESPACE_MATCHER, CLUSTER_MATCHER, *extra)) + "}"


def _of_workload(service: ResolvedService, expr: str) -> str:
    """``expr`` kept for the workload's pods (the owner join of the alerts), per cluster: a
    pod of the same name in another cluster never matches."""
    kind, name = service.workload.kind, service.workload_name
    if kind != "Deployment":
        owner = _sel(f'owner_kind="{kind}"', f'owner_name="{name}"')
        owned = f"max by (cluster, namespace, pod) (kube_pod_owner{owner})"
    else:
        pods = _sel('owner_kind="ReplicaSet"')
        sets = _sel('owner_kind="Deployment"', f'owner_name="{name}"')
        owned = (
            "max by (cluster, namespace, pod) (max by (cluster, namespace, pod, owner_name) "
            f"(kube_pod_owner{pods}) * on (cluster, namespace, owner_name) group_left () "
            "max by (cluster, namespace, owner_name) (label_replace(kube_replicaset_owner"
            f'{sets}, "owner_name", "$1", "replicaset", "(.+)")))'
        )
    return f"({expr} and on (cluster, namespace, pod) {owned})"


def _sum(expr: str, *labels: str) -> str:
    """``sum by (cluster, labels...)(expr)``."""
    return f"sum by ({', '.join((*PER_CLUSTER, *labels))})({expr})"


def _containers() -> str:
    return _sel('container!=""', 'container!="POD"')


def _resource(service: ResolvedService, metric: str, resource: str) -> str:
    sel = _sel(f'resource="{resource}"')
    return _sum(_of_workload(service, f"kube_pod_container_resource_{metric}{sel}"))


def replica_panels(service: ResolvedService) -> list[Any]:
    kind = KINDS[service.workload.kind]
    wl = _sel(f'{kind.label}="{service.workload_name}"')
    name = f"{service.workload.kind} {service.workload_name}"
    false = _sel('condition="false"')
    not_ready = _of_workload(service, f"kube_pod_status_ready{false}")
    restarts_expr = _of_workload(
        service, f"increase(kube_pod_container_status_restarts_total{_sel()}[{RATE}])"
    )
    replicas = timeseries(
        "Replicas: desired vs available",
        f"{name}: {kind.desired} vs {kind.available} (kube-state-metrics).",
        "short",
        [
            target(f"max by (cluster)({kind.desired}{wl})", legend("desired")),
            target(f"max by (cluster)({kind.available}{wl})", legend("available")),
        ],
        minimum=0,
    )
    not_ready = stat(
        "Pods not ready",
        f"Pods of {name} whose Ready condition is false (kube_pod_status_ready).",
        "short",
        [target(f"{_sum(not_ready)} or on () vector(0)", legend("not ready"))],
        thresholds=((None, "green"), (1, "red")),
    )
    restarts = timeseries(
        "Container restarts",
        f"Container restarts of {name}'s pods per interval "
        "(kube_pod_container_status_restarts_total).",
        "short",
        [target(_sum(restarts_expr, "pod"), legend("{{pod}}"))],
        minimum=0,
    )
    return [replicas, not_ready, restarts]


def resource_panels(service: ResolvedService) -> list[Any]:
    c = _containers()

    def w(expr: str) -> str:
        return _of_workload(service, expr)

    cpu = timeseries(
        "CPU usage vs requests and limits",
        "CPU cores used by the pods' containers (cAdvisor) against the sum of their "
        "requests and limits.",
        "short",
        [
            target(_sum(w(f"rate(container_cpu_usage_seconds_total{c}[{RATE}])")), legend("usage")),
            target(_resource(service, "requests", "cpu"), legend("requests")),
            target(_resource(service, "limits", "cpu"), legend("limits")),
        ],
        minimum=0,
    )
    memory = timeseries(
        "Memory working set vs requests and limits",
        "Working-set bytes of the pods' containers (what the OOM killer looks at) "
        "against requests and limits.",
        "bytes",
        [
            target(_sum(w(f"container_memory_working_set_bytes{c}")), legend("working set")),
            target(_resource(service, "requests", "memory"), legend("requests")),
            target(_resource(service, "limits", "memory"), legend("limits")),
        ],
        minimum=0,
    )
    throttling = timeseries(
        "CPU throttling",
        "Share of CFS periods in which the containers were throttled (hitting their CPU limit).",
        "percentunit",
        [
            target(
                _sum(w(f"rate(container_cpu_cfs_throttled_periods_total{c}[{RATE}])"))
                + "\n/\n"
                + _sum(w(f"rate(container_cpu_cfs_periods_total{c}[{RATE}])")),
                legend("throttled"),
            )
        ],
        thresholds=((None, "green"), (0.25, "red")),
        threshold_lines=True,
        minimum=0,
    )
    oom = timeseries(
        "OOM kills",
        "Containers killed for running out of memory (cAdvisor container_oom_events_total).",
        "short",
        [
            target(
                _sum(w(f"increase(container_oom_events_total{c}[{RATE}])"), "pod"),
                legend("{{pod}}"),
            )
        ],
        minimum=0,
    )
    return [cpu, memory, throttling, oom]
