"""One report run: query every panel of every service dashboard and write the pages."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obskit.catalog.durations import parse_duration
from obskit.catalog.model import Catalog
from obskit.preview.connection import Server
from obskit.preview.expand import Expander
from obskit.report.backtests import fired_difference
from obskit.report.data import (
    AlertTimeline,
    PanelData,
    Window,
    alert_timelines,
    budget_data,
    panel_data,
    slo_window_of,
    table_data,
)
from obskit.report.diff import MD_LIMIT, Diff, diff_html, keyed_panels, markdown, semantic_diff
from obskit.report.images import COLUMN_PX, ImageError, PanelShot, find_chromium, write_images
from obskit.report.page import PLOTLY_JS, index_page, panel_page, service_page
from obskit.report.rendered import Rendered, render_in_memory


@dataclass(frozen=True)
class ReportResult:
    """What was written: pages, and the panels drawn with and without data per service."""

    pages: dict[str, Path]
    drawn: dict[str, int]
    empty: dict[str, list[str]]


#: file name prefix of the overview dashboards' pages
OVERVIEW_PREFIX = "overview-"

#: a service's panels with their data by panel id, and its alerts' backtests
ServiceData = tuple[dict[int, PanelData], list[AlertTimeline]]


def slo_windows(catalog: Catalog, name: str) -> dict[str, float]:
    """``{slo name: window seconds}`` of service ``name``."""
    service = next((s for s in catalog.services if s.name == name), None)
    return {slo.name: parse_duration(str(slo.window)) for slo in service.slos} if service else {}


def dashboard_data(
    server: Server,
    dashboard: dict[str, Any],
    expander: Expander,
    window: Window,
    windows: dict[str, float],
) -> dict[int, PanelData]:
    """Query every panel of ``dashboard`` over ``window`` (tables at its end, error budgets
    over their SLO's ``windows``), by panel id."""
    panels: dict[int, PanelData] = {}
    for p in dashboard.get("panels", []):
        if not p.get("targets"):
            continue
        seconds = slo_window_of(p, windows)
        if p.get("type") == "table":
            panels[p["id"]] = table_data(server, dashboard, p, expander, window)
        elif seconds:
            panels[p["id"]] = budget_data(server, dashboard, p, expander, window.end, seconds)
        else:
            panels[p["id"]] = panel_data(server, dashboard, p, expander, window)
    return panels


def service_data(
    server: Server, rendered: Rendered, name: str, window: Window, windows: dict[str, float]
) -> ServiceData:
    """The panels of ``name``'s dashboard with their data, and its alerts backtested."""
    rules = rendered.rules.get(name)
    expander = Expander(rules.recording if rules else ())
    panels = dashboard_data(server, rendered.dashboards[name], expander, window, windows)
    return panels, alert_timelines(server, rules, window) if rules else []


def panel_shots(
    diff: Diff,
    rendered: Rendered,
    window: Window,
    data: Callable[[str], ServiceData],
    limit: int = MD_LIMIT,
) -> list[PanelShot]:
    """A one-panel page for each panel added or changed in ``diff`` that report.md lists
    (``limit`` per verb, in its order)."""
    keyed = keyed_panels(rendered)
    span = (window.start.timestamp(), window.end.timestamp())
    shots: list[PanelShot] = []
    for key in [*diff.panels.added[:limit], *diff.panels.changed[:limit]]:
        if key not in keyed:
            continue
        service, panel = keyed[key]
        panels, alerts = data(service)
        width = panel.get("gridPos", {}).get("w", 24) * COLUMN_PX
        text, height = panel_page(panel, panels.get(panel.get("id", -1)), alerts, span, width)
        shots.append(PanelShot(key, text, width, height))
    return shots


def _images(shots: list[PanelShot], out: Path, chromium: str) -> tuple[dict[str, str], str]:
    """(``{panel key: relative PNG path}``, why there are none)."""
    try:
        return write_images(shots, out, chromium), ""
    except ImageError as exc:
        return {}, str(exc)


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
    images: bool = True,
    overviews: bool = False,
) -> ReportResult:
    """Write ``out/index.html``, ``out/<service>.html`` and, with ``base`` (a git ref and the
    catalog at it), ``out/report.md``: the semantic diff with the alerts' backtest difference.
    ``shared_js``: one ``out/plotly.min.js`` for every page instead of inlining it in each.
    ``images``: with ``base``, a PNG of each added or changed panel under ``out/panels/``
    (needs chromium), shown in report.md. ``overviews``: also ``out/overview-<name>.html`` for
    the team, fleet and SLO overview dashboards."""
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
    span = (window.start.timestamp(), window.end.timestamp())

    def write_page(
        key: str,
        dashboard: dict[str, Any],
        panels: dict[int, PanelData],
        alerts: list[AlertTimeline],
    ) -> None:
        title = dashboard.get("title", key)
        text = service_page(title, dashboard, panels, alerts, note_html, span, shared_js)
        pages[key] = out / f"{key}.html"
        pages[key].write_text(text, encoding="utf-8")
        drawn[key] = text.count('data-state="drawn"')
        empty[key] = [d.panel.get("title", "") for d in panels.values() if not d.has_data]

    drawn_data: dict[str, ServiceData] = {}
    for name in names:
        if progress:
            progress(name)
        drawn_data[name] = service_data(server, rendered, name, window, slo_windows(catalog, name))
        write_page(name, rendered.dashboards[name], *drawn_data[name])
    if overviews and rendered.overviews:
        # their queries span services: the drawn services' recording rules expand them
        drawn_rules = [r for n, r in rendered.rules.items() if not services or n in services]
        expander = Expander(r for rules in drawn_rules for r in rules.recording)
        for name, dashboard in rendered.overviews.items():
            if progress:
                progress(f"overview {name}")
            panels = dashboard_data(server, dashboard, expander, window, {})
            write_page(f"{OVERVIEW_PREFIX}{name}", dashboard, panels, [])
            names.append(f"{OVERVIEW_PREFIX}{name}")
    section = ""
    if base is not None:
        ref, old = base
        old_rendered = render_in_memory(old)
        diff = semantic_diff((old, old_rendered), (catalog, rendered))
        diff.fired = fired_difference(server, old_rendered, rendered, diff, window)
        section = diff_html(diff, ref)

        def data_of(name: str) -> ServiceData:  # services not drawn are queried once
            if name not in drawn_data:
                windows = slo_windows(catalog, name)
                drawn_data[name] = service_data(server, rendered, name, window, windows)
            return drawn_data[name]

        chromium = find_chromium() if images else None
        shots = panel_shots(diff, rendered, window, data_of) if chromium else []
        pngs, why_not = _images(shots, out, chromium) if chromium and shots else ({}, "")
        if images and not chromium and (diff.panels.added or diff.panels.changed):
            why_not = "chromium is not on PATH"
        text = markdown(diff, ref, images=pngs)
        if why_not:
            text += f"\n_No PNG images of the changed panels: {why_not}._\n"
        (out / "report.md").write_text(text, encoding="utf-8")
    rows = [(n, f"{n}.html", drawn[n], len(empty[n])) for n in names]
    (out / "index.html").write_text(index_page(rows, note_html, section), encoding="utf-8")
    return ReportResult(pages, drawn, empty)
