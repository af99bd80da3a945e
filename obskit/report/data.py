"""Query the data each panel of a rendered dashboard draws."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from obskit.preview.backtest import backtest_alert
from obskit.preview.connection import Server, ServerError
from obskit.preview.expand import Expander, ExpandError
from obskit.preview.rules import RuleSet
from obskit.report.variables import builtins, dashboard_values, drop_match_all, substitute

#: points per range query
POINTS = 240


@dataclass
class Line:
    """One series of a panel: legend name, unix times and values."""

    name: str
    times: list[float]
    values: list[float]


@dataclass
class PanelData:
    """A panel with the series of its targets (or the error querying them)."""

    panel: dict[str, Any]
    lines: list[Line] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class AlertTimeline:
    """When an alert would have fired over the range (backtest episodes)."""

    name: str
    severity: str
    spans: list[tuple[float, float]]
    error: str | None = None


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def step(self) -> float:
        return max(30.0, round(self.seconds / POINTS / 30) * 30)


def legend(fmt: str, labels: dict[str, str]) -> str:
    """Grafana's ``{{label}}`` legend format; without one, the label set."""
    if fmt:
        out = fmt
        for key, value in labels.items():
            out = out.replace("{{" + key + "}}", value).replace("{{ " + key + " }}", value)
        return out
    shown = {k: v for k, v in labels.items() if k != "__name__"}
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(shown.items())) + "}" if shown else ""


def panel_data(
    server: Server,
    dashboard: dict[str, Any],
    panel: dict[str, Any],
    expander: Expander,
    window: Window,
) -> PanelData:
    """Range-query every target of ``panel`` (variables substituted, recorded series expanded
    so a server without the rules yet still answers)."""
    values = {**dashboard_values(dashboard), **builtins(window.step, window.seconds)}
    out = PanelData(panel)
    for target in panel.get("targets", []):
        expr = drop_match_all(substitute(target.get("expr", ""), values))
        if not expr.strip():
            continue
        with contextlib.suppress(ExpandError):  # else: query the recorded series as they are
            expr = expander.expand(expr)
        try:
            result = server.query_range(expr, window.start, window.end, window.step)
        except ServerError as exc:
            out.errors.append(str(exc))
            continue
        for series in result:
            points = [(float(t), float(v)) for t, v in series.get("values", [])]
            out.lines.append(
                Line(
                    legend(target.get("legendFormat", ""), series.get("metric", {})),
                    [t for t, _ in points],
                    [v for _, v in points],
                )
            )
    return out


def alert_timelines(server: Server, rules: RuleSet, window: Window) -> list[AlertTimeline]:
    """Each alert of the service, backtested over ``window`` with recorded series expanded."""
    expander = Expander(rules.recording)
    out: list[AlertTimeline] = []
    for alert in sorted(rules.alerts, key=lambda a: a.alert):
        try:
            expr = expander.expand(alert.expr)
        except ExpandError as exc:
            out.append(AlertTimeline(alert.alert, alert.severity, [], str(exc)))
            continue
        result = backtest_alert(server, alert, expr, window.start, window.end, window.step)
        spans = [(e.start, e.end) for e in result.episodes]
        out.append(AlertTimeline(alert.alert, alert.severity, spans, result.error))
    return out


def window_until(end: datetime | None, seconds: float) -> Window:
    end = end or datetime.now(tz=UTC)
    return Window(datetime.fromtimestamp(end.timestamp() - seconds, tz=UTC), end)
