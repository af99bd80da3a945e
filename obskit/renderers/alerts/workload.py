"""Workload alerts from kube-state-metrics and cAdvisor, labelled with the service.

Pods belong to the workload by namespace and by pod *name*: Kubernetes names a pod after
its controller, so each kind gets a regex for its naming scheme, which keeps a sibling
workload with a longer name (``cart`` vs ``cart-redis-0``) out:

* Deployment: ``<name>-<pod-template-hash>-<5 chars>`` (hash and suffix use Kubernetes'
  safe alphabet ``bcdfghjklmnpqrstvwxz2456789``, which has no vowels)
* StatefulSet: ``<name>-<ordinal>``
* DaemonSet: ``<name>-<5 chars>``

It is still a naming heuristic (kube-state-metrics' ``kube_pod_owner`` would be exact but
needs a join through the ReplicaSet): a pod created outside the controller whose name fits
the pattern is counted too, and names Kubernetes truncated (controller names near 63
characters) are missed.

Each alert carries the promtool fixtures that prove it (a firing and a quiet case), so the
rule and its test cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from obskit.catalog.model import ResolvedService
from obskit.renderers.alerts.common import (
    alert_rule,
    camel,
    contract_annotations,
    contract_labels,
)

#: Kubernetes' generated-name alphabet (k8s.io/apimachinery/pkg/util/rand)
_SAFE = "[b-df-hj-np-tv-z2-9]"
POD_PATTERNS = {
    "Deployment": "{name}-" + _SAFE + "{{1,10}}-" + _SAFE + "{{5}}",
    "StatefulSet": "{name}-[0-9]+",
    "DaemonSet": "{name}-" + _SAFE + "{{5}}",
}
#: example pod names (tests): one of the workload's own, one of a sibling it must ignore
EXAMPLE_POD = {
    "Deployment": "{name}-7d9c8b6f4-x2x5k",
    "StatefulSet": "{name}-0",
    "DaemonSet": "{name}-k7x2p",
}
NEIGHBOUR_POD = "{name}-redis-0"
KSM = {"job": "kube-state-metrics"}
CADVISOR = {"job": "kubelet", "metrics_path": "/metrics/cadvisor"}


@dataclass(frozen=True)
class Series:
    """One promtool input series: metric name, labels, expanding notation values."""

    metric: str
    labels: Mapping[str, str]
    values: str

    def text(self) -> str:
        inner = ", ".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()))
        return f"{self.metric}{{{inner}}}"


@dataclass(frozen=True)
class Fixture:
    """A firing case (series, eval time, alert labels, ``$value`` as humanised) and a quiet one."""

    firing: tuple[Series, ...]
    quiet: tuple[Series, ...]
    eval_time: str
    labels: Mapping[str, str]
    value: str


@dataclass(frozen=True)
class WorkloadAlert:
    """A generated workload alert and its test fixture."""

    name: str
    expr: str
    for_: str
    severity: str
    summary: str
    #: ``{label}`` placeholders become ``{{ $labels.label }}``; ``{value}`` the humanised value
    description: str
    value_format: str
    fixture: Fixture

    def go_description(self) -> str:
        return _fill(self.description, None, self.value_format)

    def expected_description(self) -> str:
        return _fill(self.description, self.fixture.labels, self.fixture.value)


class _GoLabels(dict):
    def __missing__(self, key: str) -> str:
        return f"{{{{ $labels.{key} }}}}"


def _fill(template: str, labels: Mapping[str, str] | None, value: str) -> str:
    if labels is None:
        mapping: dict[str, str] = _GoLabels(value=f"{{{{ $value | {value} }}}}")
    else:
        mapping = {**labels, "value": value}
    return template.format_map(mapping)


def pod_regex(service: ResolvedService) -> str:
    return POD_PATTERNS[service.workload.kind].format(name=service.workload_name)


def _eq(label: str, value: str) -> str:
    return f'{label}="{value}"'


def _pod_sel(service: ResolvedService, *extra: str) -> str:
    parts = [f'namespace="{service.namespace}"', f'pod=~"{pod_regex(service)}"', *extra]
    return "{" + ", ".join(parts) + "}"


def _pods(service: ResolvedService) -> tuple[str, str]:
    name = service.workload_name
    return EXAMPLE_POD[service.workload.kind].format(name=name), NEIGHBOUR_POD.format(name=name)


def _container_labels(service: ResolvedService, pod: str, base: Mapping[str, str]) -> dict:
    return {**base, "namespace": service.namespace, "pod": pod, "container": "app"}


def crash_looping(service: ResolvedService) -> WorkloadAlert:
    own, other = _pods(service)
    own_l, other_l = (_container_labels(service, p, KSM) for p in (own, other))
    restarts, waiting = (
        "kube_pod_container_status_restarts_total",
        "kube_pod_container_status_waiting_reason",
    )
    reason = {"reason": "CrashLoopBackOff"}
    expr = (
        f"increase({restarts}{_pod_sel(service)}[15m]) > 0\n"
        "and on (namespace, pod, container)\n"
        f"max_over_time({waiting}{_pod_sel(service, _eq('reason', 'CrashLoopBackOff'))}[5m]) >= 1\n"
    )
    return WorkloadAlert(
        name=f"{camel(service.name)}PodCrashLooping",
        expr=expr,
        for_="10m",
        severity="warning",
        summary=f"{service.name}: a container is crash looping",
        description="Container {container} of pod {namespace}/{pod} is in CrashLoopBackOff: "
        "{value} restarts in the last 15 minutes.",
        value_format="humanize",
        fixture=Fixture(
            firing=(
                Series(restarts, own_l, "0+1x60"),
                Series(waiting, {**own_l, **reason}, "1x60"),
            ),
            quiet=(
                Series(restarts, own_l, "5x60"),
                Series(waiting, {**own_l, **reason}, "0x60"),
                Series(restarts, other_l, "0+1x60"),
                Series(waiting, {**other_l, **reason}, "1x60"),
            ),
            eval_time="40m",
            labels=own_l,
            value="15",
        ),
    )


def oom_killed(service: ResolvedService) -> WorkloadAlert:
    own, other = _pods(service)
    own_l, other_l = (_container_labels(service, p, KSM) for p in (own, other))
    restarts = "kube_pod_container_status_restarts_total"
    last = "kube_pod_container_status_last_terminated_reason"
    oom = 'reason="OOMKilled"'
    expr = (
        f"increase({restarts}{_pod_sel(service)}[30m]) > 0\n"
        "and on (namespace, pod, container)\n"
        f"{last}{_pod_sel(service, oom)} == 1\n"
    )
    oom_l = {"reason": "OOMKilled"}
    return WorkloadAlert(
        name=f"{camel(service.name)}PodOOMKilled",
        expr=expr,
        for_="1m",
        severity="warning",
        summary=f"{service.name}: a container was OOM killed",
        description="Container {container} of pod {namespace}/{pod} was killed for running "
        "out of memory ({value} restarts in the last 30 minutes); check its memory limit.",
        value_format="humanize",
        fixture=Fixture(
            firing=(
                Series(restarts, own_l, "0x20 1x40"),
                Series(last, {**own_l, **oom_l}, "0x20 1x40"),
            ),
            quiet=(
                # restarted long ago (outside the 30m window) and a sibling's OOM
                Series(restarts, own_l, "0x5 1x80"),
                Series(last, {**own_l, **oom_l}, "0x5 1x80"),
                Series(restarts, other_l, "0x20 1x40"),
                Series(last, {**other_l, **oom_l}, "0x20 1x40"),
            ),
            eval_time="40m",
            labels=own_l,
            value="1",
        ),
    )


def pods_not_ready(service: ResolvedService) -> WorkloadAlert:
    own, other = _pods(service)
    metric = "kube_pod_status_ready"
    base = {**KSM, "namespace": service.namespace}
    expr = f"sum by (namespace) ({metric}{_pod_sel(service, _eq('condition', 'false'))}) > 0\n"
    return WorkloadAlert(
        name=f"{camel(service.name)}PodsNotReady",
        expr=expr,
        for_="15m",
        severity="warning",
        summary=f"{service.name}: pods are not ready",
        description=f"{{value}} pod(s) of {service.workload.kind} {{namespace}}/"
        f"{service.workload_name} have not been ready for 15 minutes.",
        value_format="humanize",
        fixture=Fixture(
            firing=(
                Series(metric, {**base, "pod": own, "condition": "false"}, "1x40"),
                Series(metric, {**base, "pod": own, "condition": "true"}, "0x40"),
            ),
            quiet=(
                Series(metric, {**base, "pod": own, "condition": "false"}, "0x40"),
                Series(metric, {**base, "pod": own, "condition": "true"}, "1x40"),
                Series(metric, {**base, "pod": other, "condition": "false"}, "1x40"),
            ),
            eval_time="30m",
            labels={"namespace": service.namespace},
            value="1",
        ),
    )


def cpu_throttling(service: ResolvedService) -> WorkloadAlert:
    own, other = _pods(service)
    own_l, other_l = (_container_labels(service, p, CADVISOR) for p in (own, other))
    throttled = "container_cpu_cfs_throttled_periods_total"
    periods = "container_cpu_cfs_periods_total"
    by = "sum by (namespace, pod, container)"
    sel = _pod_sel(service, 'container!=""')
    expr = (
        f"{by} (increase({throttled}{sel}[5m]))\n/\n{by} (increase({periods}{sel}[5m]))\n> 0.25\n"
    )
    return WorkloadAlert(
        name=f"{camel(service.name)}CPUThrottlingHigh",
        expr=expr,
        for_="15m",
        severity="info",
        summary=f"{service.name}: CPU throttling is high",
        description="Container {container} of pod {namespace}/{pod} was CPU throttled in "
        "{value} of its CFS periods over 5 minutes (above 25%); its CPU limit may be too low.",
        value_format="humanizePercentage",
        fixture=Fixture(
            firing=(Series(throttled, own_l, "0+300x40"), Series(periods, own_l, "0+600x40")),
            quiet=(
                Series(throttled, own_l, "0+30x40"),
                Series(periods, own_l, "0+600x40"),
                Series(throttled, other_l, "0+300x40"),
                Series(periods, other_l, "0+600x40"),
            ),
            eval_time="30m",
            labels={k: own_l[k] for k in ("container", "namespace", "pod")},
            value="50%",
        ),
    )


def _gap_alert(
    service: ResolvedService,
    *,
    suffix: str,
    kind_label: str,
    want: str,
    have: str | None,
    summary: str,
    description: str,
    for_: str,
) -> WorkloadAlert:
    """``want - have > 0`` (or ``want > 0`` alone) on one controller's kube-state-metrics."""
    name = service.workload_name
    sel = f'{{namespace="{service.namespace}", {kind_label}="{name}"}}'
    by = f"max by (namespace, {kind_label})"
    expr = f"{by} ({want}{sel})"
    if have:
        expr += f"\n-\n{by} ({have}{sel})"
    expr += "\n> 0\n"
    labels = {**KSM, "namespace": service.namespace, kind_label: name}
    other = {**labels, kind_label: f"{name}-redis"}

    def series(want_v: str, have_v: str, lbl: Mapping[str, str]) -> tuple[Series, ...]:
        out = [Series(want, lbl, want_v)]
        if have:
            out.append(Series(have, lbl, have_v))
        return tuple(out)

    firing_want = "3x40" if have else "2x40"
    return WorkloadAlert(
        name=f"{camel(service.name)}{suffix}",
        expr=expr,
        for_=for_,
        severity="warning",
        summary=summary,
        description=description,
        value_format="humanize",
        fixture=Fixture(
            firing=series(firing_want, "1x40", labels),
            quiet=series("3x40" if have else "0x40", "3x40", labels)
            + series(firing_want, "1x40", other),
            eval_time="30m",
            labels={"namespace": service.namespace, kind_label: name},
            value="2",
        ),
    )


def controller_alerts(service: ResolvedService) -> list[WorkloadAlert]:
    """The alerts specific to the workload's controller kind."""
    kind, name, ns = service.workload.kind, service.workload_name, service.namespace
    if kind == "Deployment":
        return [
            _gap_alert(
                service,
                suffix="ReplicasUnavailable",
                kind_label="deployment",
                want="kube_deployment_spec_replicas",
                have="kube_deployment_status_replicas_available",
                summary=f"{service.name}: Deployment replicas unavailable",
                description=f"{{value}} replica(s) of Deployment {ns}/{name} have been "
                "unavailable for 15 minutes.",
                for_="15m",
            )
        ]
    if kind == "StatefulSet":
        return [
            _gap_alert(
                service,
                suffix="ReplicasNotReady",
                kind_label="statefulset",
                want="kube_statefulset_replicas",
                have="kube_statefulset_status_replicas_ready",
                summary=f"{service.name}: StatefulSet replicas not ready",
                description=f"{{value}} replica(s) of StatefulSet {ns}/{name} have not been "
                "ready for 15 minutes.",
                for_="15m",
            )
        ]
    return [
        _gap_alert(
            service,
            suffix="PodsNotScheduled",
            kind_label="daemonset",
            want="kube_daemonset_status_desired_number_scheduled",
            have="kube_daemonset_status_current_number_scheduled",
            summary=f"{service.name}: DaemonSet pods not scheduled",
            description=f"{{value}} node(s) that should run DaemonSet {ns}/{name} have had no "
            "pod of it for 10 minutes.",
            for_="10m",
        ),
        _gap_alert(
            service,
            suffix="PodsMisscheduled",
            kind_label="daemonset",
            want="kube_daemonset_status_number_misscheduled",
            have=None,
            summary=f"{service.name}: DaemonSet pods misscheduled",
            description=f"{{value}} pod(s) of DaemonSet {ns}/{name} run on nodes where they "
            "should not, for 15 minutes.",
            for_="15m",
        ),
        _gap_alert(
            service,
            suffix="PodsUnavailable",
            kind_label="daemonset",
            want="kube_daemonset_status_number_unavailable",
            have=None,
            summary=f"{service.name}: DaemonSet pods unavailable",
            description=f"{{value}} pod(s) of DaemonSet {ns}/{name} have been unavailable for "
            "15 minutes.",
            for_="15m",
        ),
    ]


def workload_alerts(service: ResolvedService) -> list[WorkloadAlert]:
    """Every workload alert of the service, with fixtures."""
    return [
        crash_looping(service),
        pods_not_ready(service),
        oom_killed(service),
        cpu_throttling(service),
        *controller_alerts(service),
    ]


def rule(service: ResolvedService, alert: WorkloadAlert) -> dict[str, Any]:
    """The rule dict of one workload alert."""
    return alert_rule(
        alert.name,
        alert.expr,
        for_=alert.for_,
        labels=contract_labels(service, alert.severity),
        annotations=contract_annotations(service, alert.summary, alert.go_description()),
    )
