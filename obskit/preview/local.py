"""``preview --local``: a throwaway Prometheus scraping the developer's running service.

It runs the metric check of ``obskit preview`` (:func:`.metric_check.check_service`, the
same code path) against the local server once the target is up, and the service's rendered
rules (group intervals dropped so every rule is evaluated
every ``refresh`` seconds), scrapes ``HOST:PORT`` with the service's selector labels as
target labels (so the rules' selectors match), and shows the alert states until Ctrl-C,
SIGTERM or ``duration``. The temp dir and the process are always removed.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from obskit.catalog.durations import format_duration
from obskit.catalog.model import ResolvedService
from obskit.catalog.presets import Preset
from obskit.preview.connection import QueryFailed, Server, ServerError, Transport
from obskit.preview.metric_check import check_service
from obskit.preview.report import Check
from obskit.render.serialize import dump_yaml

STATE_STYLE = {"firing": "bold red", "pending": "yellow", "inactive": "green"}
CHECK_STYLE = {"ok": "green", "warn": "yellow", "fail": "red", "error": "magenta"}


class LocalError(RuntimeError):
    """The local Prometheus could not be started (one line)."""


@dataclass(frozen=True)
class LocalOptions:
    scrape: str
    binary: str
    #: seconds between refreshes (also the scrape and evaluation interval)
    refresh: float = 5.0
    #: stop after this many seconds (None: until Ctrl-C)
    duration: float | None = None
    #: seconds to wait for the server to become ready
    start_timeout: float = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_rules(rule_file: bytes) -> bytes:
    """The service's rule file with group intervals removed (global interval applies)."""
    doc = yaml.safe_load(rule_file) or {}
    groups = [{k: v for k, v in g.items() if k != "interval"} for g in doc.get("groups") or []]
    return dump_yaml({"groups": groups})


def prometheus_config(service: ResolvedService, target: str, refresh: float) -> bytes:
    """Scrape ``target`` as the service would be scraped in the cluster.

    Target labels: ``job`` (the service name) and ``namespace`` as a ServiceMonitor would
    set them, then the service's selector labels, so the rules' selectors match.
    """
    interval = format_duration(refresh)
    labels = {"job": service.name, "namespace": service.namespace, **service.metrics.selector}
    scrape: dict[str, Any] = {
        "job_name": f"obskit-preview-{service.name}",
        "static_configs": [{"targets": [target], "labels": labels}],
    }
    if service.metrics.scrape:
        scrape["metrics_path"] = service.metrics.scrape.path
    return dump_yaml(
        {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": ["rules.yaml"],
            "scrape_configs": [scrape],
        }
    )


@contextlib.contextmanager
def terminate_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so cleanup runs (main thread only)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def last_error(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "level=error" in line or "err=" in line]
    return (errors or lines or ["no output"])[-1][:300]


def _wait_ready(
    process: subprocess.Popen[bytes], server: Server, log: Path, timeout: float
) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalError(f"prometheus exited with {process.returncode}: {last_error(log)}")
        try:
            if requests.get(f"{server.url}/-/ready", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise LocalError(f"prometheus did not become ready within {timeout:g}s: {last_error(log)}")


def _value(text: str) -> str:
    try:
        return f"{float(text):.4g}"
    except ValueError:
        return str(text)


def check_table(checks: tuple[Check, ...]) -> Table:
    """The metric check (as in ``obskit preview``)."""
    table = Table(title="Metric check", title_justify="left")
    for col in ("check", "status", "detail"):
        table.add_column(col, overflow="fold")
    for c in checks:
        table.add_row(c.check, f"[{CHECK_STYLE[c.status]}]{c.status}[/]", escape(c.detail))
    return table


def target_up(server: Server) -> bool:
    """Whether the scrape target has been scraped successfully."""
    targets = server.api_get("targets", state="active")["activeTargets"]
    return any(t.get("health") == "up" for t in targets)


def alert_table(server: Server, target: str) -> tuple[Table, list[dict[str, Any]]]:
    """The current alert states (from the rules API) and the target's health."""
    groups = server.api_get("rules", type="alert")["groups"]
    rules = [r for g in groups for r in g.get("rules", [])]
    targets = server.api_get("targets", state="active")["activeTargets"]
    health = ", ".join(
        f"{t.get('health')}" + (f" ({t['lastError']})" if t.get("lastError") else "")
        for t in targets
    )
    title = f"{time.strftime('%H:%M:%S')}  target {target}: {health or 'not scraped yet'}"
    table = Table(title=escape(title), title_justify="left")
    for col in ("alert", "severity", "state", "since", "value"):
        table.add_column(col, overflow="fold")
    for rule in rules:
        state = rule.get("state", "inactive")
        alerts = rule.get("alerts") or []
        since = min((a.get("activeAt", "") for a in alerts), default="")
        value = ", ".join(_value(a.get("value", "")) for a in alerts[:3])
        table.add_row(
            rule["name"],
            rule.get("labels", {}).get("severity", ""),
            f"[{STATE_STYLE.get(state, '')}]{state}[/]",
            since[:19].replace("T", " "),
            value,
        )
    return table, rules


@dataclass(frozen=True)
class Running:
    """A started local Prometheus: its API, process and log file."""

    server: Server
    process: subprocess.Popen[bytes]
    log: Path
    workdir: Path


@contextlib.contextmanager
def local_prometheus(
    service: ResolvedService, rule_file: bytes, options: LocalOptions
) -> Iterator[Running]:
    """A throwaway Prometheus on a free 127.0.0.1 port scraping ``options.scrape`` as
    ``service`` (see :func:`prometheus_config`), ready when entered; the process and its temp
    dir are removed on exit. OS and server errors become :class:`LocalError`."""
    workdir = Path(tempfile.mkdtemp(prefix="obskit-preview-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        (workdir / "rules.yaml").write_bytes(local_rules(rule_file))
        (workdir / "prometheus.yml").write_bytes(
            prometheus_config(service, options.scrape, options.refresh)
        )
        port = free_port()
        log = workdir / "prometheus.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    options.binary,
                    f"--config.file={workdir / 'prometheus.yml'}",
                    f"--storage.tsdb.path={workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--storage.tsdb.retention.time=1d",
                    "--log.level=warn",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches us, we stop it
            )
        server = Server(Transport(f"http://127.0.0.1:{port}", timeout=5, attempts=1))
        _wait_ready(process, server, log, options.start_timeout)
        yield Running(server, process, log, workdir)
    except (OSError, ServerError) as exc:
        raise LocalError(str(exc)) from None
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


def run_local(
    service: ResolvedService,
    rule_file: bytes,
    options: LocalOptions,
    console: Console,
    on_start: Callable[[str, int, Path], None] = lambda url, pid, workdir: None,
    presets: list[Preset] | None = None,
) -> int:
    """Run until Ctrl-C/SIGTERM/``duration``; 1 if a critical alert fires or a metric check
    fails at the end, 3 if a check could not be made (a query failed), else 0.
    ``presets``: the catalog's own, for the preset suggestion."""
    rules: list[dict[str, Any]] = []
    checks: tuple[Check, ...] = ()
    try:
        with terminate_on_sigterm(), local_prometheus(service, rule_file, options) as running:
            server, process = running.server, running.process
            on_start(server.url, process.pid, running.workdir)
            console.print(
                f"local prometheus (pid {process.pid}) at {server.url}: scraping "
                f"{options.scrape} as {service.name}, refreshing every "
                f"{options.refresh:g}s; Ctrl-C to stop"
            )
            deadline = time.monotonic() + options.duration if options.duration else None
            while True:
                if process.poll() is not None:
                    raise LocalError(f"prometheus exited: {last_error(running.log)}")
                try:
                    if target_up(server):
                        checks = check_service(server, service, presets)
                    table, rules = alert_table(server, options.scrape)
                    if console.is_terminal:
                        console.clear()
                    if checks:
                        console.print(check_table(checks))
                    console.print(table)
                except QueryFailed as exc:
                    console.print(f"[magenta]{escape(str(exc))}[/]")
                if deadline is not None and time.monotonic() >= deadline:
                    break
                wait = options.refresh
                if deadline is not None:
                    wait = max(0.0, min(wait, deadline - time.monotonic()))
                time.sleep(wait)
    except KeyboardInterrupt:
        console.print("stopping")
    critical = [
        r["name"]
        for r in rules
        if r.get("state") == "firing" and r.get("labels", {}).get("severity") == "critical"
    ]
    failed = [c for c in checks if c.status == "fail"]
    for c in failed:
        console.print(f"[bold red]metric check failed:[/] {c.check}: {escape(c.detail)}")
    errors = [c for c in checks if c.status == "error"]
    for c in errors:
        console.print(f"[magenta]metric check not made:[/] {escape(c.detail)}")
    return 1 if critical or failed else 3 if errors else 0
