"""HTML pages: a service dashboard in its gridPos layout, and the index."""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go

from obskit.report.charts import ROW_PX, alert_timeline, stat, timeseries
from obskit.report.data import AlertTimeline, PanelData

STYLE = """
body{background:#111217;color:#ccccdc;font-family:sans-serif;margin:16px}
a{color:#6e9fff}
.grid{display:grid;grid-template-columns:repeat(24,1fr);grid-auto-rows:ROWpx;gap:6px}
.panel{background:#181b1f;border:1px solid #2c3235;overflow:hidden;
  display:flex;flex-direction:column}
.panel h3{font-size:12px;margin:4px 8px}
.row{border:none;background:none;font-weight:bold;padding-top:6px}
.nodata{margin:auto;color:#8e8e8e}.errors{color:#F2495C;font-size:11px}
.text{font-size:12px;padding:0 8px;white-space:pre-wrap}
table{border-collapse:collapse}td,th{border:1px solid #2c3235;padding:4px 8px;text-align:left}
""".replace("ROW", str(ROW_PX - 6))


def _figure_html(figure: go.Figure, div_id: str, first: bool) -> str:
    return figure.to_html(
        full_html=False,
        include_plotlyjs=first,
        div_id=div_id,
        config={"displayModeBar": False, "responsive": True},
    )


#: the file the pages load plotly.js from with ``shared_js``
PLOTLY_JS = "plotly.min.js"


class _Plots:
    """Figures of one page: plotly.js is inlined with the first only (or loaded from
    :data:`PLOTLY_JS` beside the page with ``shared_js``)."""

    def __init__(self, shared_js: bool) -> None:
        self.count = 0
        self.shared_js = shared_js

    def add(self, figure: go.Figure) -> str:
        self.count += 1
        return _figure_html(figure, f"plot-{self.count}", self.count == 1 and not self.shared_js)


def _panel_body(
    data: PanelData | None,
    panel: dict[str, Any],
    alerts: list[AlertTimeline],
    plots: _Plots,
    span: tuple[float, float],
) -> tuple[str, str]:
    """(state, inner HTML); state is ``drawn``, ``nodata`` or ``text``."""
    kind = panel.get("type")
    height = panel.get("gridPos", {}).get("h", 8) * ROW_PX - 30
    if kind == "text":
        content = panel.get("options", {}).get("content", "")
        return "text", f'<div class="text">{html.escape(content)}</div>'
    if kind == "alertlist":
        if not alerts:
            return "nodata", '<div class="nodata">No alerts</div>'
        return "drawn", plots.add(alert_timeline(alerts, height, span))
    assert data is not None
    errors = "".join(f'<div class="errors">{html.escape(e)}</div>' for e in data.errors)
    if not any(line.values for line in data.lines):
        no_value = panel.get("fieldConfig", {}).get("defaults", {}).get("noValue") or "No data"
        return "nodata", f'<div class="nodata">{html.escape(no_value)}</div>{errors}'
    figure = stat(data, height) if kind == "stat" else timeseries(data, height)
    return "drawn", plots.add(figure) + errors


def service_page(
    title: str,
    dashboard: dict[str, Any],
    panels: dict[int, PanelData],
    alerts: list[AlertTimeline],
    note: str,
    span: tuple[float, float],
    shared_js: bool = False,
) -> str:
    """One self-contained page: every panel at its gridPos, drawn with its data."""
    plots = _Plots(shared_js)
    cells: list[str] = []
    for panel in dashboard.get("panels", []):
        pos = panel.get("gridPos", {})
        style = (
            f"grid-column:{pos.get('x', 0) + 1}/span {pos.get('w', 24)};"
            f"grid-row:{pos.get('y', 0) + 1}/span {pos.get('h', 8)}"
        )
        name = html.escape(panel.get("title", ""))
        if panel.get("type") == "row":
            cells.append(f'<div class="panel row" data-type="row" style="{style}">{name}</div>')
            continue
        state, body = _panel_body(panels.get(panel.get("id", -1)), panel, alerts, plots, span)
        cells.append(
            f'<div class="panel" data-type="{html.escape(str(panel.get("type")))}" '
            f'data-state="{state}" data-title="{name}" style="{style}"><h3>{name}</h3>'
            f"{body}</div>"
        )
    return _page(
        html.escape(title),
        f'<script src="{PLOTLY_JS}"></script>' if shared_js else "",
        f'<p><a href="index.html">← index</a></p>{note}<div class="grid">{"".join(cells)}</div>',
    )


def index_page(rows: list[tuple[str, str, int, int]], note: str, diff_html: str) -> str:
    """Links to every service page with its panel counts, and the diff."""
    body = "".join(
        f'<tr><td><a href="{html.escape(href)}">{html.escape(name)}</a></td>'
        f"<td>{drawn}</td><td>{nodata}</td></tr>"
        for name, href, drawn, nodata in rows
    )
    table = (
        f"<table><tr><th>service</th><th>panels with data</th><th>without</th></tr>{body}</table>"
    )
    return _page("obskit report", "", f"{note}{diff_html}<h2>Dashboards</h2>{table}")


def _page(title: str, head: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style>{head}</head>"
        f"<body><h1>{title}</h1>{body}</body></html>\n"
    )
