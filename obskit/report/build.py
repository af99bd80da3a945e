"""One report run: query every panel of every service dashboard and write the pages."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from obskit.catalog.model import Catalog
from obskit.preview.connection import Server
from obskit.preview.expand import Expander
from obskit.report.data import PanelData, Window, alert_timelines, panel_data
from obskit.report.diff import Diff, diff_html, markdown
from obskit.report.page import index_page, service_page
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
    diff: tuple[Diff, str] | None = None,
    note: str = "",
    rendered: Rendered | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReportResult:
    """Write ``out/index.html``, ``out/<service>.html`` (and ``out/report.md`` with ``diff``)."""
    rendered = rendered or render_in_memory(catalog)
    out.mkdir(parents=True, exist_ok=True)
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
            dashboard.get("title", name), dashboard, panels, alerts, note_html, span
        )
        pages[name] = out / f"{name}.html"
        pages[name].write_text(text, encoding="utf-8")
        drawn[name] = text.count('data-state="drawn"')
        empty[name] = [
            d.panel.get("title", "") for d in panels.values() if not any(x.values for x in d.lines)
        ]
    section = ""
    if diff is not None:
        section = diff_html(*diff)
        (out / "report.md").write_text(markdown(*diff), encoding="utf-8")
    rows = [(n, f"{n}.html", drawn[n], len(empty[n])) for n in names]
    (out / "index.html").write_text(index_page(rows, note_html, section), encoding="utf-8")
    return ReportResult(pages, drawn, empty)
