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
from obskit.renderers.dashboards.variables import CLUSTER_MATCHER, NAMESPACE_MATCHER, RATE


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
    """``expr`` kept for the workload's pods (the owner join of the alerts)."""
    kind, name = service.workload.kind, service.workload_name
    if kind != "Deployment":
        owner = _sel(f'owner_kind="{kind}"', f'owner_name="{name}"')
        owned = f"max by (namespace, pod) (kube_pod_owner{owner})"
    else:
        pods = _sel('owner_kind="ReplicaSet"')
        sets = _sel('owner_kind="Deployment"', f'owner_name="{name}"')
        owned = (
            "max by (namespace, pod) (max by (namespace, pod, owner_name) "
            f"(kube_pod_owner{pods}) * on (namespace, owner_name) group_left () "
            "max by (namespace, owner_name) (label_replace(kube_replicaset_owner"
            f'{sets}, "owner_name", "$1", "replicaset", "(.+)")))'
        )
    return f"({expr} and on (namespace, pod) {owned})"


def _containers() -> str:
    return _sel('container!=""', 'container!="POD"')


def _resource(service: ResolvedService, metric: str, resource: str) -> str:
    sel = _sel(f'resource="{resource}"')
    return f"sum({_of_workload(service, f'kube_pod_container_resource_{metric}{sel}')})"


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
            target(f"max({kind.desired}{wl})", "desired"),
            target(f"max({kind.available}{wl})", "available"),
        ],
        minimum=0,
    )
    not_ready = stat(
        "Pods not ready",
        f"Pods of {name} whose Ready condition is false (kube_pod_status_ready).",
        "short",
        [target(f"sum({not_ready}) or vector(0)", "not ready")],
        thresholds=((None, "green"), (1, "red")),
    )
    restarts = timeseries(
        "Container restarts",
        f"Container restarts of {name}'s pods per interval "
        "(kube_pod_container_status_restarts_total).",
        "short",
        [
            target(
                f"sum by (pod)({restarts_expr})",
                "{{pod}}",
            )
        ],
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
            target(f"sum({w(f'rate(container_cpu_usage_seconds_total{c}[{RATE}])')})", "usage"),
            target(_resource(service, "requests", "cpu"), "requests"),
            target(_resource(service, "limits", "cpu"), "limits"),
        ],
        minimum=0,
    )
    memory = timeseries(
        "Memory working set vs requests and limits",
        "Working-set bytes of the pods' containers (what the OOM killer looks at) "
        "against requests and limits.",
        "bytes",
        [
            target(f"sum({w(f'container_memory_working_set_bytes{c}')})", "working set"),
            target(_resource(service, "requests", "memory"), "requests"),
            target(_resource(service, "limits", "memory"), "limits"),
        ],
        minimum=0,
    )
    throttling = timeseries(
        "CPU throttling",
        "Share of CFS periods in which the containers were throttled (hitting their CPU limit).",
        "percentunit",
        [
            target(
                f"sum({w(f'rate(container_cpu_cfs_throttled_periods_total{c}[{RATE}])')})\n/\n"
                f"sum({w(f'rate(container_cpu_cfs_periods_total{c}[{RATE}])')})",
                "throttled",
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
                f"sum by (pod)({w(f'increase(container_oom_events_total{c}[{RATE}])')})",
                "{{pod}}",
            )
        ],
        minimum=0,
    )
    return [cpu, memory, throttling, oom]
