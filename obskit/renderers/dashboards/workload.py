"""Workload panels: kube-state-metrics and cAdvisor series of the service's pods.

Pods are matched by name, per workload kind: Deployment pods are
``<name>-<replicaset hash>-<5 chars>``, StatefulSet pods ``<name>-<ordinal>``, DaemonSet pods
``<name>-<5 chars>``. The generated parts never contain ``-``, so ``cart`` does not match the
pods of ``cart-redis`` or ``cart-v2``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obskit.catalog.model import ResolvedService
from obskit.renderers.dashboards.panels import stat, target, timeseries
from obskit.renderers.dashboards.variables import CLUSTER_MATCHER, NAMESPACE_MATCHER, RATE

#: a generated pod name part (replicaset hash, random suffix): no dashes
_PART = "[a-z0-9]"


@dataclass(frozen=True)
class Kind:
    """kube-state-metrics names of one workload kind."""

    label: str  # the ksm label naming the workload
    desired: str
    available: str
    pod_suffix: str


KINDS: dict[str, Kind] = {
    "Deployment": Kind(
        "deployment",
        "kube_deployment_spec_replicas",
        "kube_deployment_status_replicas_available",
        f"-{_PART}+-{_PART}{{5}}",
    ),
    "StatefulSet": Kind(
        "statefulset",
        "kube_statefulset_replicas",
        "kube_statefulset_status_replicas_ready",
        "-[0-9]+",
    ),
    "DaemonSet": Kind(
        "daemonset",
        "kube_daemonset_status_desired_number_scheduled",
        "kube_daemonset_status_number_available",
        f"-{_PART}{{5}}",
    ),
}


def _sel(*extra: str) -> str:
    return "{" + ", ".join((NAMESPACE_MATCHER, CLUSTER_MATCHER, *extra)) + "}"


def pod_matcher(service: ResolvedService) -> str:
    return f'pod=~"{service.workload_name}{KINDS[service.workload.kind].pod_suffix}"'


def _containers(service: ResolvedService) -> str:
    return _sel(pod_matcher(service), 'container!=""', 'container!="POD"')


def _resource(service: ResolvedService, metric: str, resource: str) -> str:
    sel = _sel(pod_matcher(service), f'resource="{resource}"')
    return f"sum(kube_pod_container_resource_{metric}{sel})"


def replica_panels(service: ResolvedService) -> list[Any]:
    kind = KINDS[service.workload.kind]
    wl = _sel(f'{kind.label}="{service.workload_name}"')
    pods = _sel(pod_matcher(service))
    name = f"{service.workload.kind} {service.workload_name}"
    not_ready_sel = _sel(pod_matcher(service), 'condition="false"')
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
        [target(f"sum(kube_pod_status_ready{not_ready_sel}) or vector(0)", "not ready")],
        thresholds=((None, "green"), (1, "red")),
    )
    restarts = timeseries(
        "Container restarts",
        f"Container restarts of {name}'s pods per interval "
        "(kube_pod_container_status_restarts_total).",
        "short",
        [
            target(
                f"sum by (pod)(increase(kube_pod_container_status_restarts_total{pods}[{RATE}]))",
                "{{pod}}",
            )
        ],
        minimum=0,
    )
    return [replicas, not_ready, restarts]


def resource_panels(service: ResolvedService) -> list[Any]:
    c = _containers(service)
    cpu = timeseries(
        "CPU usage vs requests and limits",
        "CPU cores used by the pods' containers (cAdvisor) against the sum of their "
        "requests and limits.",
        "short",
        [
            target(f"sum(rate(container_cpu_usage_seconds_total{c}[{RATE}]))", "usage"),
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
            target(f"sum(container_memory_working_set_bytes{c})", "working set"),
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
                f"sum(rate(container_cpu_cfs_throttled_periods_total{c}[{RATE}]))\n/\n"
                f"sum(rate(container_cpu_cfs_periods_total{c}[{RATE}]))",
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
        [target(f"sum by (pod)(increase(container_oom_events_total{c}[{RATE}]))", "{{pod}}")],
        minimum=0,
    )
    return [cpu, memory, throttling, oom]
