"""Synthetic data for a catalog: what `scripts/preview_demo.py` and `obskit report --demo` serve.

HOURS of request counters and latency histograms for every service (metric names, labels and
buckets from each service's preset and selector), plus kube-state-metrics and cAdvisor series
of one healthy pod per workload; the ``failing`` services have two outages (10% errors and a
lost replica). :class:`DemoPrometheus` backfills it with ``promtool tsdb create-blocks-from
openmetrics`` and runs ``prometheus`` on 127.0.0.1.
"""

from __future__ import annotations

import math
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from obskit.catalog.model import ResolvedService
from obskit.catalog.presets import format_le
from obskit.catalog.samples import samples_for
from obskit.queries import has_metrics, preset_of
from obskit.renderers.alerts.ksm import (
    CADVISOR_TARGET,
    Series,
    cadvisor_container,
    ksm,
    kubelet,
    uid,
)
from obskit.renderers.alerts.promtool_tests import base_labels
from obskit.renderers.alerts.workload import own_pods, owner

STEP = 30  # seconds between samples
RPS = 5.0
BASE_ERRORS = 0.0001
OUTAGE_ERRORS = 0.10
#: (start, end) in seconds before now
OUTAGES = ((4 * 3600, 3 * 3600), (45 * 60, 0))
#: mean latency in seconds (exponential distribution)
MEAN_LATENCY = 0.05
#: kube-state-metrics "want", "have" and "updated" gauges per workload kind
KSM = {
    "Deployment": (
        "deployment",
        "kube_deployment_spec_replicas",
        "kube_deployment_status_replicas_available",
        "kube_deployment_status_replicas_updated",
    ),
    "StatefulSet": (
        "statefulset",
        "kube_statefulset_replicas",
        "kube_statefulset_status_replicas_ready",
        "kube_statefulset_status_replicas_updated",
    ),
    "DaemonSet": (
        "daemonset",
        "kube_daemonset_status_desired_number_scheduled",
        "kube_daemonset_status_current_number_scheduled",
        "kube_daemonset_status_updated_number_scheduled",
    ),
}
DAEMONSET_ZEROS = (
    "kube_daemonset_status_number_misscheduled",
    "kube_daemonset_status_number_unavailable",
)

#: a value at sample ``i``: a constant, or a function of (i, in an outage)
Value = float | Callable[[int, bool], float]


def workload_series(svc: ResolvedService) -> list[tuple[Series, Value]]:
    """The kube-state-metrics and cAdvisor series of a healthy workload with one pod, built
    by the same helpers as the generated tests (label sets checked against the KSM docs;
    two KSM replicas, scraped as kube-prometheus-stack does)."""
    label, want, have, updated = KSM[svc.workload.kind]
    ns = svc.namespace
    workload = {"namespace": ns, label: svc.workload_name}
    pod = own_pods(svc)[0]
    ids = {"namespace": ns, "pod": pod, "uid": uid(ns, pod)}
    app = {**ids, "container": "app"}
    cadvisor = cadvisor_container(ns, pod)
    out: list[tuple[Series, Value]] = [(s, 1) for s in owner(svc, pod)]
    out += [(s, 2) for m in (want, updated) for s in ksm(m, "", **workload)]
    out += [(s, lambda i, short: 1 if short else 2) for s in ksm(have, "", **workload)]
    if svc.workload.kind == "DaemonSet":
        out += [(s, 0) for m in DAEMONSET_ZEROS for s in ksm(m, "", **workload)]
    out += [(s, 0) for s in ksm("kube_pod_container_status_restarts_total", "", **app)]
    for metric, reason in (
        ("kube_pod_container_status_waiting_reason", "CrashLoopBackOff"),
        ("kube_pod_container_status_last_terminated_reason", "OOMKilled"),
    ):
        out += [(s, 0) for s in ksm(metric, "", **app, reason=reason)]
    for condition, value in (("true", 1), ("false", 0)):
        out += [(s, value) for s in ksm("kube_pod_status_ready", "", **ids, condition=condition)]
    for metric, per_second in (
        ("container_cpu_cfs_periods_total", 10.0),
        ("container_cpu_cfs_throttled_periods_total", 0.1),
    ):
        grow = lambda i, short, r=per_second: i * STEP * r  # noqa: E731
        out += [(s, grow) for s in kubelet(metric, "", **cadvisor)]
    # cAdvisor usage series the KSM/kubelet docs index does not list (the resources row)
    usage: list[tuple[str, Value]] = [
        ("container_cpu_usage_seconds_total", lambda i, short: i * STEP * 0.05),
        ("container_memory_working_set_bytes", lambda i, short: 1.5e8 + (i % 20) * 1e6),
        ("container_oom_events_total", 0),
    ]
    out += [(Series(m, {**CADVISOR_TARGET, **cadvisor}, ""), v) for m, v in usage]
    return out


def in_outage(seconds_before_now: float) -> bool:
    return any(
        end < seconds_before_now <= start or end == seconds_before_now == 0
        for start, end in OUTAGES
    )


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def status_values(service: ResolvedService) -> tuple[str, str]:
    """A success and an error value of the preset's status label."""
    sample = samples_for(preset_of(service))[0]
    status = preset_of(service).status_label
    return sample.ok[status], sample.error[status]


def openmetrics(
    services: list[ResolvedService], failing: set[str], end: float, hours: float
) -> str:
    """Samples grouped by metric name (one OpenMetrics family per name), then ``# EOF``."""
    end = float(int(end) - int(end) % STEP)
    times = [end - hours * 3600 + i * STEP for i in range(int(hours * 3600 // STEP) + 1)]
    lines: dict[str, list[str]] = defaultdict(list)
    for svc in services:
        if has_metrics(svc):
            preset = preset_of(svc)
            base = {lbl: val for lbl, op, val in preset.fixed_matchers if op == "="}
            base.update(base_labels(svc))
            ok_code, err_code = status_values(svc)
            scale = 1000.0 if preset.unit == "ms" else 1.0
            bounds = svc.metrics.buckets or preset.buckets_seconds
            ok = errors = 0.0
            for i, t in enumerate(times):
                if i:
                    bad = in_outage(end - t) and svc.name in failing
                    ratio = OUTAGE_ERRORS if bad else BASE_ERRORS
                    errors += RPS * STEP * ratio
                    ok += RPS * STEP * (1 - ratio)
                total = ok + errors
                for code, value in ((ok_code, ok), (err_code, errors)):
                    labels = _labels({**base, preset.error_label: code})
                    if preset.requests != preset.histogram_count:
                        lines[preset.requests].append(
                            f"{preset.requests}{labels} {value:.3f} {t:.0f}"
                        )
                for bound in bounds:
                    share = 1 - math.exp(-bound / MEAN_LATENCY)
                    le = format_le(bound, preset.unit)
                    labels = _labels({**base, "le": le})
                    lines[preset.histogram].append(
                        f"{preset.histogram}{labels} {total * share:.3f} {t:.0f}"
                    )
                labels = _labels({**base, "le": "+Inf"})
                lines[preset.histogram].append(f"{preset.histogram}{labels} {total:.3f} {t:.0f}")
                # the count carries the status label where it doubles as the request counter
                if preset.requests == preset.histogram_count:
                    for code, value in ((ok_code, ok), (err_code, errors)):
                        labels = _labels({**base, preset.error_label: code})
                        lines[preset.histogram_count].append(
                            f"{preset.histogram_count}{labels} {value:.3f} {t:.0f}"
                        )
                else:
                    lines[preset.histogram_count].append(
                        f"{preset.histogram_count}{_labels(base)} {total:.3f} {t:.0f}"
                    )
                seconds = total * MEAN_LATENCY * scale
                lines[preset.histogram_sum].append(
                    f"{preset.histogram_sum}{_labels(base)} {seconds:.3f} {t:.0f}"
                )
        for series, value in workload_series(svc):
            text = f"{series.metric}{_labels(dict(series.labels))}"
            for i, t in enumerate(times):
                short = svc.name in failing and in_outage(end - t)
                v = value(i, short) if callable(value) else value
                lines[series.metric].append(f"{text} {v:g} {t:.0f}")
    out = [line for name in sorted(lines) for line in lines[name]]
    return "\n".join([*out, "# EOF"]) + "\n"


#: hours of demo data at most (the generator writes every sample of every series)
MAX_HOURS = 12.0


def failing_service(services: list[ResolvedService]) -> str:
    """The service given outages by default: the first, by name, with request metrics."""
    return min((s.name for s in services if has_metrics(s)), default="")


class DemoError(RuntimeError):
    """prometheus/promtool missing, or the demo server did not start."""


class DemoPrometheus:
    """A throwaway local Prometheus serving :func:`openmetrics` data (a context manager)."""

    def __init__(
        self, services: list[ResolvedService], failing: set[str], hours: float = 6.0
    ) -> None:
        self.services, self.failing, self.hours = services, failing, hours
        self.url = ""
        self.end = 0.0
        self._work: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> DemoPrometheus:
        binary, promtool = shutil.which("prometheus"), shutil.which("promtool")
        if not binary or not promtool:
            raise DemoError(
                "--demo needs prometheus and promtool on PATH (apt-get install prometheus)"
            )
        self._work = work = Path(tempfile.mkdtemp(prefix="obskit-demo-"))
        try:
            self.end = time.time()
            source = work / "data.om"
            source.write_text(openmetrics(self.services, self.failing, self.end, self.hours))
            data = work / "data"
            backfill = subprocess.run(
                [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
                capture_output=True,
                text=True,
            )
            if backfill.returncode:
                raise DemoError(f"promtool could not backfill the demo data: {backfill.stderr}")
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            config = work / "prometheus.yml"
            config.write_text("global: {scrape_interval: 1m}\n")
            self.url = f"http://127.0.0.1:{port}"
            self._process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={data}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--storage.tsdb.retention.time=15d",
                    "--log.level=error",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self, timeout: float = 30.0) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise DemoError(f"prometheus exited with {self._process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise DemoError(f"prometheus did not become ready within {timeout:g}s")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._work is not None:
            shutil.rmtree(self._work, ignore_errors=True)
