"""Plotly figures for Grafana panels: timeseries, stat, alert list (as a timeline)."""

from __future__ import annotations

import html
import math
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go

from obskit.report.data import AlertTimeline, PanelData
from obskit.report.units import format_value, grafana_colour, step_colour
from obskit.report.valueformat import format_unit

#: pixels per gridPos height unit (Grafana uses 30)
ROW_PX = 30
SEVERITY_COLORS = {"critical": "#F2495C", "warning": "#FF9830", "info": "#5794F2"}


#: units whose ticks are round in powers of 1024 (``binaryPrefix``)
BINARY_UNITS = {"bytes", "kbytes", "mbytes", "gbytes", "bits"}


def nice_ticks(values: list[float], count: int = 5, base: int = 1) -> list[float]:
    """About ``count`` round tick values covering ``values``: 1, 2, 2.5, 5 x 10^n apart
    (times a power of ``base``: 1024 for binary units, whose ticks then read 32 MiB, 64 MiB)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return []
    low, high = min(finite), max(finite)
    span = high - low or abs(high) or 1.0
    raw = span / (count - 1)
    top = max(abs(low), abs(high))  # in the unit the formatter picks for the biggest tick
    scale = float(base) ** math.floor(math.log(top, base)) if base > 1 and top >= base else 1.0
    power = scale * 10.0 ** math.floor(math.log10(raw / scale))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step)
    last = math.ceil(high / step)
    if first == last:
        last += 1
    return [round(i * step, 12) for i in range(first, last + 1)]


def tick_text(value: float, unit: str, decimals: int | None, strip: bool = False) -> str:
    """A y tick's label as Grafana's axis writes it: the unit's text, without trailing zeros
    when the field sets no decimals (``0.25``, not ``0.250``)."""
    shown = format_unit(value, unit, decimals)
    if (strip or decimals is None) and "." in shown.text and "e" not in shown.text:
        shown = replace(shown, text=shown.text.rstrip("0").rstrip("."))
    return str(shown)


def tick_texts(ticks: list[float], unit: str, decimals: int | None) -> list[str]:
    """The labels of ``ticks``; without the field's decimals, the fewest that tell adjacent
    ticks apart (Grafana's axis derives them from the tick increment), automatic first."""
    texts = [tick_text(t, unit, decimals) for t in ticks]
    for places in range(11) if decimals is None else ():
        if len(set(texts)) == len(texts):
            break
        texts = [tick_text(t, unit, places, strip=True) for t in ticks]
    return texts


def unit_axis(values: list[float], unit: str, decimals: int | None) -> dict[str, Any]:
    """Plotly y axis with ticks labelled as Grafana labels them in ``unit``."""
    ticks = nice_ticks(values, base=1024 if unit in BINARY_UNITS else 1)
    if not ticks:
        return {}
    return {
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": tick_texts(ticks, unit, decimals),
        "range": [ticks[0], ticks[-1]],
    }


def hover(values: list[float], unit: str, decimals: int | None) -> dict[str, Any]:
    """Scatter options showing each point's value as Grafana writes it on hover."""
    texts = [format_value(v, unit, decimals) if v is not None else "" for v in values]
    return {"customdata": texts, "hovertemplate": "%{x}<br>%{customdata}"}


def indicator_number(value: float, unit: str, decimals: int | None) -> dict[str, Any]:
    """(value, number options) of a plotly Indicator that shows ``value`` as Grafana's text:
    the scaled number with exactly its decimals, the unit's prefix and suffix."""
    shown = format_unit(value, unit, decimals)
    try:
        number = float(shown.text)
    except ValueError:  # NaN, infinity
        return {"value": value, "number": {"valueformat": ""}}
    places = len(shown.text.split(".")[1]) if "." in shown.text else 0
    fmt = "~g" if "e" in shown.text else f".{places}f"
    options = {"valueformat": fmt, "prefix": shown.prefix, "suffix": shown.suffix}
    return {"value": number, "number": options}


def _thresholds(panel: dict[str, Any]) -> list[tuple[float, str]]:
    steps = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds", {}).get("steps", [])
    return [
        (float(s["value"]), grafana_colour(s["color"])) for s in steps if s.get("value") is not None
    ]


def threshold_color(panel: dict[str, Any], value: float) -> str:
    """The colour of the last threshold step at or below ``value``."""
    thresholds = panel.get("fieldConfig", {}).get("defaults", {}).get("thresholds")
    return step_colour(thresholds, value) or "#5794F2"


def _layout(panel: dict[str, Any], height: int) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 30},
        "showlegend": True,
        "legend": {"orientation": "h", "y": -0.25, "font": {"size": 9}},
        "paper_bgcolor": "#181b1f",
        "plot_bgcolor": "#181b1f",
        "font": {"color": "#ccccdc", "size": 10},
        "xaxis": {"type": "date", "gridcolor": "#2c3235"},
        "yaxis": {"gridcolor": "#2c3235"},
    }


def _dates(times: list[float]) -> list[str]:
    return [datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M:%S") for t in times]


def timeseries(data: PanelData, height: int) -> go.Figure:
    """Lines of every series, y axis in the panel's unit, absolute thresholds as dashed lines."""
    panel = data.panel
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    unit, decimals = defaults.get("unit", ""), defaults.get("decimals")
    figure = go.Figure(layout=_layout(panel, height))
    for line in data.lines:
        figure.add_trace(
            go.Scatter(
                x=_dates(line.times),
                y=line.values,
                mode="lines",
                name=line.name or "value",
                **hover(line.values, unit, decimals),
            )
        )
    figure.update_yaxes(
        **unit_axis([v for line in data.lines for v in line.values], unit, decimals)
    )
    for value, color in _thresholds(panel):
        if (
            len(_thresholds(panel)) > 0
            and panel.get("fieldConfig", {})
            .get("defaults", {})
            .get("custom", {})
            .get("thresholdsStyle", {})
            .get("mode", "off")
            != "off"
        ):
            figure.add_hline(y=value, line_dash="dash", line_color=color)
    return figure


def stat(data: PanelData, height: int) -> go.Figure:
    """The last value of each series as a coloured number over its sparkline."""
    panel = data.panel
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    unit, decimals = defaults.get("unit", ""), defaults.get("decimals")
    figure = go.Figure(layout=_layout(panel, height))
    figure.update_layout(showlegend=False, margin={"l": 5, "r": 5, "t": 5, "b": 5})
    count = max(len(data.lines), 1)
    for i, line in enumerate(data.lines):
        last = next((v for v in reversed(line.values) if v == v), float("nan"))
        color = threshold_color(panel, last)
        domain = {"x": [i / count, (i + 1) / count], "y": [0.35, 1]}
        shown = indicator_number(last, unit, decimals)
        figure.add_trace(
            go.Indicator(
                mode="number",
                value=shown["value"],
                number={**shown["number"], "font": {"color": color, "size": 28}},
                title={"text": line.name, "font": {"size": 9}},
                domain=domain,
            )
        )
        figure.add_trace(
            go.Scatter(
                x=_dates(line.times),
                y=line.values,
                mode="lines",
                fill="tozeroy",
                line={"color": color},
                **hover(line.values, unit, decimals),
                xaxis="x",
                yaxis="y",
            )
        )
    figure.update_layout(
        xaxis={"domain": [0, 1], "visible": False},
        yaxis={"domain": [0, 0.3], "visible": False},
    )
    if data.span:  # drawn over its own range (the SLO window): show it, and say so
        figure.update_layout(
            xaxis={"visible": True, "range": _dates(list(data.span)), "tickfont": {"size": 8}},
            margin={"l": 5, "r": 5, "t": 5, "b": 20},
        )
    if data.note:
        figure.add_annotation(
            text=html.escape(data.note).replace("\n", "<br>"),
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.33,
            showarrow=False,
            font={"size": 8, "color": "#8e8e8e"},
        )
    return figure


def alert_timeline(
    alerts: list[AlertTimeline], height: int, span: tuple[float, float]
) -> go.Figure:
    """One bar per alert and episode: when it would have fired (the backtest)."""
    figure = go.Figure(layout=_layout({}, height))
    figure.update_layout(showlegend=False, margin={"l": 220, "r": 10, "t": 10, "b": 30})
    names = [a.name for a in alerts]
    for alert in alerts:
        color = SEVERITY_COLORS.get(alert.severity, "#5794F2")
        xs: list[str | None] = []
        ys: list[str | None] = []
        for start, end in alert.spans:
            xs += [*_dates([start, end]), None]
            ys += [alert.name, alert.name, None]
        # a quiet alert still gets its row: an invisible marker at no time
        figure.add_trace(
            go.Scatter(
                x=xs or [None],
                y=ys or [alert.name],
                mode="lines",
                line={"color": color, "width": 10},
                name=alert.name,
                connectgaps=False,
            )
        )
    figure.update_yaxes(categoryorder="array", categoryarray=names[::-1], type="category")
    figure.update_xaxes(range=_dates(list(span)))
    return figure
