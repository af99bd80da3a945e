"""``obskit preview --local``: a real throwaway prometheus scraping an in-test exporter.

The exporter (prometheus_client) serves cart's request counter with 50% errors, so the
rendered rules' page (no ``for``) fires within a few scrapes; the run must show it, exit 1
(a critical alert firing), and leave no process and no temp dir behind.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from preview_support import CATALOG, free_port
from typer.testing import CliRunner

from obskit.cli import app

pytestmark = pytest.mark.prometheus


@pytest.fixture
def exporter():
    """HOST:PORT of a running exporter whose counters keep growing."""
    from prometheus_client import CollectorRegistry, Counter, start_http_server

    registry = CollectorRegistry()
    requests = Counter("http_requests", "requests", ["code"], registry=registry)
    port = free_port()
    server, _thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    stop = threading.Event()

    def traffic() -> None:
        while not stop.wait(0.05):
            requests.labels(code="200").inc(5)
            requests.labels(code="500").inc(5)

    worker = threading.Thread(target=traffic, daemon=True)
    worker.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        worker.join()


def test_local_mode_starts_shows_alerts_and_cleans_up(
    exporter: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not shutil.which("prometheus"):
        pytest.skip("prometheus not on PATH: apt-get install -y prometheus")
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    args = [str(CATALOG), "-s", "cart", "--local"]
    args += ["--scrape", exporter, "--duration", "10s", "--refresh", "1s"]
    result = CliRunner().invoke(app, ["preview", *args])
    out = result.stdout
    pid = int(re.search(r"local prometheus \(pid (\d+)\)", out).group(1))  # type: ignore[union-attr]
    assert f"target {exporter}: up" in out
    assert "CartAvailabilityErrorBudgetFastBurn" in out
    assert re.search(r"CartAvailabilityErrorBudgetFastBurn\s*│\s*critical\s*│\s*firing", out), out
    assert result.exit_code == 1, result.stderr
    # the process and the temp dir are gone
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert list(temp.iterdir()) == []


def test_local_mode_needs_one_service_and_a_target() -> None:
    result = CliRunner().invoke(app, ["preview", str(CATALOG), "--local", "--scrape", "x:1"])
    assert result.exit_code == 2 and "--service" in result.stderr
    result = CliRunner().invoke(app, ["preview", str(CATALOG), "--local", "-s", "cart"])
    assert result.exit_code == 2 and "HOST:PORT" in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_local_mode_cleans_up_on_ctrl_c_and_sigterm(
    exporter: str, tmp_path: Path, signum: int
) -> None:
    if not shutil.which("prometheus"):
        pytest.skip("prometheus not on PATH: apt-get install -y prometheus")
    obskit = [sys.executable, "-c", "import sys; from obskit.cli import main; sys.exit(main())"]
    args = [*obskit, "preview", str(CATALOG), "-s", "cart"]
    args += ["--local", "--scrape", exporter, "--refresh", "1s"]
    process = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        pid = int(re.search(r"local prometheus \(pid (\d+)\)", first).group(1))  # type: ignore[union-attr]
        assert len(list(tmp_path.iterdir())) == 1  # its temp dir
        process.send_signal(signum)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode in (0, 1)
    assert "Traceback" not in process.stderr.read()  # type: ignore[union-attr]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def fastapi_exporter():
    """HOST:PORT of an exporter shaped like prometheus-fastapi-instrumentator 8.1: status
    grouped as 2xx, no ``code`` label, buckets 0.1, 0.5, 1."""
    from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server

    registry = CollectorRegistry()
    requests = Counter(
        "http_requests", "requests", ["handler", "method", "status"], registry=registry
    )
    latency = Histogram(
        "http_request_duration_seconds",
        "latency",
        ["handler", "method"],
        buckets=(0.1, 0.5, 1.0),
        registry=registry,
    )
    port = free_port()
    server, _thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    stop = threading.Event()

    def traffic() -> None:
        while not stop.wait(0.05):
            requests.labels(handler="/ok", method="GET", status="2xx").inc(5)
            latency.labels(handler="/ok", method="GET").observe(0.02)

    worker = threading.Thread(target=traffic, daemon=True)
    worker.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        worker.join()


def _web_catalog(path: Path, preset: str) -> Path:
    path.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: local}\n"
        "teams: [{name: web}]\nservices:\n  - name: web\n    team: web\n"
        f"    metrics: {{preset: {preset}}}\n"
        "    slos: [{name: availability, objective: 99}]\n"
    )
    return path


@pytest.mark.parametrize(
    ("preset", "code"), [("prometheus-http", 1), ("fastapi-instrumentator", 0)]
)
def test_local_mode_runs_the_metric_check(
    fastapi_exporter: str, tmp_path: Path, preset: str, code: int
) -> None:
    """--local checks the metrics the same way as --prometheus (check_service): a wrong
    preset fails (exit 1) and names the right one."""
    if not shutil.which("prometheus"):
        pytest.skip("prometheus not on PATH: apt-get install -y prometheus")
    catalog = _web_catalog(tmp_path / "catalog.yaml", preset)
    args = [str(catalog), "-s", "web", "--local", "--scrape", fastapi_exporter]
    result = CliRunner().invoke(app, ["preview", *args, "--duration", "6s", "--refresh", "1s"])
    out = " ".join(result.stdout.split())
    assert "Metric check" in out
    if code:
        assert (
            "metric check failed: preset: job web writes http_requests_total{status} "
            "(values 2xx): use preset fastapi-instrumentator"
        ) in out, out
    else:
        assert "metric check failed" not in out, out
    assert result.exit_code == code, out
