"""obskit report --base: the semantic diff of two catalog versions in a git repository."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
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


def png_colours(path: Path) -> set[bytes]:
    """The distinct pixel colours of an 8-bit RGB(A), non-interlaced PNG (what chromium
    writes), decoded with zlib and the PNG row filters; fails on anything else."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    chunks: dict[bytes, bytes] = {}
    at = 8
    while at < len(data):
        (size,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        chunks[kind] = chunks.get(kind, b"") + data[at + 8 : at + 8 + size]
        at += 12 + size
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and colour in (2, 6) and not interlace, (depth, colour, interlace)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * bpp
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        kind, row = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + a) & 255
            elif kind == 2:
                row[i] = (row[i] + b) & 255
            elif kind == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(bytes(row[x : x + 3]) for x in range(0, stride, bpp))
        previous = row
    return colours


def check_pngs(out: Path, md: str) -> None:
    """report.md shows one PNG per added or changed panel, by a relative link; each is a real
    screenshot: the panel background, and the plotted line's colour where it has data."""
    panels = re.findall(r"^- \*\*(?:added|changed)\*\* (orders: [^—\n]+)$", md, re.M)
    links = re.findall(r"^  !\[([^\]]+)\]\((panels/[a-z0-9-]+\.png)\)$", md, re.M)
    assert [name for name, _ in links] == panels and len(panels) == 5, md
    assert sorted(p.name for p in (out / "panels").iterdir()) == sorted(
        Path(link).name for _, link in links
    )
    assert (
        "orders: Custom panels / Queue depth",
        "panels/orders-custom-panels-queue-depth.png",
    ) in links
    for name, link in links:
        colours = png_colours(out / link)
        assert b"\x18\x1b\x1f" in colours, name  # the panel's background, #181b1f
        assert len(colours) > 20, (name, len(colours))
        if "Burn rate 1h / 6h" in name:  # a stat: the number in a threshold colour
            thresholds = {bytes.fromhex(c) for c in ("73bf69", "fade2a", "ff9830", "f2495c")}
            assert colours & thresholds, name
        elif "Queue depth" not in name:  # no demo data for it: "No data", no line
            assert b"\x63\x6e\xfa" in colours, name  # plotly's first line colour, #636efa


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
    check_pngs(out, md)


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


def test_a_renamed_panel_is_listed_as_renamed() -> None:
    """Same queries, unit and thresholds under a new title: one "renamed" entry, not removed
    + added; a retitled panel whose query changed too stays removed + added."""
    import copy
    import json

    from obskit.catalog.loader import load_catalog
    from obskit.report.diff import markdown, semantic_diff
    from obskit.report.rendered import Rendered

    repo = Path(__file__).resolve().parent.parent
    catalog = load_catalog(repo / "catalog.yaml")
    # the committed dashboard as obskit renders it (render --check keeps it current)
    base = Rendered({"ads": json.loads((repo / "dashboards/ads.json").read_text())}, {})
    dashboards = copy.deepcopy(base.dashboards)
    panels = {p["title"]: p for p in dashboards["ads"]["panels"]}
    panels["Container restarts"]["title"] = "Restarts"
    panels["OOM kills"]["title"] = "Out of memory"
    panels["OOM kills"]["targets"][0]["expr"] += " > 0"
    head = Rendered(dashboards, base.rules)
    diff = semantic_diff((catalog, base), (catalog, head))
    assert diff.panels.renamed == ["ads: Workload / Container restarts → Workload / Restarts"], (
        diff.panels
    )
    assert diff.panels.removed == ["ads: Resources / OOM kills"]
    assert diff.panels.added == ["ads: Resources / Out of memory"]
    assert diff.panels.changed == []
    assert (
        "- **renamed** ads: Workload / Container restarts → Workload / Restarts"
        in markdown(diff, "main").splitlines()
    )


def test_a_bracket_in_a_panel_title_keeps_the_image_link(tmp_path: Path) -> None:
    """A ``]`` (and ``[``, ``\\``) in a panel title: report.md's image still links the PNG, as
    a CommonMark parser (markdown-it) reads it, with the title as its alt text."""
    import copy
    import json

    from markdown_it import MarkdownIt

    from obskit.catalog.loader import load_catalog
    from obskit.report.diff import markdown, semantic_diff
    from obskit.report.rendered import Rendered

    repo = Path(__file__).resolve().parent.parent
    catalog = load_catalog(repo / "catalog.yaml")
    base = Rendered({"ads": json.loads((repo / "dashboards/ads.json").read_text())}, {})
    dashboards = copy.deepcopy(base.dashboards)
    panel = next(p for p in dashboards["ads"]["panels"] if p["title"] == "OOM kills")
    panel["title"] = "OOM kills] per [pod \\ 5m"
    panel["targets"][0]["expr"] += " > 0"
    diff = semantic_diff((catalog, base), (catalog, Rendered(dashboards, base.rules)))
    (name,) = diff.panels.added
    text = markdown(diff, "main", images={name: "panels/oom.png"})
    images = [
        t for token in MarkdownIt().parse(text) for t in token.children or [] if t.type == "image"
    ]
    alts = ["".join(c.content for c in i.children or []) for i in images]
    assert [(i.attrs["src"], alt) for i, alt in zip(images, alts, strict=True)] == [
        ("panels/oom.png", name)
    ], text
