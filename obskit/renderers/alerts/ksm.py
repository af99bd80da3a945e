"""promtool input series shaped as kube-state-metrics 2.20, the kubelet and cAdvisor emit them.

Metric names and label sets come from ``obskit/data/ksm-metrics.json``, derived by
``scripts/derive_ksm_metrics.py`` from kube-state-metrics' own docs at ``v2.20.0``
(``docs/metrics/workload/*.md``) plus the kubelet's volume-stats and cAdvisor label sets (their
source files are noted in the data). A series whose labels are not exactly the documented
set (or whose enumerated value is not one the docs list) is refused, so a fixture cannot be
shaped by the rule it tests.

Scrape-side labels: kube-state-metrics scraped as kube-prometheus-stack does (ServiceMonitor
with ``honorLabels: true``: the exposition's ``namespace``/``pod``/``container`` win, the
target's fill the rest), two replicas by default (an HA pair: every alert must deduplicate);
the kubelet with its ``node`` and ``metrics_path`` target labels.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Series:
    """One promtool input series: metric name, labels, expanding notation values."""

    metric: str
    labels: Mapping[str, str]
    values: str

    def text(self) -> str:
        inner = ", ".join(f'{k}="{v}"' for k, v in sorted(self.labels.items()))
        return f"{self.metric}{{{inner}}}"


#: target labels of two kube-state-metrics replicas (kube-prometheus-stack ServiceMonitor)
KSM_TARGETS = (
    {
        "job": "kube-state-metrics",
        "instance": "10.244.0.12:8080",
        "endpoint": "http",
        "service": "kube-state-metrics",
        "namespace": "monitoring",
        "pod": "kube-state-metrics-6f9c7d8b5-q2x7z",
        "container": "kube-state-metrics",
    },
    {
        "job": "kube-state-metrics",
        "instance": "10.244.1.7:8080",
        "endpoint": "http",
        "service": "kube-state-metrics",
        "namespace": "monitoring",
        "pod": "kube-state-metrics-6f9c7d8b5-w8k4n",
        "container": "kube-state-metrics",
    },
)
KUBELET_TARGET = {
    "job": "kubelet",
    "instance": "10.0.0.4:10250",
    "node": "node-a",
    "endpoint": "https-metrics",
    "service": "kubelet",
    "metrics_path": "/metrics",
}
CADVISOR_TARGET = {**KUBELET_TARGET, "metrics_path": "/metrics/cadvisor"}


@cache
def data() -> dict:
    text = resources.files("obskit").joinpath("data/ksm-metrics.json").read_text()
    return json.loads(text)


def documented(metric: str) -> dict | None:
    """``{type, labels, values}`` of a metric kube-state-metrics or the kubelet documents."""
    for source in data().values():
        if metric in source["metrics"]:
            return source["metrics"][metric]
    return None


def _checked(metric: str, labels: Mapping[str, str]) -> None:
    doc = documented(metric)
    if doc is None:
        raise ValueError(f"{metric} is not a documented kube-state-metrics/kubelet metric")
    if sorted(labels) != doc["labels"]:
        raise ValueError(
            f"{metric}: labels {sorted(labels)} are not the documented {doc['labels']}"
        )
    for label, allowed in doc["values"].items():
        if labels[label] not in allowed:
            raise ValueError(f"{metric}: {label}={labels[label]!r} is not one of {allowed}")


#: while a :func:`logging_uids` block is open: every ``(namespace, name, uid)`` made
_UID_LOG: list[tuple[str, str, str]] | None = None


def uid(namespace: str, name: str) -> str:
    """A stable object UID (a UUID, as Kubernetes gives)."""
    made = str(uuid.uuid5(uuid.NAMESPACE_URL, f"k8s://{namespace}/{name}"))
    if _UID_LOG is not None:
        _UID_LOG.append((namespace, name, made))
    return made


@contextmanager
def logging_uids() -> Iterator[list[tuple[str, str, str]]]:
    """Within it, :func:`uid` records what it makes (:mod:`.by_class` renames UIDs)."""
    global _UID_LOG
    previous, _UID_LOG = _UID_LOG, []
    try:
        yield _UID_LOG
    finally:
        _UID_LOG = previous


def ksm(metric: str, values: str, replicas: int = 2, **labels: str) -> tuple[Series, ...]:
    """The series of ``metric`` as each of ``replicas`` kube-state-metrics replicas exposes it."""
    _checked(metric, labels)
    return tuple(Series(metric, {**t, **labels}, values) for t in KSM_TARGETS[:replicas])


def kubelet(metric: str, values: str, **labels: str) -> tuple[Series, ...]:
    _checked(metric, labels)
    target = CADVISOR_TARGET if metric.startswith("container_") else KUBELET_TARGET
    return (Series(metric, {**target, **labels}, values),)


def cadvisor_container(namespace: str, pod: str, container: str = "app") -> dict[str, str]:
    """The exposition labels cAdvisor gives one container of a pod (containerd, cgroup v2)."""
    return {
        "namespace": namespace,
        "pod": pod,
        "container": container,
        "image": "registry.example.com/app:1.4.2",
        "id": "/kubepods.slice/kubepods-burstable.slice/"
        f"cri-containerd-{uid(namespace, pod)}.scope",
        "name": f"{uid(namespace, pod)[:12]}",
    }


#: the longest ``generateName`` base the apiserver keeps
GENERATE_NAME_BASE = 58


def generated_name(base: str, suffix: str) -> str:
    """A ``generateName`` result: the apiserver cuts the base to 58 characters, then adds 5
    random ones (k8s.io/apiserver/pkg/storage/names/generate.go), so long names lose the
    ReplicaSet hash's tail and its dash."""
    return base[:GENERATE_NAME_BASE] + suffix
