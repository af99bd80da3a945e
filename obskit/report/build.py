"""One report run: query every panel of every service dashboard and write the pages."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from obskit.catalog.model import Catalog
from obskit.preview.connection import Server
from obskit.preview.expand import Expander
from obskit.report.backtests import fired_difference
from obskit.report.data import PanelData, Window, alert_timelines, panel_data
from obskit.report.diff import diff_html, markdown, semantic_diff
from obskit.report.page import PLOTLY_JS, index_page, service_page
from obskit.report.rendered import Rendered, render_in_memory


@dataclass(frozen=True)
class ReportResult:
    """What was written: pages, and the panels drawn with and without data per service."""

    pages: dict[str, Path]
    drawn: dict[str, int]
    empty: dict[str, list[str]]


def write_report(
    catalog: Catalog,
    server: Server,
    window: Window,
    out: Path,
    *,
    services: list[str] | None = None,
    base: tuple[str, Catalog] | None = None,
    note: str = "",
    rendered: Rendered | None = None,
    progress: Callable[[str], None] | None = None,
    shared_js: bool = False,
) -> ReportResult:
    """Write ``out/index.html``, ``out/<service>.html`` and, with ``base`` (a git ref and the
    catalog at it), ``out/report.md``: the semantic diff with the alerts' backtest difference.
    ``shared_js``: one ``out/plotly.min.js`` for every page instead of inlining it in each."""
    rendered = rendered or render_in_memory(catalog)
    out.mkdir(parents=True, exist_ok=True)
    if shared_js:
        from plotly.offline import get_plotlyjs

        (out / PLOTLY_JS).write_text(get_plotlyjs(), encoding="utf-8")
    names = [n for n in rendered.dashboards if not services or n in services]
    note_html = f"<p>{html.escape(note)}</p>" if note else ""
    note_html += f"<p>{window.start:%Y-%m-%d %H:%M} to {window.end:%Y-%m-%d %H:%M} UTC</p>"
    pages: dict[str, Path] = {}
    drawn: dict[str, int] = {}
    empty: dict[str, list[str]] = {}
    for name in names:
        if progress:
            progress(name)
        dashboard = rendered.dashboards[name]
        rules = rendered.rules.get(name)
        expander = Expander(rules.recording if rules else ())
        panels: dict[int, PanelData] = {
            p["id"]: panel_data(server, dashboard, p, expander, window)
            for p in dashboard.get("panels", [])
            if p.get("targets")
        }
        alerts = alert_timelines(server, rules, window) if rules else []
        span = (window.start.timestamp(), window.end.timestamp())
        text = service_page(
            dashboard.get("title", name), dashboard, panels, alerts, note_html, span, shared_js
        )
        pages[name] = out / f"{name}.html"
        pages[name].write_text(text, encoding="utf-8")
        drawn[name] = text.count('data-state="drawn"')
        empty[name] = [
            d.panel.get("title", "") for d in panels.values() if not any(x.values for x in d.lines)
        ]
    section = ""
    if base is not None:
        ref, old = base
        old_rendered = render_in_memory(old)
        diff = semantic_diff((old, old_rendered), (catalog, rendered))
        diff.fired = fired_difference(server, old_rendered, rendered, diff, window)
        section = diff_html(diff, ref)
        (out / "report.md").write_text(markdown(diff, ref), encoding="utf-8")
    rows = [(n, f"{n}.html", drawn[n], len(empty[n])) for n in names]
    (out / "index.html").write_text(index_page(rows, note_html, section), encoding="utf-8")
    return ReportResult(pages, drawn, empty)
