"""obskit report --base: the semantic diff of two catalog versions in a git repository."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obskit.cli import app

pytestmark = pytest.mark.skipif(
    not (shutil.which("git") and shutil.which("prometheus") and shutil.which("promtool")),
    reason="needs git, prometheus and promtool",
)

BASE = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata:
  name: diff-shop{plugins}
teams: [{{name: orders}}]
services:
  - name: orders
    team: orders
    metrics: {{preset: prometheus-http}}
    slos:
      - {{name: availability, objective: {objective}}}
      - {{name: latency, objective: 95, threshold: 500ms}}
    alerts:{alerts}
      - alert: OrdersQueueStuck
        expr: sum(queue_depth{{job="orders"}}) > 1000
        for: 10m
        severity: critical
        summary: Orders queue stuck
"""
BACKLOG = """
      - alert: OrdersQueueBacklog
        expr: sum(queue_depth{job="orders"}) > 100
        for: 10m
        severity: warning
        summary: Orders queue backing up"""
PLUGIN = """\
import grafanalib.core as G


def panels(service, catalog):
    return [
        G.TimeSeries(
            title="Queue depth",
            description="Messages waiting.",
            unit="short",
            targets=[G.Target(expr=f'sum(queue_depth{{service="{service.name}"}})')],
        )
    ]
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Commit 1: objective 99.9, two custom alerts; working tree: 99.5, one alert removed
    and a plugin panel added."""
    repo = tmp_path_factory.mktemp("repo")
    git(repo, "init", "-q")
    (repo / "plugins").mkdir()
    (repo / "plugins/queue.py").write_text(PLUGIN)
    (repo / "catalog.yaml").write_text(BASE.format(objective=99.9, alerts=BACKLOG, plugins=""))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    plugins = '\n  plugins: {dashboards: ["plugins.queue:panels"]}'
    (repo / "catalog.yaml").write_text(BASE.format(objective=99.5, alerts="", plugins=plugins))
    return repo


def report(repo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["report", str(repo / "catalog.yaml"), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout + result.stderr


def test_report_md_lists_exactly_the_changes(repo: Path) -> None:
    out = repo / "out"
    code, text = report(repo, "--demo", "--since", "2h", "--base", "HEAD", "-o", str(out))
    assert code == 0, text
    md = (out / "report.md").read_text()
    bullets = [line for line in md.splitlines() if line.startswith("- ")]
    slos = [b for b in bullets if ": objective " in b]
    assert slos == ["- **changed** orders/availability: objective 99.9% → 99.5%"]
    removed = "- **removed** orders/OrdersQueueBacklog — fired 0x in 2h before"
    assert [b for b in bullets if "OrdersQueue" in b] == [removed]
    added = [b for b in bullets if b.startswith("- **added**")]
    assert added == ["- **added** orders: Custom panels / Queue depth"]
    # and what follows from the objective: the availability SLO's burn-rate alerts (with how
    # often they would have fired in the demo's outage), its panels and the error-ratio
    # panel's threshold line (the latency SLO's stay the same)
    fired = r" — would have fired [1-9]\d*x in 2h, was [1-9]\d*x"
    rest = sorted(set(bullets) - {*slos, *added, removed})
    assert [re.sub(fired, "", b) for b in rest] == [
        "- **changed** orders/OrdersAvailabilityErrorBudgetFastBurn (expr)",
        "- **changed** orders/OrdersAvailabilityErrorBudgetSlowBurn (expr)",
        "- **changed** orders: Golden signals (prometheus-http) / Error ratio",
        "- **changed** orders: SLO availability / Burn rate 1h / 6h",
        "- **changed** orders: SLO availability / Burn rate over time",
        "- **changed** orders: SLO availability / SLI vs objective",
    ]
    assert all(re.search(fired, b) for b in rest[:2]), rest
    assert len(md) < 4000
    index = (out / "index.html").read_text()
    assert "OrdersQueueBacklog" in index and "Queue depth" in index


def test_no_change_against_the_same_catalog(repo: Path, tmp_path: Path) -> None:
    git(repo, "stash", "-q")
    try:
        code, text = report(repo, "--demo", "--since", "1h", "--base", "HEAD", "-o", str(tmp_path))
    finally:
        git(repo, "stash", "pop", "-q")
    assert code == 0, text
    assert "No change to SLOs, alerts or dashboard panels." in (tmp_path / "report.md").read_text()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--demo", "--base", "no-such-ref"], 2, "--base no-such-ref:"),
        ([], 2, "exactly one of --prometheus URL, --demo and --local --scrape"),
        (["--local", "--scrape", "nohost"], 2, "--local needs --scrape HOST:PORT"),
        (["--demo", "--scrape", "127.0.0.1:9"], 2, "--scrape needs --local"),
        (["--demo", "--since", "soon"], 2, "--since:"),
        (["--prometheus", "http://127.0.0.1:9"], 3, "127.0.0.1:9"),
        (["--demo", "-o", "catalog.yaml"], 2, "catalog.yaml: not a folder"),
        (["--demo", "--failing", "nope"], 2, "--failing: no such service: nope"),
    ],
)
def test_bad_input_is_one_line(
    repo: Path, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    if "-o" in args:
        args = [a if a != "catalog.yaml" else str(repo / a) for a in args]
    else:
        args = [*args, "-o", str(tmp_path)]
    got, text = report(repo, *args)
    assert got == code, text
    assert message in text and "Traceback" not in text
