"""obskit report: pages opened in real headless chromium against a real backfilled Prometheus,
and the semantic diff against a git ref."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from obskit.catalog.loader import load_catalog
from obskit.preview.connection import Server, Transport
from obskit.preview.demo import DemoPrometheus
from obskit.report.build import write_report
from obskit.report.data import window_until

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium")
SERVICES = ["ads", "checkout"]
CATALOG = load_catalog(REPO / "catalog.yaml")

#: runs in the page after plotly drew: what each panel shows, from the DOM
CHECK = """
<script>
window.addEventListener('load', () => setTimeout(() => {
  const out = [];
  for (const p of document.querySelectorAll('.panel[data-title]')) {
    const lines = [...p.querySelectorAll('path.js-line')]
      .filter(e => /M[^L]*L/.test(e.getAttribute('d') || '')).length;
    const numtexts = [...p.querySelectorAll('text.number')].map(e => e.textContent);
    const numbers = numtexts.filter(t => t && t !== 'NaN').length;
    const rows = p.querySelectorAll('.yaxislayer-above .ytick').length;
    const cells = [...p.querySelectorAll('table.paneltable tr')]
      .map(r => [...r.children].map(c => c.textContent));
    const coloured = [...p.querySelectorAll('table.paneltable td')]
      .filter(c => c.style.background).map(c => c.textContent);
    const notes = [...p.querySelectorAll('.annotation-text')].map(e => e.textContent);
    out.push({title: p.dataset.title, type: p.dataset.type, lines, numbers, rows, cells, notes,
              coloured, numtexts,
              text: (p.querySelector('.text') || {}).textContent || '',
              nodata: !!p.querySelector('.nodata')});
  }
  const pre = document.createElement('pre');
  pre.id = 'obskit-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 500));
</script>
"""


def open_in_chromium(page: Path, tmp: Path) -> tuple[list[dict], list[str]]:
    """(panel states measured in the DOM, console errors) of ``page`` in headless chromium."""
    probe = page.with_name(f"probe-{page.name}")  # beside the page: relative files load
    probe.write_text(page.read_text().replace("</body>", CHECK + "</body>"))
    run = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            f"--user-data-dir={tmp / 'chromium-profile'}",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r'<pre id="obskit-check">(.*?)</pre>', run.stdout, re.S)
    assert found, run.stderr[-2000:]
    errors = [
        line
        for line in run.stderr.splitlines()
        if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)
    ]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")), errors


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[str, datetime]]:
    """A real Prometheus with 6h of backfilled demo data for ads and checkout (failing)."""
    if not (CHROMIUM and shutil.which("prometheus") and shutil.which("promtool")):
        pytest.skip("needs chromium, prometheus and promtool (scripts/install.sh)")
    services = [s for s in CATALOG.services if s.name in SERVICES]
    with DemoPrometheus(services, {"checkout"}, hours=6) as server:
        yield server.url, datetime.fromtimestamp(server.end, tz=UTC)


def build(demo: tuple[str, datetime], out: Path, **options: object) -> Path:
    url, end = demo
    with Server(Transport(url)) as server:
        window = window_until(end, 6 * 3600)
        write_report(CATALOG, server, window, out, **options)  # type: ignore[arg-type]
    return out


@pytest.fixture(scope="module")
def demo_report(demo: tuple[str, datetime], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(demo, tmp_path_factory.mktemp("report"), services=SERVICES)


#: the suffixes Grafana's formatter of each unit writes (valueformat.py, categories.ts)
UNIT_SUFFIXES = {
    "short": "( K| Mil| Bil| Tri)?",
    "none": "",
    "percentunit": "%",
    "s": " (ns|µs|ms|s|mins?|hours?|days?|weeks?|years?)",
    "bytes": " (B|KiB|MiB|GiB|TiB)",
    "reqps": "[KMBT]? reqps",
}


def grafana_text(unit: str, decimals: int | None) -> str:
    """A regex of the text Grafana shows for a value in ``unit`` with ``decimals``."""
    fraction = r"(\.\d+)?" if decimals is None else (rf"\.\d{{{decimals}}}" if decimals else "")
    return rf"[-\u2212]?\d+{fraction}{UNIT_SUFFIXES[unit]}"


def check_page(page: Path, tmp: Path, name: str) -> None:
    """Every panel of ``name``'s dashboard is on the page, in order, and drew its data; each
    stat shows its number as Grafana writes it in the panel's unit and decimals."""
    dashboard = json.loads((REPO / f"dashboards/{name}.json").read_text())
    config = {p["title"]: p.get("fieldConfig", {}).get("defaults", {}) for p in dashboard["panels"]}
    panels, errors = open_in_chromium(page, tmp)
    assert errors == [], errors
    expected = [p["title"] for p in dashboard["panels"] if p["type"] != "row"]
    assert [p["title"] for p in panels] == expected
    for panel in panels:
        assert not panel["nodata"], (name, panel)
        if panel["type"] == "timeseries":
            assert panel["lines"] >= 1, (name, panel)
        elif panel["type"] == "stat":
            assert panel["numbers"] >= 1 and panel["lines"] >= 1, (name, panel)
            defaults = config[panel["title"]]
            shown = grafana_text(defaults["unit"], defaults.get("decimals"))
            for text in panel["numtexts"]:
                assert re.fullmatch(shown, text), (name, panel["title"], text, shown)
        elif panel["type"] == "alertlist":
            assert panel["rows"] >= 3, (name, panel)
        else:
            assert panel["type"] == "text" and name in panel["text"], (name, panel)


def test_every_panel_draws_data_in_chromium(demo_report: Path, tmp_path: Path) -> None:
    for name in SERVICES:
        check_page(demo_report / f"{name}.html", tmp_path, name)


def test_shared_plotly_js(demo: tuple[str, datetime], tmp_path: Path) -> None:
    out = build(demo, tmp_path / "shared", services=["ads"], shared_js=True)
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    assert (out / "ads.html").stat().st_size < 1_000_000
    check_page(out / "ads.html", tmp_path, "ads")


def test_the_probe_sees_an_empty_panel_and_a_console_error(
    demo_report: Path, tmp_path: Path
) -> None:
    """The browser check can fail: a page with a broken script and an empty plot."""
    page = (demo_report / "ads.html").read_text()
    # plot-2: the first timeseries (plot-1 is the alert timeline)
    broken = re.sub(r'Plotly\.newPlot\(\s*"plot-2"', 'Plotly.noSuchFunction("plot-2"', page)
    assert broken != page
    (tmp_path / "broken.html").write_text(broken)
    panels, errors = open_in_chromium(tmp_path / "broken.html", tmp_path)
    assert errors
    assert any(p["type"] == "timeseries" and p["lines"] == 0 for p in panels)


def test_alert_timeline_shows_the_outage(demo_report: Path) -> None:
    """checkout's demo outages make its availability burn-rate alerts fire: drawn as bars."""
    page = (demo_report / "checkout.html").read_text()
    timeline = page.split('data-title="Alerts"', 1)[1].split('data-title="About"', 1)[0]
    start = re.search(r'Plotly\.newPlot\(\s*"plot-1",\s*', timeline).end()
    figure, _ = json.JSONDecoder().raw_decode(timeline[start:])
    fired = {t["name"] for t in figure if any(x is not None for x in t["x"])}
    assert any("Availability" in name for name in fired), fired
    assert "CheckoutQueueBacklog" not in fired


def test_index_screenshot(demo_report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "index.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1200,800",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            (demo_report / "index.html").as_uri(),
        ],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5000
    index = (demo_report / "index.html").read_text()
    assert re.findall(r'href="([\w-]+\.html)"', index) == ["ads.html", "checkout.html"]


def test_cli_against_a_prometheus_url(demo: tuple[str, datetime], tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from obskit.cli import app

    args = ["report", str(REPO / "catalog.yaml"), "--prometheus", demo[0], "-s", "ads"]
    result = CliRunner().invoke(app, [*args, "--since", "3h", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "1 service pages: 19 panels drawn, 0 without data" in result.stdout
    assert not (tmp_path / "report.md").exists()


def test_slo_budget_is_drawn_over_the_slo_window(demo_report: Path, tmp_path: Path) -> None:
    """The error-budget panels span the SLO's 30d window, not the 6h range, and say that the
    demo server holds 6h of it; they still draw a line (the burn-down) and the number."""
    panels, errors = open_in_chromium(demo_report / "checkout.html", tmp_path)
    assert errors == []
    budgets = [p for p in panels if p["title"] == "Error budget remaining"]
    assert len(budgets) == 2, [p["title"] for p in panels]
    for panel in budgets:
        assert panel["lines"] >= 1 and panel["numbers"] >= 1, panel
        assert any(n.startswith("30d SLO window;server data since ") for n in panel["notes"])
    page = (demo_report / "checkout.html").read_text()
    ranges = re.findall(r'"range":\["([\d-]+) [\d:]+","([\d-]+) [\d:]+"\]', page)
    days = {(datetime.fromisoformat(b) - datetime.fromisoformat(a)).days for a, b in ranges}
    assert 30 in days, ranges


def test_stat_shows_grafanas_scaled_text(demo: tuple[str, datetime], tmp_path: Path) -> None:
    """The example's "Pods not ready" stat (unit ``short``) over a counter in the hundred
    thousands shows Grafana's scaled text (``235 K``, not ``235000`` or ``234567.00``), and a
    ``bytes`` stat of the working set shows ``MiB``; both near the server's value."""
    from obskit.report.rendered import Rendered

    dashboard = json.loads((REPO / "dashboards/checkout.json").read_text())
    stat = next(p for p in dashboard["panels"] if p["title"] == "Pods not ready")
    cases = {  # title: (expr, unit, text, scale of its suffix)
        "Handled": ('sum(grpc_server_handled_total{job="checkout"})', "short", r" K", 1e3),
        "Memory": ("sum(container_memory_working_set_bytes)", "bytes", r" MiB", 2.0**20),
    }
    dashboard["panels"] = []
    for i, (title, (expr, unit, _, _)) in enumerate(cases.items()):
        panel = json.loads(json.dumps(stat))
        panel.update(id=900 + i, title=title)
        panel["targets"] = [{"expr": expr, "refId": "A"}]
        panel["fieldConfig"]["defaults"]["unit"] = unit
        dashboard["panels"].append(panel)
    rendered = Rendered({"checkout": dashboard}, {})
    out = build(demo, tmp_path / "stat", services=["checkout"], rendered=rendered)
    panels, errors = open_in_chromium(out / "checkout.html", tmp_path)
    assert errors == []
    url, end = demo
    for title, (expr, _, suffix, scale) in cases.items():
        (text,) = next(p for p in panels if p["title"] == title)["numtexts"]
        assert re.fullmatch(rf"\d+(\.\d+)?{suffix}", text), (title, text)
        with Server(Transport(url)) as server:
            (series,) = server.query(expr, at=end)
        expected = float(series["value"][1])
        assert float(text.split()[0]) * scale == pytest.approx(expected, rel=0.05), (title, text)


def test_table_panels_are_drawn_with_query_results(
    demo: tuple[str, datetime], tmp_path: Path
) -> None:
    """A Grafana table panel (as grafanalib writes it) shows one row per label set with each
    target's value at the end of the range, in the panel's unit."""
    import grafanalib.core as G

    from obskit.report.rendered import Rendered

    table = G.Table(
        title="Requests by code",
        unit="reqps",
        targets=[
            G.Target(
                expr='sum by (grpc_code)(rate(grpc_server_handled_total{job="checkout"}[5m]))',
                refId="A",
                instant=True,
                format="table",
            ),
            G.Target(
                expr='count by (grpc_code)(grpc_server_handled_total{job="checkout"})',
                refId="B",
                instant=True,
                format="table",
            ),
        ],
        gridPos=G.GridPos(h=8, w=12, x=0, y=100),
    ).to_json_data()
    panel = json.loads(json.dumps(table, default=lambda o: o.to_json_data()))
    panel["id"] = 999
    # checkout's dashboard (its variables) with this panel only: no other query to wait for
    dashboard = json.loads((REPO / "dashboards/checkout.json").read_text())
    dashboard["panels"] = [panel]
    rendered = Rendered({"checkout": dashboard}, {})
    out = build(demo, tmp_path / "table", services=["checkout"], rendered=rendered)
    panels, errors = open_in_chromium(out / "checkout.html", tmp_path)
    assert errors == []
    drawn = next(p for p in panels if p["title"] == "Requests by code")
    header, *rows = drawn["cells"]
    assert header == ["grpc_code", "Value #A", "Value #B"]
    codes = [row[0] for row in rows]
    assert codes == ["Internal", "OK"], rows
    for row in rows:
        assert re.fullmatch(r"\d+(\.\d+)?K? reqps", row[1]), row  # as Grafana: auto decimals
        assert float(row[2].split()[0]) >= 1, row


def test_local_scrape_of_a_real_instrumented_app(tmp_path: Path) -> None:
    """--local --scrape: a throwaway Prometheus scrapes the prometheus_client conformance app
    under traffic (a third of it failing); the page draws its golden signals and SLO panels
    from what was scraped, and the server is gone afterwards."""
    if not (CHROMIUM and shutil.which("prometheus")):
        pytest.skip("needs chromium and prometheus (scripts/install.sh)")
    import yaml
    from conformance.conformance_harness import APPS, Traffic, catalog_document, start_apps
    from typer.testing import CliRunner

    from obskit.cli import app

    spec = next(a for a in APPS if a.source == "prometheus_client_http.py")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.safe_dump(catalog_document("local", [spec])))
    started, failed = start_apps([spec], tmp_path)
    assert not failed, failed
    running = started[spec.service]
    traffic = Traffic([running], rate=20).start()
    traffic.set_routes("ok", "ok", "fail")
    try:
        args = ["report", str(catalog), "--local", "--scrape", running.metrics_target]
        args += ["--collect", "8s", "--scrape-interval", "1s", "-o", str(tmp_path / "out")]
        result = CliRunner().invoke(app, args)
    finally:
        traffic.stop()
        running.stop()
    assert result.exit_code == 0, result.stdout + result.stderr
    pid = re.search(r"local prometheus \(pid (\d+)\)", result.stderr)
    assert pid, result.stderr
    with pytest.raises(ProcessLookupError):  # stopped
        os.kill(int(pid.group(1)), 0)
    page = tmp_path / "out" / f"{spec.service}.html"
    assert f"Data scraped from {running.metrics_target}" in page.read_text()
    panels, errors = open_in_chromium(page, tmp_path)
    assert errors == []
    by_title = {p["title"]: p for p in panels}
    for title in ("Request rate by status", "Error ratio", "Latency p50 / p90 / p99"):
        assert by_title[title]["lines"] >= 1, by_title[title]
    burn = [p for p in panels if p["title"] == "Burn rate over time"]
    assert burn and all(p["lines"] >= 1 for p in burn), burn


def test_without_chromium_report_md_says_why_there_are_no_images(
    demo: tuple[str, datetime], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--base with ads' objective changed, chromium not found: report.md lists the changed
    panels and says in one line why they have no PNG; nothing is left in panels/."""
    from obskit.report import build as build_module

    text = (REPO / "catalog.yaml").read_text()
    head, ads = text.split("  - name: ads\n", 1)
    ads, rest = ads.split("\n  - name: ", 1)
    changed = ads.replace("objective: 98\n", "objective: 97\n", 1)
    assert changed != ads
    (tmp_path / "catalog.yaml").write_text(f"{head}  - name: ads\n{changed}\n  - name: {rest}")
    old = load_catalog(tmp_path / "catalog.yaml")
    monkeypatch.setattr(build_module, "find_chromium", lambda: None)
    out = build(demo, tmp_path / "out", services=["ads"], base=("before", old))
    md = (out / "report.md").read_text()
    assert "- **changed** ads: SLO availability / Burn rate over time" in md, md
    assert md.endswith("\n_No PNG images of the changed panels: chromium is not on PATH._\n")
    assert "![" not in md and not (out / "panels").exists()


def test_slo_overview_table_as_grafana_shows_it(demo: tuple[str, datetime], tmp_path: Path) -> None:
    """--overviews: the SLO overview's table (four instant targets, merge + organize,
    sortBy, coloured columns), as obskit renders it, drawn in chromium from the demo server:
    one row per SLO of the services drawn, columns renamed and ordered, sorted by budget
    left (lowest first), the budget cells coloured by their thresholds."""
    from obskit.report.rendered import Rendered, render_in_memory

    full = render_in_memory(CATALOG)
    slos = full.overviews["slos"]
    # its table only (the stats above it range-query 30d ratios: slow, and drawn elsewhere)
    slos["panels"] = [p for p in slos["panels"] if p["type"] == "table"]
    rendered = Rendered({}, full.rules, {"slos": slos})
    out = build(demo, tmp_path / "ov", services=SERVICES, rendered=rendered, overviews=True)
    panels, errors = open_in_chromium(out / "overview-slos.html", tmp_path)
    assert errors == []
    table = next(p for p in panels if p["type"] == "table")
    header, *rows = table["cells"]
    assert header == [
        "service",
        "slo",
        "team",
        "Objective %",
        "SLI % (SLO window)",
        "Budget left %",
        "Burn rate",
    ]
    objectives = {(r[0], r[1]): r[3] for r in rows}
    assert objectives == {
        ("ads", "availability"): "98.000",
        ("ads", "latency"): "95.000",
        ("checkout", "availability"): "99.900",
        ("checkout", "latency"): "99.000",
    }
    budgets = [float(r[5]) for r in rows]
    assert budgets == sorted(budgets) and rows[0][:2] == ["checkout", "availability"], rows
    assert set(table["coloured"]) >= {r[5] for r in rows}, table["coloured"]
    index = (out / "index.html").read_text()
    assert 'href="overview-slos.html"' in index
