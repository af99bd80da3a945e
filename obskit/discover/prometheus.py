"""Jobs on a live Prometheus -> catalog services, with the preset detected from their series.

For every ``job`` with series in the last hour (label values of ``job``, so targets that
are no longer scraped but still have recent data count too), and every ``namespace`` its
series carry: preset detection (:mod:`obskit.detect`) over ``{job=..., namespace=...}``,
the selector, an availability SLO and, when the histogram exists, a latency SLO at the real
bucket bound nearest 300ms. A mesh or ingress job (a preset whose selector names the
workload, not the job: istio, nginx-ingress) gives one service per workload it reports.
Infrastructure jobs (Prometheus itself, node exporters, kube-state-metrics, Alertmanager,
kubelet/cAdvisor, the API server, CoreDNS) are skipped: they are not services with request
SLOs, and the workload alerts already watch them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from obskit.catalog.presets import Preset
from obskit.detect import Candidate, gather, rank
from obskit.discover.mapping import DEFAULT_TEAM, Discovered
from obskit.preview.connection import Server
from obskit.queries import label_matcher

#: the latency SLO's threshold is the bucket bound nearest this (seconds)
TARGET_LATENCY = 0.3
AVAILABILITY_OBJECTIVE = 99.9
LATENCY_OBJECTIVE = 99.0
LOOKBACK = timedelta(hours=1)
#: a metric name (or prefix, ending in ``_``) that marks an infrastructure job, and what it is
INFRASTRUCTURE: tuple[tuple[str, str], ...] = (
    ("prometheus_build_info", "Prometheus itself"),
    ("prometheus_tsdb_head_series", "Prometheus itself"),
    ("alertmanager_build_info", "Alertmanager"),
    ("node_exporter_build_info", "a node exporter"),
    ("node_cpu_seconds_total", "a node exporter"),
    ("kube_state_metrics_build_info", "kube-state-metrics"),
    ("kube_deployment_", "kube-state-metrics"),
    ("kube_pod_", "kube-state-metrics"),
    ("kube_node_", "kube-state-metrics"),
    ("kubelet_", "the kubelet"),
    ("container_cpu_usage_seconds_total", "cAdvisor (the kubelet)"),
    ("apiserver_request_total", "the Kubernetes API server"),
    ("coredns_build_info", "CoreDNS"),
)


@dataclass
class Skipped:
    job: str
    reason: str


@dataclass
class PrometheusDiscovery:
    services: list[Discovered] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _range(at: datetime) -> dict[str, str]:
    return {"start": f"{(at - LOOKBACK).timestamp():.3f}", "end": f"{at.timestamp():.3f}"}


def _label_values(server: Server, label: str, at: datetime, match: str | None = None) -> list[str]:
    params = _range(at)
    if match:
        params["match[]"] = match
    return sorted(server.api_get(f"label/{label}/values", **params) or [])


def infrastructure(names: Iterable[str]) -> str | None:
    """What infrastructure job writes ``names`` (None: an application)."""
    names = set(names)
    for marker, what in INFRASTRUCTURE:
        if marker.endswith("_"):
            hit = next((n for n in sorted(names) if n.startswith(marker)), None)
        else:
            hit = marker if marker in names else None
        if hit:
            return f"{what} ({hit})"
    return None


def service_name(job: str) -> str:
    """A DNS-1123 label from a job name (``my_app`` -> ``my-app``)."""
    name = re.sub(r"[^a-z0-9-]+", "-", job.lower()).strip("-")[:63].strip("-")
    return name or "job"


def nearest_bound(bounds: Sequence[float], target: float = TARGET_LATENCY) -> float | None:
    """The positive bound (a whole number of milliseconds) nearest ``target``; on a tie the
    larger one (the more lenient SLO)."""
    usable = [b for b in bounds if b > 0 and abs(b * 1000 - round(b * 1000)) < 1e-6]
    if not usable:
        return None
    return min(usable, key=lambda b: (round(abs(b - target), 9), -b))


def duration(seconds: float) -> str:
    """``500ms``, ``1s``, ``2500ms``: a catalog duration for a bucket bound."""
    ms = round(seconds * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 and ms else f"{ms}ms"


def _bucket_list(candidate: Candidate) -> list[str] | None:
    """The observed bounds as catalog durations, when they differ from the preset's."""
    whole = [b for b in candidate.bounds_seconds if abs(b * 1000 - round(b * 1000)) < 1e-6]
    if not whole or set(whole) == set(candidate.preset.buckets_seconds):
        return None
    return [duration(b) for b in whole]


def to_service(
    job: str,
    namespace: str | None,
    ranked: list[Candidate],
    team: str,
    selector: dict[str, str] | None = None,
    name: str | None = None,
) -> Discovered:
    """One catalog service for the job's series in ``namespace`` (``selector`` and
    ``name``: a workload behind a mesh or ingress job, see :func:`discover_prometheus`)."""
    name = service_name(name or job)
    where = f"job {job}" + (f" (namespace {namespace})" if namespace else "")
    if selector is None:
        selector = {"job": job}
        if namespace:
            selector["namespace"] = namespace
    else:
        where += " " + ", ".join(f"{k}={v}" for k, v in selector.items() if k != "job")
    best = ranked[0] if ranked and ranked[0].fits else None
    d = Discovered(
        name=name,
        namespace=namespace or "default",
        kind="Deployment",
        workload=name,
        team=team,
        team_reason="no team on a Prometheus job: unassigned is a placeholder",
        preset=best.name if best else "none",
        preset_reason="",
        source=where,
        selector=selector,
    )
    if best is None:
        top = ranked[0] if ranked and ranked[0].score > 0 else None
        d.preset_reason = "no preset fits" + (
            f"; nearest {top.name}: {'; '.join(top.reasons)}" if top else ""
        )
        d.notes.append(
            "no request metrics a preset knows: workload alerts only; declare a preset under "
            "`presets:` or give SLOs an `sli:`"
        )
        return d
    d.preset_reason = "; ".join(best.reasons)
    d.slos = [{"name": "availability", "objective": AVAILABILITY_OBJECTIVE}]
    threshold = nearest_bound(best.bounds_seconds) if best.has_histogram else None
    if threshold is not None:
        d.buckets = _bucket_list(best)
        d.slos.append(
            {"name": "latency", "objective": LATENCY_OBJECTIVE, "threshold": duration(threshold)}
        )
        bounds = ", ".join(f"{b:g}" for b in best.bounds_seconds)
        d.notes.append(
            f"latency threshold {duration(threshold)} is the real bucket bound nearest "
            f"{duration(TARGET_LATENCY)} (bounds: {bounds} s); objectives are placeholders"
        )
    elif best.preset.has_histogram:
        d.notes.append(f"no {best.preset.histogram} series: no latency SLO")
    else:
        d.notes.append("objectives are placeholders")
    return d


def discover_prometheus(
    server: Server,
    presets: list[Preset] | None = None,
    namespaces: Sequence[str] = (),
    team: str = DEFAULT_TEAM,
) -> PrometheusDiscovery:
    """One service per (job, namespace) with series in the last hour."""
    at = datetime.fromtimestamp(int(server.ping().timestamp()), tz=UTC)
    out = PrometheusDiscovery()
    jobs = _label_values(server, "job", at)
    if not jobs:
        out.notes.append("no series with a job label in the last hour")
    for job in jobs:
        job_match = "{" + label_matcher("job", job) + "}"
        names = _label_values(server, "__name__", at, job_match)
        what = infrastructure(names)
        if what:
            out.skipped.append(Skipped(job, what))
            continue
        found = _label_values(server, "namespace", at, job_match)
        scopes: list[str | None] = list(found) or [None]
        if namespaces:
            scopes = [ns for ns in scopes if ns in namespaces]
            if not scopes:
                continue
        for ns in scopes:
            matchers = [label_matcher("job", job)]
            if ns is not None:
                matchers.append(label_matcher("namespace", ns))
            ranked = rank(gather(server, matchers, presets, at), presets)
            best = ranked[0] if ranked and ranked[0].fits else None
            split = _workload_labels(best.preset) if best else None
            if best is None or split is None:
                out.services.append(to_service(job, ns, ranked, team))
                continue
            out.services += _workloads(
                server, job, ns, matchers, best.preset, split, presets, team, at
            )
    return out


def _workload_labels(preset: Preset) -> tuple[str, str | None] | None:
    """The labels naming the service and its namespace when the preset's selector does not
    use ``job`` (istio: ``destination_workload``, nginx-ingress: ``exported_service``)."""
    labels = dict((kind, label) for label, kind in preset.selector_labels)
    if "name" not in labels or labels["name"] == "job":
        return None
    return labels["name"], labels.get("namespace")


def _workloads(
    server: Server,
    job: str,
    ns: str | None,
    matchers: list[str],
    preset: Preset,
    split: tuple[str, str | None],
    presets: list[Preset] | None,
    team: str,
    at: datetime,
) -> list[Discovered]:
    """One service per workload a mesh or ingress job reports (each detected on its own)."""
    name_label, ns_label = split
    fixed = [label_matcher(k, v) for k, v in preset.matchers.items()]
    base = "{" + ", ".join([*matchers, *fixed]) + "}"
    out = []
    for workload in _label_values(server, name_label, at, f"{preset.requests}{base}"):
        selector = {"job": job, name_label: workload}
        scoped = [*matchers, label_matcher(name_label, workload)]
        namespace = ns
        if ns_label:
            sel = f"{preset.requests}{{{', '.join([*scoped, *fixed])}}}"
            found = _label_values(server, ns_label, at, sel)
            if found:
                namespace = found[0]
                selector[ns_label] = namespace
                scoped.append(label_matcher(ns_label, namespace))
        ranked = rank(gather(server, scoped, presets, at), presets)
        d = to_service(job, namespace, ranked, team, selector=selector, name=workload)
        out.append(d)
    return out
