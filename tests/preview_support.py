"""Synthetic data and a real Prometheus for the preview tests.

``write_openmetrics`` writes 8 hours of counters and histograms for the services of
tests/fixtures/preview/catalog.yaml, ending now; ``PrometheusServer`` backfills them with
``promtool tsdb create-blocks-from openmetrics`` into a temp data dir and runs the real
``prometheus`` binary on a free 127.0.0.1 port (always stopped).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from obskit.renderers.alerts.ksm import ksm

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "preview"
CATALOG = FIXTURES / "catalog.yaml"
#: hand-made rule files of the alerts renderer's shape: FIXTURES/alerts/<service>.rules.yaml
RULES_DIR = FIXTURES

HOURS = 8
STEP = 30  # seconds between samples
RPS = 10.0  # requests per second of every service
#: checkout's outages: (start, end) in seconds before the end of the data, 10% errors
OUTAGES = ((6 * 3600, 5 * 3600), (90 * 60, 0))
OUTAGE_ERROR_RATIO = 0.10
#: a 10-minute replica loss of checkout 7h ago (shorter than ReplicasUnavailable's `for`)
BLIP = (7 * 3600, 7 * 3600 - 600)
BASE_ERROR_RATIO = 0.0002
#: Prometheus client DefBuckets and the cumulative share of requests at most each bound
BUCKETS = (
    ("0.005", 0.10),
    ("0.01", 0.30),
    ("0.025", 0.60),
    ("0.05", 0.85),
    ("0.1", 0.95),
    ("0.25", 0.995),
    ("0.5", 0.999),
    ("1", 1.0),
    ("2.5", 1.0),
    ("5", 1.0),
    ("10", 1.0),
    ("+Inf", 1.0),
)
#: job label of each service's series (search's catalog selector says "serch": a typo)
JOBS = ("cart", "checkout", "search", "payment")


def error_ratio(job: str, seconds_before_end: float) -> float:
    if job == "checkout" and _within(seconds_before_end, OUTAGES):
        return OUTAGE_ERROR_RATIO
    return BASE_ERROR_RATIO


def _within(seconds_before_end: float, spans: tuple[tuple[int, int], ...]) -> bool:
    """In one of ``(start, end)`` spans (seconds before the end; end 0: still ongoing)."""
    return any(
        end < seconds_before_end <= start or end == seconds_before_end == 0 for start, end in spans
    )


def unavailable(seconds_before_end: float) -> bool:
    """Whether checkout runs with one replica short at that time."""
    return _within(seconds_before_end, (*OUTAGES, BLIP))


def write_openmetrics(path: Path, end: float) -> None:
    """Counters for every job, ending at ``end`` (unix seconds), one sample per STEP."""
    end = float(int(end) - int(end) % STEP)
    times = [end - HOURS * 3600 + i * STEP for i in range(HOURS * 3600 // STEP + 1)]
    lines: list[str] = ["# TYPE http_requests counter"]
    totals: dict[str, list[tuple[float, float, float]]] = {}
    for job in JOBS:
        ok = errors = 0.0
        series = []
        for i, t in enumerate(times):
            if i:
                ratio = error_ratio(job, end - t)
                errors += RPS * STEP * ratio
                ok += RPS * STEP * (1 - ratio)
            series.append((t, ok, errors))
        totals[job] = series
        for code, index in (("200", 1), ("500", 2)):
            for sample in series:
                lines.append(
                    f'http_requests_total{{code="{code}",job="{job}",namespace="shop"}} '
                    f"{sample[index]:.3f} {sample[0]:.0f}"
                )
    lines.append("# TYPE http_request_duration_seconds histogram")
    for job in JOBS:
        for le, share in BUCKETS:
            for t, ok, errors in totals[job]:
                lines.append(
                    f'http_request_duration_seconds_bucket{{job="{job}",le="{le}",'
                    f'namespace="shop"}} {(ok + errors) * share:.3f} {t:.0f}'
                )
        for t, ok, errors in totals[job]:
            lines.append(
                f'http_request_duration_seconds_count{{job="{job}",namespace="shop"}} '
                f"{ok + errors:.3f} {t:.0f}"
            )
        for t, ok, errors in totals[job]:
            lines.append(
                f'http_request_duration_seconds_sum{{job="{job}",namespace="shop"}} '
                f"{(ok + errors) * 0.03:.3f} {t:.0f}"
            )
    # kube-state-metrics for two of the Deployments: checkout loses a replica in each outage
    # (and for a 10-minute blip, shorter than the ReplicasUnavailable alert's `for`); no
    # rollout is in progress (updated replicas constant)
    for metric in (
        "kube_deployment_spec_replicas",
        "kube_deployment_status_replicas_available",
        "kube_deployment_status_replicas_updated",
    ):
        lines.append(f"# TYPE {metric} gauge")
        for name in ("cart", "checkout"):
            # label sets as kube-state-metrics documents them, from both replicas of an HA
            # pair scraped as kube-prometheus-stack does (obskit.renderers.alerts.ksm)
            for series in ksm(metric, "", namespace="shop", deployment=name):
                text = (
                    series.metric
                    + "{"
                    + ",".join(f'{k}="{v}"' for k, v in sorted(series.labels.items()))
                    + "}"
                )
                for t in times:
                    value = 2
                    if metric.endswith("available") and name == "checkout":
                        value = 1 if unavailable(end - t) else 2
                    lines.append(f"{text} {value} {t:.0f}")
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def launch_prometheus(
    binary: str, workdir: Path, config: Path, data: Path, port: int, flags: list[str]
) -> subprocess.Popen[bytes]:
    """Start the real ``prometheus`` on 127.0.0.1:``port`` (log in ``workdir``) and wait
    until ``/-/ready`` answers (30 s); raises with the log's tail if it exits or never does."""
    log = (workdir / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
            *flags,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((workdir / "prometheus.log").read_text()[-3000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=1) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    process.wait(timeout=10)
    raise RuntimeError("prometheus did not become ready in 30s")


@dataclass
class PrometheusServer:
    """A real prometheus on 127.0.0.1 with the backfilled synthetic data."""

    binary: str
    promtool: str
    workdir: Path
    end: float = 0.0
    url: str = ""
    process: subprocess.Popen[bytes] | None = None
    #: writes the OpenMetrics text to backfill (path, end); default: this module's data
    writer: Callable[[Path, float], object] | None = None

    def start(self) -> PrometheusServer:
        data = self.workdir / "data"
        data.mkdir(parents=True)
        self.end = time.time()
        source = self.workdir / "data.om"
        (self.writer or write_openmetrics)(source, self.end)
        subprocess.run(
            [self.promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(data)],
            check=True,
            capture_output=True,
        )
        config = self.workdir / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1m\n")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = launch_prometheus(
            self.binary,
            self.workdir,
            config,
            data,
            port,
            ["--storage.tsdb.retention.time=30d"],
        )
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def prometheus_binaries() -> tuple[str, str] | None:
    binary, promtool = shutil.which("prometheus"), shutil.which("promtool")
    return (binary, promtool) if binary and promtool else None
