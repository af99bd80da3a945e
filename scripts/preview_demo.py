#!/usr/bin/env python3
"""A local Prometheus with synthetic data for a catalog, to try `obskit preview` on.

    python scripts/preview_demo.py catalog.yaml --failing checkout

writes HOURS of request counters and latency histograms for every service of the catalog
(metric names, labels and buckets from each service's preset and selector), plus
kube-state-metrics and cAdvisor series of one healthy pod per workload; the ``--failing``
services have two outages (10% errors and a lost replica: 4h-3h ago and the last 45
minutes). It backfills
the data with ``promtool tsdb create-blocks-from openmetrics``, runs ``prometheus`` on
127.0.0.1:PORT until Ctrl-C, then removes its temp dir. See docs/preview.md.
"""

from __future__ import annotations

import argparse
import math
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from obskit.catalog.loader import load_catalog
from obskit.catalog.model import ResolvedService
from obskit.catalog.presets import format_le
from obskit.catalog.samples import samples_for
from obskit.queries import has_metrics, preset_of
from obskit.renderers.alerts.ksm import Series, cadvisor_container, ksm, kubelet, uid
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


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalog")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--hours", type=float, default=6.0)
    parser.add_argument("--failing", action="append", default=[], help="service with outages")
    args = parser.parse_args(argv)
    binary, promtool = shutil.which("prometheus"), shutil.which("promtool")
    if not binary or not promtool:
        print("needs prometheus and promtool on PATH (apt-get install prometheus)", file=sys.stderr)
        return 3
    catalog = load_catalog(args.catalog)
    unknown = set(args.failing) - {s.name for s in catalog.services}
    if unknown:
        print(f"--failing: no such service: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    work = Path(tempfile.mkdtemp(prefix="obskit-demo-"))
    process = None
    try:
        source = work / "data.om"
        source.write_text(
            openmetrics(list(catalog.services), set(args.failing), time.time(), args.hours)
        )
        data = work / "data"
        subprocess.run(
            [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        config = work / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 15s}\n"
            "scrape_configs:\n"
            f"- job_name: prometheus\n  static_configs: [{{targets: ['127.0.0.1:{args.port}']}}]\n"
        )
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{args.port}",
                "--storage.tsdb.retention.time=15d",
                "--log.level=warn",
            ]
        )
        print(
            f"prometheus with {args.hours:g}h of synthetic data for {len(catalog.services)} "
            f"services at http://127.0.0.1:{args.port} (failing: "
            f"{', '.join(args.failing) or 'none'}); Ctrl-C to stop",
            flush=True,
        )
        return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
