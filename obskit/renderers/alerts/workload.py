"""Workload alerts from kube-state-metrics, the kubelet and cAdvisor, labelled with the service.

Semantics follow kubernetes-mixin's ``kubernetes-apps`` and ``kubernetes-storage`` alerts,
scoped to one service. Pods belong to the workload through ``kube_pod_owner`` (for a
Deployment: pod -> ReplicaSet -> Deployment via ``kube_replicaset_owner``), never by pod name,
so truncated pod names of long controller names and siblings sharing a prefix are right.
Every selector is deduplicated across kube-state-metrics replicas (``max by`` the object's
own labels drops the scrape's ``instance``/``pod``). Terminal pods (Succeeded, Failed, e.g.
evicted leftovers) never count as not ready; unschedulable pods have their own alert.
Every aggregation and join keeps ``cluster`` (``by (cluster, namespace, …)``,
``on (cluster, namespace, pod)``): evaluated centrally, a pod of one cluster never matches
the same-named pod of another; on one Prometheus (no ``cluster`` label) nothing changes.

Each alert carries the promtool fixtures that prove it (a firing and a quiet case), built
from series shaped as kube-state-metrics 2.20 and the kubelet emit them (:mod:`.ksm`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from obskit.catalog.model import ResolvedService
from obskit.renderers.alerts.common import (
    alert_rule,
    camel,
    contract_annotations,
    contract_labels,
)
from obskit.renderers.alerts.ksm import (
    Series,
    cadvisor_container,
    generated_name,
    ksm,
    kubelet,
    uid,
)

__all__ = ["Fixture", "Series", "WorkloadAlert", "owned_pods", "rule", "workload_alerts"]

#: minutes of every fixture series (and the default evaluation time)
STEPS = 60
EVAL = "40m"
#: a pod-template hash (Kubernetes' safe alphabet)
HASH = "7d9c8b6f4"
#: waiting reasons that never resolve by themselves (ContainerCreating etc. are normal)
STUCK_WAITING = (
    "ImagePullBackOff|ErrImagePull|CreateContainerConfigError|CreateContainerError|"
    "InvalidImageName|ErrImageNeverPull"
)
#: Jobs running longer than this (seconds) are "not completed" (kubernetes-mixin: 12h)
JOB_TIMEOUT = 43200
#: a CronJob whose next run is this overdue (seconds) missed its schedule
CRON_OVERDUE = 3600


@dataclass(frozen=True)
class Fixture:
    """A firing case (series, eval time, alert labels, ``$value`` as humanised) and a quiet one."""

    firing: tuple[Series, ...]
    quiet: tuple[Series, ...]
    eval_time: str
    labels: Mapping[str, str]
    value: str
    #: further alerts the firing case expects (same value)
    more: tuple[Mapping[str, str], ...] = field(default=())


@dataclass(frozen=True)
class WorkloadAlert:
    """A generated workload alert and its test fixture."""

    name: str
    expr: str
    for_: str | None
    severity: str
    summary: str
    #: ``{label}`` placeholders become ``{{ $labels.label }}``; ``{value}`` the humanised value
    description: str
    value_format: str
    fixture: Fixture

    def go_description(self) -> str:
        return _fill(self.description, None, self.value_format)

    def expected_description(self, labels: Mapping[str, str] | None = None) -> str:
        return _fill(self.description, labels or self.fixture.labels, self.fixture.value)


class _GoLabels(dict):
    def __missing__(self, key: str) -> str:
        return f"{{{{ $labels.{key} }}}}"


def _fill(template: str, labels: Mapping[str, str] | None, value: str) -> str:
    if labels is None:
        mapping: dict[str, str] = _GoLabels(value=f"{{{{ $value | {value} }}}}")
    else:
        mapping = {**labels, "value": value}
    return template.format_map(mapping)


# --- selectors -------------------------------------------------------------------------


def _matcher(text: str) -> str:
    """``reason=OOMKilled`` -> ``reason="OOMKilled"`` (values already quoted stay)."""
    m = re.fullmatch(r"([a-z_]+)(=~|!~|!=|=)(.*)", text, re.S)
    assert m, text
    label, op, value = m.groups()
    return text if value.startswith('"') else f'{label}{op}"{value}"'


def _sel(service: ResolvedService, *extra: str) -> str:
    matchers = [f'namespace="{service.namespace}"', *map(_matcher, extra)]
    return "{" + ", ".join(matchers) + "}"


def _alt(names: list[str]) -> str:
    return "|".join(names)


def owned_pods(service: ResolvedService) -> str:
    """``{namespace, pod}`` = 1 for every pod the workload's controller owns."""
    name, kind = service.workload_name, service.workload.kind
    if kind != "Deployment":
        owner = _sel(service, f'owner_kind="{kind}"', f"owner_name={name}")
        return f"max by (cluster, namespace, pod) (kube_pod_owner{owner})"
    pods = _sel(service, "owner_kind=ReplicaSet")
    sets = _sel(service, 'owner_kind="Deployment"', f"owner_name={name}")
    return (
        "max by (cluster, namespace, pod) (\n"
        f"  max by (cluster, namespace, pod, owner_name) (kube_pod_owner{pods})\n"
        "  * on (cluster, namespace, owner_name) group_left ()\n"
        "  max by (cluster, namespace, owner_name) (\n"
        f"    label_replace(kube_replicaset_owner{sets},\n"
        '      "owner_name", "$1", "replicaset", "(.+)")\n'
        "  )\n"
        ")"
    )


def _of_workload(expr: str, service: ResolvedService) -> str:
    """``expr`` (with ``namespace``/``pod`` labels) kept for the workload's pods only."""
    return f"{expr}\nand on (cluster, namespace, pod)\n{owned_pods(service)}\n"


def _alert(service: ResolvedService, suffix: str, **kw: Any) -> WorkloadAlert:
    kw.setdefault("severity", "warning")
    kw.setdefault("value_format", "humanize")
    return WorkloadAlert(name=f"{camel(service.name)}{suffix}", **kw)


# --- fixture objects ---------------------------------------------------------------------


def own_pods(service: ResolvedService) -> list[str]:
    """Two pod names of the workload, as its controller names them."""
    name = service.workload_name
    kind = service.workload.kind
    if kind == "Deployment":
        return [generated_name(f"{name}-{HASH}-", s) for s in ("x2x5k", "b7m4q")]
    if kind == "StatefulSet":
        return [f"{name}-0", f"{name}-1"]
    return [generated_name(f"{name}-", s) for s in ("k7x2p", "q9w4z")]


def sibling(service: ResolvedService) -> tuple[str, str]:
    """(StatefulSet name, pod) of a sibling workload whose names share the prefix."""
    return f"{service.workload_name}-redis", f"{service.workload_name}-redis-0"


def owner(service: ResolvedService, pod: str, steps: int = STEPS) -> tuple[Series, ...]:
    """``kube_pod_owner`` of one of the workload's pods (and its ReplicaSet's owner)."""
    ns, name, kind = service.namespace, service.workload_name, service.workload.kind
    v = f"1x{steps}"
    common = {"namespace": ns, "pod": pod, "uid": uid(ns, pod), "owner_is_controller": "true"}
    if kind != "Deployment":
        return ksm("kube_pod_owner", v, **common, owner_kind=kind, owner_name=name)
    rs = f"{name}-{HASH}"
    return ksm("kube_pod_owner", v, **common, owner_kind="ReplicaSet", owner_name=rs) + ksm(
        "kube_replicaset_owner",
        v,
        namespace=ns,
        replicaset=rs,
        owner_kind="Deployment",
        owner_name=name,
        owner_is_controller="true",
    )


def sibling_owner(service: ResolvedService, steps: int = STEPS) -> tuple[Series, ...]:
    sts, pod = sibling(service)
    ns = service.namespace
    return ksm(
        "kube_pod_owner",
        f"1x{steps}",
        namespace=ns,
        pod=pod,
        uid=uid(ns, pod),
        owner_kind="StatefulSet",
        owner_name=sts,
        owner_is_controller="true",
    )


def pod_status(
    service: ResolvedService,
    pod: str,
    *,
    phase: str = "Running",
    ready: bool | None = True,
    scheduled: bool = True,
    reason: str | None = None,
    steps: int = STEPS,
) -> tuple[Series, ...]:
    """A pod's phase, Ready and PodScheduled conditions (each only once the pod has it),
    ``kube_pod_status_unschedulable`` when not scheduled, ``kube_pod_status_reason``."""
    ns = service.namespace
    base = {"namespace": ns, "pod": pod, "uid": uid(ns, pod)}
    out: list[Series] = []

    def flag(on: bool) -> str:
        return f"{1 if on else 0}x{steps}"

    for p in ("Pending", "Running", "Succeeded", "Failed", "Unknown"):
        out += ksm("kube_pod_status_phase", flag(p == phase), **base, phase=p)
    conditions = [("kube_pod_status_scheduled", scheduled)]
    if ready is not None:
        conditions.append(("kube_pod_status_ready", ready))
    for metric, state in conditions:
        for c in ("true", "false", "unknown"):
            out += ksm(metric, flag(c == str(state).lower()), **base, condition=c)
    if not scheduled:
        out += ksm("kube_pod_status_unschedulable", flag(True), **base)
    if reason:
        out += ksm("kube_pod_status_reason", flag(True), **base, reason=reason)
    return tuple(out)


def container_waiting(
    service: ResolvedService, pod: str, reason: str, values: str = f"1x{STEPS}"
) -> tuple[Series, ...]:
    ns = service.namespace
    base = {"namespace": ns, "pod": pod, "uid": uid(ns, pod), "container": "app"}
    return ksm("kube_pod_container_status_waiting_reason", values, **base, reason=reason)


def _pod(service: ResolvedService, pod: str, **status: Any) -> tuple[Series, ...]:
    return owner(service, pod, status.get("steps", STEPS)) + pod_status(service, pod, **status)


def _sibling_pod(service: ResolvedService, **status: Any) -> tuple[Series, ...]:
    return sibling_owner(service) + pod_status(service, sibling(service)[1], **status)


# --- pod alerts --------------------------------------------------------------------------


def crash_looping(service: ResolvedService) -> WorkloadAlert:
    own, other = own_pods(service)
    expr = _of_workload(
        "max by (cluster, namespace, pod, container) (\n"
        "  max_over_time(kube_pod_container_status_waiting_reason"
        f"{_sel(service, 'reason=CrashLoopBackOff')}[5m])\n"
        ") >= 1",
        service,
    )
    labels = {"namespace": service.namespace, "pod": own, "container": "app"}
    sts_pod = sibling(service)[1]
    return _alert(
        service,
        "PodCrashLooping",
        expr=expr,
        for_="15m",
        summary=f"{service.name}: a container is crash looping",
        description="Container {container} of pod {namespace}/{pod} has been in "
        "CrashLoopBackOff for 15 minutes.",
        fixture=Fixture(
            firing=_pod(service, own, ready=False)
            + container_waiting(service, own, "CrashLoopBackOff")
            + _pod(service, other),
            quiet=_pod(service, own)
            + _sibling_pod(service, ready=False)
            + container_waiting(service, sts_pod, "CrashLoopBackOff"),
            eval_time=EVAL,
            labels=labels,
            value="1",
        ),
    )


def oom_killed(service: ResolvedService) -> WorkloadAlert:
    own, _ = own_pods(service)
    ns = service.namespace
    sts_pod = sibling(service)[1]
    restarts = "kube_pod_container_status_restarts_total"
    last = "kube_pod_container_status_last_terminated_reason"
    by = "max by (cluster, namespace, pod, container)"
    expr = _of_workload(
        f"{by} (increase({restarts}{_sel(service)}[30m])) > 0\n"
        "and on (cluster, namespace, pod, container)\n"
        f"{by} ({last}{_sel(service, 'reason=OOMKilled')}) == 1",
        service,
    )

    def container(pod: str, restart: str, reason: str) -> tuple[Series, ...]:
        base = {"namespace": ns, "pod": pod, "uid": uid(ns, pod), "container": "app"}
        return ksm(restarts, restart, **base) + ksm(last, reason, **base, reason="OOMKilled")

    return _alert(
        service,
        "PodOOMKilled",
        expr=expr,
        for_="1m",
        summary=f"{service.name}: a container was OOM killed",
        description="Container {container} of pod {namespace}/{pod} was killed for running "
        "out of memory ({value} restarts in the last 30 minutes); check its memory limit.",
        fixture=Fixture(
            # the last-terminated reason only exists once the container has terminated
            firing=_pod(service, own) + container(own, "0x20 1x40", "_x20 1x40"),
            quiet=_pod(service, own)
            + container(own, "0x5 1x80", "_x5 1x80")
            + sibling_owner(service)
            + container(sts_pod, "0x20 1x40", "_x20 1x40"),
            eval_time=EVAL,
            labels={"namespace": ns, "pod": own, "container": "app"},
            value="1",
        ),
    )


def pods_not_ready(service: ResolvedService) -> WorkloadAlert:
    """Pending/Unknown, or Running without Ready; never terminal pods; unschedulable and
    scheduling-gated pods are left to :func:`unschedulable`."""
    own, other = own_pods(service)
    phase = "kube_pod_status_phase"
    not_ready = (
        "max by (cluster, namespace, pod) (\n"
        f"  {phase}{_sel(service, 'phase=~Pending|Unknown')} == 1\n"
        "  or (\n"
        f"    {phase}{_sel(service, 'phase=Running')} == 1\n"
        "    and on (cluster, namespace, pod)\n"
        f"    kube_pod_status_ready{_sel(service, 'condition=true')} == 0\n"
        "  )\n"
        ")"
    )
    expr = (
        _of_workload(not_ready, service)
        + f"unless on (cluster, namespace, pod) kube_pod_status_unschedulable{_sel(service)} == 1\n"
        + "unless on (cluster, namespace, pod) "
        + f"kube_pod_status_reason{_sel(service, 'reason=SchedulingGated')} == 1\n"
    )
    ns = service.namespace
    return _alert(
        service,
        "PodsNotReady",
        expr=expr,
        for_="15m",
        summary=f"{service.name}: a pod is not ready",
        description="Pod {namespace}/{pod} of " + f"{service.workload.kind} "
        f"{service.workload_name} has not been ready for 15 minutes.",
        fixture=Fixture(
            # one Running but not Ready; one Pending that never got a Ready condition
            firing=_pod(service, own, ready=False)
            + _pod(service, other, phase="Pending", ready=None),
            quiet=_pod(service, own)
            # an evicted leftover: Failed, reason Evicted, Ready false
            + _pod(service, other, phase="Failed", ready=False, reason="Evicted")
            + _sibling_pod(service, ready=False),
            eval_time=EVAL,
            labels={"namespace": ns, "pod": own},
            value="1",
            more=({"namespace": ns, "pod": other},),
        ),
    )


def unschedulable(service: ResolvedService) -> WorkloadAlert:
    own, other = own_pods(service)
    expr = _of_workload(
        f"max by (cluster, namespace, pod) (kube_pod_status_unschedulable{_sel(service)}) == 1",
        service,
    )
    return _alert(
        service,
        "PodUnschedulable",
        expr=expr,
        for_="10m",
        summary=f"{service.name}: a pod cannot be scheduled",
        description="Pod {namespace}/{pod} has found no node to run on for 10 minutes "
        "(resources, affinity, taints or volume topology).",
        fixture=Fixture(
            firing=_pod(service, own, phase="Pending", ready=None, scheduled=False)
            + _pod(service, other),
            quiet=_pod(service, own)
            + _pod(service, other)
            + _sibling_pod(service, phase="Pending", ready=None, scheduled=False),
            eval_time=EVAL,
            labels={"namespace": service.namespace, "pod": own},
            value="1",
        ),
    )


def container_waiting_alert(service: ResolvedService) -> WorkloadAlert:
    own, other = own_pods(service)
    sts_pod = sibling(service)[1]
    expr = _of_workload(
        "max by (cluster, namespace, pod, container, reason) (\n"
        "  kube_pod_container_status_waiting_reason"
        f"{_sel(service, f'reason=~{STUCK_WAITING}')}\n"
        ") == 1",
        service,
    )
    return _alert(
        service,
        "ContainerWaiting",
        expr=expr,
        for_="15m",
        summary=f"{service.name}: a container cannot start",
        description="Container {container} of pod {namespace}/{pod} has been waiting for 15 "
        "minutes: {reason}.",
        fixture=Fixture(
            firing=_pod(service, own, ready=False)
            + container_waiting(service, own, "ImagePullBackOff")
            + _pod(service, other, ready=False)
            + container_waiting(service, other, "CreateContainerConfigError"),
            quiet=_pod(service, own, ready=False)
            # a normal start: ContainerCreating
            + container_waiting(service, own, "ContainerCreating")
            + _sibling_pod(service, ready=False)
            + container_waiting(service, sts_pod, "ImagePullBackOff"),
            eval_time=EVAL,
            labels={
                "namespace": service.namespace,
                "pod": own,
                "container": "app",
                "reason": "ImagePullBackOff",
            },
            value="1",
            more=(
                {
                    "namespace": service.namespace,
                    "pod": other,
                    "container": "app",
                    "reason": "CreateContainerConfigError",
                },
            ),
        ),
    )


def cpu_throttling(service: ResolvedService) -> WorkloadAlert:
    own, _ = own_pods(service)
    sts_pod = sibling(service)[1]
    ns = service.namespace
    throttled = "container_cpu_cfs_throttled_periods_total"
    periods = "container_cpu_cfs_periods_total"
    by = "sum by (cluster, namespace, pod, container)"
    sel = _sel(service, 'container!=""')
    expr = _of_workload(
        f"{by} (increase({throttled}{sel}[5m]))\n/\n{by} (increase({periods}{sel}[5m]))\n> 0.25",
        service,
    )

    def cadvisor(pod: str, throttle: str) -> tuple[Series, ...]:
        labels = cadvisor_container(ns, pod)
        return kubelet(throttled, throttle, **labels) + kubelet(periods, "0+600x40", **labels)

    return _alert(
        service,
        "CPUThrottlingHigh",
        expr=expr,
        for_="15m",
        severity="info",
        summary=f"{service.name}: CPU throttling is high",
        description="Container {container} of pod {namespace}/{pod} was CPU throttled in "
        "{value} of its CFS periods over 5 minutes (above 25%); its CPU limit may be too low.",
        value_format="humanizePercentage",
        fixture=Fixture(
            firing=_pod(service, own) + cadvisor(own, "0+300x40"),
            quiet=_pod(service, own)
            + cadvisor(own, "0+30x40")
            + sibling_owner(service)
            + cadvisor(sts_pod, "0+300x40"),
            eval_time="30m",
            labels={"namespace": ns, "pod": own, "container": "app"},
            value="50%",
        ),
    )


# --- controller alerts -------------------------------------------------------------------

#: a rollout that progresses one replica every 6 minutes (quiet) / one stuck (firing)
SLOW = " ".join(f"{i}x5" for i in range(1, 9)) + " 8x20"
STUCK = f"5x{STEPS}"


def _obj(service: ResolvedService, label: str, name: str | None = None) -> str:
    return _sel(service, f'{label}="{name or service.workload_name}"')


def _max(metric: str, service: ResolvedService, label: str, rng: str = "") -> str:
    sel = _obj(service, label) + (f"[{rng}]" if rng else "")
    return f"max by (cluster, namespace, {label}) ({metric}{sel})"


def _changes(metric: str, service: ResolvedService, label: str) -> str:
    sel = _obj(service, label)
    return f"max by (cluster, namespace, {label}) (changes({metric}{sel}[10m])) == 0"


def _gauges(service: ResolvedService, label: str, name: str | None = None, **v: str) -> tuple:
    out: tuple[Series, ...] = ()
    for metric, values in v.items():
        out += ksm(
            metric, values, namespace=service.namespace, **{label: name or service.workload_name}
        )
    return out


def replicas_mismatch(service: ResolvedService) -> WorkloadAlert:
    """Deployment/StatefulSet short of replicas while its rollout makes no progress."""
    kind = service.workload.kind
    label = kind.lower()
    if kind == "Deployment":
        want, have = "kube_deployment_spec_replicas", "kube_deployment_status_replicas_available"
        suffix, word = "ReplicasUnavailable", "available"
        updated = "kube_deployment_status_replicas_updated"
    else:
        want, have = "kube_statefulset_replicas", "kube_statefulset_status_replicas_ready"
        suffix, word = "ReplicasNotReady", "ready"
        updated = "kube_statefulset_status_replicas_updated"
    expr = (
        f"{_max(want, service, label)}\n-\n{_max(have, service, label)}\n> 0\n"
        f"and on (cluster, namespace, {label})\n{_changes(updated, service, label)}\n"
    )
    sib = f"{service.workload_name}-redis"

    def state(up: str, name: str | None = None) -> tuple:
        return _gauges(service, label, name, **{want: "8x60", have: "7x60", updated: up})

    return _alert(
        service,
        suffix,
        expr=expr,
        for_="15m",
        summary=f"{service.name}: {kind} replicas not {word}",
        description=f"{{value}} replica(s) of {kind} {{namespace}}/{service.workload_name} have "
        f"not been {word} for 15 minutes and its rollout has not progressed for 10.",
        fixture=Fixture(
            firing=state(STUCK),
            # a slow rollout still progressing; a sibling that is stuck
            quiet=state(SLOW) + state(STUCK, sib),
            eval_time=EVAL,
            labels={"namespace": service.namespace, label: service.workload_name},
            value="1",
        ),
    )


def deployment_rollout_stuck(service: ResolvedService) -> WorkloadAlert:
    metric = "kube_deployment_status_condition"
    sel = _sel(
        service,
        f'deployment="{service.workload_name}"',
        'condition="Progressing"',
        'status="false"',
    )
    expr = f"max by (cluster, namespace, deployment) ({metric}{sel}) == 1\n"

    def condition(progressing: bool, reason: str) -> tuple[Series, ...]:
        out: tuple[Series, ...] = ()
        base = {"namespace": service.namespace, "deployment": service.workload_name}
        for cond, state, why in (
            ("Available", True, "MinimumReplicasAvailable"),
            ("Progressing", progressing, reason),
        ):
            for status in ("true", "false", "unknown"):
                on = status == str(state).lower()
                out += ksm(
                    metric, f"{int(on)}x{STEPS}", **base, condition=cond, status=status, reason=why
                )
        return out

    return _alert(
        service,
        "RolloutStuck",
        expr=expr,
        for_="15m",
        summary=f"{service.name}: Deployment rollout is not progressing",
        description=f"Rollout of Deployment {{namespace}}/{service.workload_name} has exceeded "
        "its progress deadline (Progressing=False) for 15 minutes.",
        fixture=Fixture(
            firing=condition(False, "ProgressDeadlineExceeded"),
            quiet=condition(True, "ReplicaSetUpdated"),
            eval_time=EVAL,
            labels={"namespace": service.namespace, "deployment": service.workload_name},
            value="1",
        ),
    )


def generation_mismatch(service: ResolvedService) -> WorkloadAlert:
    kind = service.workload.kind
    label = kind.lower()
    observed = f"kube_{label}_status_observed_generation"
    meta = f"kube_{label}_metadata_generation"
    expr = f"{_max(observed, service, label)}\n!=\n{_max(meta, service, label)}\n"
    return _alert(
        service,
        "GenerationMismatch",
        expr=expr,
        for_="15m",
        summary=f"{service.name}: {kind} generation not observed",
        description=f"{kind} {{namespace}}/{service.workload_name} has a spec its controller "
        "has not acted on for 15 minutes (observed generation {value}): it may have failed "
        "without being rolled back.",
        fixture=Fixture(
            firing=_gauges(service, label, **{observed: "4x60", meta: "5x60"}),
            # a spec change observed after 3 minutes
            quiet=_gauges(service, label, **{observed: "4x3 5x56", meta: "5x60"}),
            eval_time=EVAL,
            labels={"namespace": service.namespace, label: service.workload_name},
            value="4",
        ),
    )


def statefulset_update_stuck(service: ResolvedService) -> WorkloadAlert:
    s = service
    cur, upd = "kube_statefulset_status_current_revision", "kube_statefulset_status_update_revision"
    name = s.workload_name
    sel = _obj(s, "statefulset")
    expr = (
        "max by (cluster, namespace, statefulset) (\n"
        f"  {cur}{sel}\n  unless on (cluster, namespace, statefulset, revision)\n  {upd}{sel}\n"
        ")\n* on (cluster, namespace, statefulset)\n(\n"
        f"  {_max('kube_statefulset_replicas', s, 'statefulset')}\n  !=\n"
        f"  {_max('kube_statefulset_status_replicas_updated', s, 'statefulset')}\n"
        ")\nand on (cluster, namespace, statefulset)\n"
        f"{_changes('kube_statefulset_status_replicas_updated', s, 'statefulset')}\n"
    )

    def state(current: str, update: str, updated: str) -> tuple[Series, ...]:
        base = {"namespace": s.namespace, "statefulset": name}
        return (
            ksm(cur, f"1x{STEPS}", **base, revision=f"{name}-{current}")
            + ksm(upd, f"1x{STEPS}", **base, revision=f"{name}-{update}")
            + _gauges(
                s,
                "statefulset",
                kube_statefulset_replicas="3x60",
                kube_statefulset_status_replicas_updated=updated,
            )
        )

    return _alert(
        s,
        "UpdateNotRolledOut",
        expr=expr,
        for_="15m",
        summary=f"{s.name}: StatefulSet update not rolled out",
        description=f"The update of StatefulSet {{namespace}}/{name} has not been rolled out "
        "to all replicas and has made no progress for 10 minutes.",
        fixture=Fixture(
            firing=state("5d8f7c9b6", "7b4c6d8f9", "1x60"),
            quiet=state("5d8f7c9b6", "7b4c6d8f9", "1x9 2x9 3x40")[:0]
            + state("7b4c6d8f9", "7b4c6d8f9", "3x60"),
            eval_time=EVAL,
            labels={"namespace": s.namespace, "statefulset": name},
            value="1",
        ),
    )


def daemonset_alerts(service: ResolvedService) -> list[WorkloadAlert]:
    s, name, ns = service, service.workload_name, service.namespace
    p = "kube_daemonset_status_"
    desired, current = f"{p}desired_number_scheduled", f"{p}current_number_scheduled"
    updated, available = f"{p}updated_number_scheduled", f"{p}number_available"
    mis = f"{p}number_misscheduled"
    lbl = {"namespace": ns, "daemonset": name}
    sib = f"{name}-redis"

    def ds(n: str | None = None, **v: str) -> tuple[Series, ...]:
        return _gauges(s, "daemonset", n, **v)

    def m(metric: str) -> str:
        return _max(metric, s, "daemonset")

    not_scheduled = _alert(
        s,
        "PodsNotScheduled",
        expr=f"{m(desired)}\n-\n{m(current)}\n> 0\n",
        for_="10m",
        summary=f"{s.name}: DaemonSet pods not scheduled",
        description=f"{{value}} node(s) that should run DaemonSet {ns}/{name} have had no pod "
        "of it for 10 minutes.",
        fixture=Fixture(
            firing=ds(**{desired: "3x60", current: "1x60"}),
            quiet=ds(**{desired: "3x60", current: "3x60"})
            + ds(sib, **{desired: "3x60", current: "1x60"}),
            eval_time=EVAL,
            labels=lbl,
            value="2",
        ),
    )
    misscheduled = _alert(
        s,
        "PodsMisscheduled",
        expr=f"{m(mis)}\n> 0\n",
        for_="15m",
        summary=f"{s.name}: DaemonSet pods misscheduled",
        description=f"{{value}} pod(s) of DaemonSet {ns}/{name} run on nodes where they "
        "should not, for 15 minutes.",
        fixture=Fixture(
            firing=ds(**{mis: "2x60"}),
            quiet=ds(**{mis: "0x60"}) + ds(sib, **{mis: "2x60"}),
            eval_time=EVAL,
            labels=lbl,
            value="2",
        ),
    )
    stuck_expr = (
        "(\n"
        f"  {m(current)} != {m(desired)}\n"
        f"  or {m(mis)} != 0\n"
        f"  or {m(updated)} != {m(desired)}\n"
        f"  or {m(available)} != {m(desired)}\n"
        ")\nand on (cluster, namespace, daemonset)\n"
        f"{_changes(updated, s, 'daemonset')}\n"
    )

    def rollout(up: str, n: str | None = None) -> tuple[Series, ...]:
        return ds(
            n, **{desired: "10x60", current: "10x60", mis: "0x60", updated: up, available: "9x60"}
        )

    stuck = _alert(
        s,
        "RolloutStuck",
        expr=stuck_expr,
        for_="15m",
        summary=f"{s.name}: DaemonSet rollout is stuck",
        description=f"DaemonSet {ns}/{name} has not finished its rollout and has made no "
        "progress for 15 minutes.",
        fixture=Fixture(
            firing=rollout(STUCK),
            quiet=rollout(SLOW) + rollout(STUCK, sib)[:0],
            eval_time=EVAL,
            labels=lbl,
            value="10",
        ),
    )
    return [not_scheduled, misscheduled, stuck]


def controller_alerts(service: ResolvedService) -> list[WorkloadAlert]:
    """The alerts specific to the workload's controller kind."""
    kind = service.workload.kind
    if kind == "Deployment":
        return [
            replicas_mismatch(service),
            deployment_rollout_stuck(service),
            generation_mismatch(service),
        ]
    if kind == "StatefulSet":
        return [
            replicas_mismatch(service),
            statefulset_update_stuck(service),
            generation_mismatch(service),
        ]
    return daemonset_alerts(service)


# --- HPA ---------------------------------------------------------------------------------


def hpas_of(service: ResolvedService) -> str:
    """``{namespace, horizontalpodautoscaler}`` of every HPA scaling the workload (found by
    its ``scaleTargetRef``) or declared in ``workload.hpas``."""
    info = "kube_horizontalpodautoscaler_info"
    by = "max by (cluster, namespace, horizontalpodautoscaler)"
    sel = _sel(
        service,
        f'scaletargetref_kind="{service.workload.kind}"',
        f'scaletargetref_name="{service.workload_name}"',
    )
    out = f"{by} ({info}{sel})"
    if service.workload.hpas:
        named = _sel(service, f"horizontalpodautoscaler=~{_alt(service.workload.hpas)}")
        out = f"(\n  {out}\n  or\n  {by} ({info}{named})\n)"
    return out


def _hpa(service: ResolvedService, name: str, target: str, **v: str) -> tuple[Series, ...]:
    ns = service.namespace
    out = ksm(
        "kube_horizontalpodautoscaler_info",
        f"1x{STEPS}",
        namespace=ns,
        horizontalpodautoscaler=name,
        scaletargetref_api_version="apps/v1",
        scaletargetref_kind=service.workload.kind,
        scaletargetref_name=target,
    )
    for metric, values in v.items():
        out += ksm(
            f"kube_horizontalpodautoscaler_{metric}",
            values,
            namespace=ns,
            horizontalpodautoscaler=name,
        )
    return out


def hpa_alerts(service: ResolvedService) -> list[WorkloadAlert]:
    s, name = service, service.workload_name
    p = "kube_horizontalpodautoscaler_"
    by = "max by (cluster, namespace, horizontalpodautoscaler)"
    hsel = _sel(s)

    def m(metric: str, rng: str = "") -> str:
        return f"{by} ({p}{metric}{hsel}{f'[{rng}]' if rng else ''})"

    joined = f"and on (cluster, namespace, horizontalpodautoscaler)\n{hpas_of(s)}\n"
    lbl = {"namespace": s.namespace, "horizontalpodautoscaler": name}
    maxed = _alert(
        s,
        "HpaMaxedOut",
        expr=f"{m('status_current_replicas')}\n==\n{m('spec_max_replicas')}\n"
        f"and on (cluster, namespace, horizontalpodautoscaler)\n"
        f"({m('spec_max_replicas')} != {m('spec_min_replicas')})\n{joined}",
        for_="15m",
        summary=f"{s.name}: HPA at its maximum",
        description="HPA {namespace}/{horizontalpodautoscaler} has run at its maximum of "
        "{value} replicas for 15 minutes.",
        fixture=Fixture(
            firing=_hpa(
                s,
                name,
                name,
                status_current_replicas="10x60",
                spec_max_replicas="10x60",
                spec_min_replicas="2x60",
            ),
            quiet=_hpa(
                s,
                name,
                name,
                status_current_replicas="6x60",
                spec_max_replicas="10x60",
                spec_min_replicas="2x60",
            )
            + _hpa(
                s,
                f"{name}-redis",
                f"{name}-redis",
                status_current_replicas="10x60",
                spec_max_replicas="10x60",
                spec_min_replicas="2x60",
            ),
            eval_time=EVAL,
            labels=lbl,
            value="10",
        ),
    )
    mismatch = _alert(
        s,
        "HpaReplicasMismatch",
        expr=f"({m('status_desired_replicas')} != {m('status_current_replicas')})\n"
        f"and on (cluster, namespace, horizontalpodautoscaler)\n"
        f"({m('status_current_replicas')} > {m('spec_min_replicas')})\n"
        f"and on (cluster, namespace, horizontalpodautoscaler)\n"
        f"({m('status_current_replicas')} < {m('spec_max_replicas')})\n"
        f"and on (cluster, namespace, horizontalpodautoscaler)\n"
        f"{by} (changes({p}status_current_replicas{hsel}[15m])) == 0\n{joined}",
        for_="15m",
        summary=f"{s.name}: HPA has not reached its desired replicas",
        description="HPA {namespace}/{horizontalpodautoscaler} has not matched its desired "
        "number of replicas for 15 minutes ({value} desired).",
        fixture=Fixture(
            firing=_hpa(
                s,
                name,
                name,
                status_desired_replicas="8x60",
                status_current_replicas="5x60",
                spec_max_replicas="10x60",
                spec_min_replicas="2x60",
            ),
            # scaling up one replica every 6 minutes
            quiet=_hpa(
                s,
                name,
                name,
                status_desired_replicas="8x60",
                status_current_replicas="1x5 2x5 3x5 4x5 5x5 6x5 7x5 8x20",
                spec_max_replicas="10x60",
                spec_min_replicas="1x60",
            ),
            eval_time=EVAL,
            labels=lbl,
            value="8",
        ),
    )
    return [maxed, mismatch]


# --- Jobs and CronJobs -------------------------------------------------------------------


def jobs_of(service: ResolvedService) -> str | None:
    """``{namespace, job_name}`` of the declared Jobs and of the declared CronJobs' Jobs."""
    wl = service.workload
    by = "max by (cluster, namespace, job_name)"
    parts = []
    if wl.jobs:
        parts.append(f"{by} (kube_job_owner{_sel(service, f'job_name=~{_alt(wl.jobs)}')})")
    if wl.cron_jobs:
        cron = _sel(service, 'owner_kind="CronJob"', f"owner_name=~{_alt(wl.cron_jobs)}")
        parts.append(f"{by} (kube_job_owner{cron})")
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "(\n  " + "\n  or\n  ".join(parts) + "\n)"


def _job(service: ResolvedService, name: str, cron: str | None, **v: str) -> tuple[Series, ...]:
    ns = service.namespace
    steps = v.pop("steps", str(STEPS))
    kind, owner_name = ("CronJob", cron) if cron else ("<none>", "<none>")
    out = ksm(
        "kube_job_owner",
        f"1x{steps}",
        namespace=ns,
        job_name=name,
        owner_kind=kind,
        owner_name=owner_name,
        owner_is_controller="true" if cron else "<none>",
    )
    for metric, values in v.items():
        if metric == "failed":
            for c in ("true", "false", "unknown"):
                out += ksm(
                    "kube_job_failed",
                    values if c == "true" else f"0x{steps}",
                    namespace=ns,
                    job_name=name,
                    condition=c,
                )
        else:
            out += ksm(f"kube_job_{metric}", values, namespace=ns, job_name=name)
    return out


def job_alerts(service: ResolvedService) -> list[WorkloadAlert]:
    jobs = jobs_of(service)
    if jobs is None:
        return []
    wl = service.workload
    cron = wl.cron_jobs[0] if wl.cron_jobs else None
    job = f"{cron}-29412540" if cron else wl.jobs[0]
    ns = service.namespace
    joined = f"and on (cluster, namespace, job_name)\n{jobs}\n"
    lbl = {"namespace": ns, "job_name": job}
    failed = _alert(
        service,
        "JobFailed",
        expr="max by (cluster, namespace, job_name) "
        f"(kube_job_failed{_sel(service, 'condition=true')}) == 1\n{joined}",
        for_="15m",
        summary=f"{service.name}: a Job failed",
        description="Job {namespace}/{job_name} failed; deleting it after investigation "
        "clears this alert.",
        fixture=Fixture(
            firing=_job(service, job, cron, failed="1x60"),
            # a Job that succeeded has no Failed condition (no kube_job_failed series); a
            # stranger's Job that failed
            quiet=_job(service, job, cron, status_succeeded="1x60")
            + _job(service, "someone-elses-job", None, failed="1x60"),
            eval_time=EVAL,
            labels=lbl,
            value="1",
        ),
    )
    steps = "780"
    not_done = _alert(
        service,
        "JobNotCompleted",
        expr="time()\n- max by (cluster, namespace, job_name) (\n"
        f"  kube_job_status_start_time{_sel(service)}\n  and on (cluster, namespace, job_name)\n"
        f"  kube_job_status_active{_sel(service)} > 0\n)\n> {JOB_TIMEOUT}\n{joined}",
        for_="5m",
        summary=f"{service.name}: a Job did not complete in time",
        description="Job {namespace}/{job_name} has been running for {value} (more than 12 hours).",
        value_format="humanizeDuration",
        fixture=Fixture(
            # started at 0 and still active at 13h; one started at 2h (11h old) is fine
            firing=_job(
                service,
                job,
                cron,
                steps=steps,
                status_start_time=f"0x{steps}",
                status_active=f"1x{steps}",
            ),
            quiet=_job(
                service,
                job,
                cron,
                steps=steps,
                status_start_time=f"7200x{steps}",
                status_active=f"1x{steps}",
            ),
            eval_time="13h",
            labels=lbl,
            value="13h 0m 0s",
        ),
    )
    out = [failed, not_done]
    if cron:
        out += cron_alerts(service, cron)
    return out


def _cron(service: ResolvedService, name: str, **v: str) -> tuple[Series, ...]:
    out: tuple[Series, ...] = ()
    for metric, values in v.items():
        out += ksm(f"kube_cronjob_{metric}", values, namespace=service.namespace, cronjob=name)
    return out


def cron_alerts(service: ResolvedService, cron: str) -> list[WorkloadAlert]:
    names = _alt(service.workload.cron_jobs)
    sel = _sel(service, f"cronjob=~{names}")
    by = "max by (cluster, namespace, cronjob)"
    lbl = {"namespace": service.namespace, "cronjob": cron}
    missed = _alert(
        service,
        "CronJobNotScheduled",
        expr=f"time() - {by} (kube_cronjob_next_schedule_time{sel}) > {CRON_OVERDUE}\n"
        f"unless on (cluster, namespace, cronjob)\n{by} (kube_cronjob_spec_suspend{sel}) == 1\n",
        for_="5m",
        summary=f"{service.name}: a CronJob missed its schedule",
        description="CronJob {namespace}/{cronjob} should have started a Job {value} ago "
        "and has not.",
        value_format="humanizeDuration",
        fixture=Fixture(
            firing=_cron(service, cron, next_schedule_time="1800x120", spec_suspend="0x120"),
            # due 30 minutes ago (within the hour); suspended on purpose
            quiet=_cron(service, cron, next_schedule_time="5400x120", spec_suspend="0x120")
            + _cron(service, f"{cron}-old", next_schedule_time="1800x120", spec_suspend="1x120"),
            eval_time="2h",
            labels=lbl,
            value="1h 30m 0s",
        ),
    )
    suspended = _alert(
        service,
        "CronJobSuspended",
        expr=f"{by} (kube_cronjob_spec_suspend{sel}) == 1\n",
        for_="1h",
        severity="info",
        summary=f"{service.name}: a CronJob is suspended",
        description="CronJob {namespace}/{cronjob} has been suspended for an hour.",
        fixture=Fixture(
            firing=_cron(service, cron, spec_suspend="1x120"),
            quiet=_cron(service, cron, spec_suspend="1x20 0x100"),
            eval_time="2h",
            labels=lbl,
            value="1",
        ),
    )
    return [missed, suspended]


# --- volumes -----------------------------------------------------------------------------


def pvcs_of(service: ResolvedService) -> str:
    """``{namespace, persistentvolumeclaim}`` of the claims the workload's pods mount."""
    info = f"kube_pod_spec_volumes_persistentvolumeclaims_info{_sel(service)}"
    return (
        "max by (cluster, namespace, persistentvolumeclaim) (\n"
        f"  {info}\n  and on (cluster, namespace, pod)\n  "
        + owned_pods(service).replace("\n", "\n  ")
        + "\n)"
    )


def _volume(
    service: ResolvedService, pod: str, claim: str, available: str, *, own: bool = True
) -> tuple:
    ns = service.namespace
    steps = STEPS * 3
    if own:
        who = _pod(service, pod, steps=steps)
    else:
        who = sibling_owner(service, steps) + pod_status(service, pod, steps=steps)
    return (
        who
        + ksm(
            "kube_pod_spec_volumes_persistentvolumeclaims_info",
            f"1x{STEPS * 3}",
            namespace=ns,
            pod=pod,
            uid=uid(ns, pod),
            volume="data",
            persistentvolumeclaim=claim,
            ephemeral="false",
        )
        + kubelet(
            "kubelet_volume_stats_capacity_bytes",
            f"1000x{STEPS * 3}",
            namespace=ns,
            persistentvolumeclaim=claim,
        )
        + kubelet(
            "kubelet_volume_stats_available_bytes",
            available,
            namespace=ns,
            persistentvolumeclaim=claim,
        )
    )


def volume_alerts(service: ResolvedService) -> list[WorkloadAlert]:
    own, _ = own_pods(service)
    sts_pod = sibling(service)[1]
    claim, other_claim = f"data-{own}", f"data-{sts_pod}"
    by = "max by (cluster, namespace, persistentvolumeclaim)"
    sel = _sel(service)
    ratio = (
        f"{by} (kubelet_volume_stats_available_bytes{sel})\n/\n"
        f"{by} (kubelet_volume_stats_capacity_bytes{sel})"
    )
    joined = f"and on (cluster, namespace, persistentvolumeclaim)\n{pvcs_of(service)}\n"
    lbl = {"namespace": service.namespace, "persistentvolumeclaim": claim}
    steps = STEPS * 3
    full = _alert(
        service,
        "PersistentVolumeAlmostFull",
        expr=f"{ratio}\n< 0.03\n{joined}",
        for_="1m",
        severity="critical",
        summary=f"{service.name}: a volume is almost full",
        description="Volume {persistentvolumeclaim} in {namespace} has only {value} free.",
        value_format="humanizePercentage",
        fixture=Fixture(
            firing=_volume(service, own, claim, f"20x{steps}"),
            quiet=_volume(service, own, claim, f"100x{steps}")
            + _volume(service, sts_pod, other_claim, f"10x{steps}", own=False),
            eval_time="10m",
            labels=lbl,
            value="2%",
        ),
    )
    filling = _alert(
        service,
        "PersistentVolumeFillingUp",
        expr=f"{ratio}\n< 0.15\nand on (cluster, namespace, persistentvolumeclaim)\n"
        f"{by} (predict_linear(kubelet_volume_stats_available_bytes{sel}[6h], 4 * 24 * 3600)) < 0\n"
        f"{joined}",
        for_="1h",
        summary=f"{service.name}: a volume fills up within 4 days",
        description="Volume {persistentvolumeclaim} in {namespace} will fill up within four "
        "days at its current rate; {value} is free.",
        value_format="humanizePercentage",
        fixture=Fixture(
            firing=_volume(service, own, claim, f"140-0.05x{steps}"),
            # as little free, but not shrinking
            quiet=_volume(service, own, claim, f"140x{steps}"),
            eval_time="2h",
            labels=lbl,
            value="13.4%",
        ),
    )
    return [full, filling]


def workload_alerts(service: ResolvedService) -> list[WorkloadAlert]:
    """Every workload alert of the service, with fixtures."""
    return [
        crash_looping(service),
        pods_not_ready(service),
        unschedulable(service),
        container_waiting_alert(service),
        oom_killed(service),
        cpu_throttling(service),
        *controller_alerts(service),
        *hpa_alerts(service),
        *job_alerts(service),
        *volume_alerts(service),
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
