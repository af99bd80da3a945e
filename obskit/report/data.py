"""Query the data each panel of a rendered dashboard draws."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from obskit.catalog.durations import format_duration
from obskit.preview.backtest import backtest_alert
from obskit.preview.connection import Server, ServerError
from obskit.preview.expand import Expander, ExpandError
from obskit.preview.rules import RuleSet
from obskit.report.tables import Table, build_table, value_column
from obskit.report.variables import builtins, dashboard_values, drop_match_all, substitute
from obskit.slo_names import BUDGET_REMAINING

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
    #: table panels: what the table shows
    table: Table | None = None
    #: drawn over another range than the report's (the SLO window): what to say, and the
    #: range (unix seconds)
    note: str = ""
    span: tuple[float, float] | None = None

    @property
    def has_data(self) -> bool:
        return bool(self.table and self.table.rows) or any(line.values for line in self.lines)


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
    #: the smallest step, and steps are its multiples (the scrape interval)
    min_step: float = 30.0

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @property
    def step(self) -> float:
        return max(self.min_step, round(self.seconds / POINTS / self.min_step) * self.min_step)


_LEGEND_LABEL = re.compile(r"\{\{\s*(.+?)\s*\}\}")


def legend(fmt: str, labels: dict[str, str]) -> str:
    """Grafana's ``{{label}}`` legend format (its backend's: a label the series lacks is
    empty, so ``p99 {{cluster}}`` is ``p99`` on one Prometheus), trimmed; without one, the
    label set."""
    if fmt:
        return _LEGEND_LABEL.sub(lambda m: labels.get(m.group(1), ""), fmt).strip()
    shown = {k: v for k, v in labels.items() if k != "__name__"}
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(shown.items())) + "}" if shown else ""


def query_text(dashboard: dict[str, Any], expr: str, expander: Expander, window: Window) -> str:
    """A target's PromQL as sent: variables substituted (as Grafana would over ``window``),
    recorded series expanded so a server without the rules yet still answers."""
    step, seconds = window.step, window.seconds
    values = {**dashboard_values(dashboard), **builtins(step, seconds, window.min_step)}
    expr = drop_match_all(substitute(expr, values))
    with contextlib.suppress(ExpandError):  # else: query the recorded series as they are
        expr = expander.expand(expr)
    return expr


def _answers(
    out: PanelData,
    dashboard: dict[str, Any],
    targets: list[dict[str, Any]],
    expander: Expander,
    window: Window,
    ask: Callable[[str], list[dict[str, Any]]],
) -> Iterator[tuple[int, dict[str, Any], list[dict[str, Any]]]]:
    """(index, target, result) of each target's query; a server error goes to ``out.errors``."""
    for i, target in enumerate(targets):
        expr = query_text(dashboard, target["expr"], expander, window)
        if not expr.strip():
            continue
        try:
            result = ask(expr)
        except ServerError as exc:
            out.errors.append(str(exc))
            continue
        yield i, target, result


def panel_data(
    server: Server,
    dashboard: dict[str, Any],
    panel: dict[str, Any],
    expander: Expander,
    window: Window,
) -> PanelData:
    """Range-query every target of ``panel`` (variables substituted, recorded series expanded
    so a server without the rules yet still answers)."""
    out = PanelData(panel)
    targets = [t for t in panel.get("targets", []) if t.get("expr", "").strip()]

    def ask(expr: str) -> list[dict[str, Any]]:
        return server.query_range(expr, window.start, window.end, window.step)

    for _, target, result in _answers(out, dashboard, targets, expander, window, ask):
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


def table_data(
    server: Server,
    dashboard: dict[str, Any],
    panel: dict[str, Any],
    expander: Expander,
    window: Window,
) -> PanelData:
    """A table panel as Grafana draws Prometheus instant queries (:mod:`.tables`): each
    target queried at the end of the range, merged by labels, organized and sorted."""
    out = PanelData(panel)
    targets = [t for t in panel.get("targets", []) if t.get("expr", "").strip()]

    def ask(expr: str) -> list[dict[str, Any]]:
        return server.query(expr, window.end)

    results = [
        (value_column(target, i, len(targets)), result)
        for i, target, result in _answers(out, dashboard, targets, expander, window, ask)
    ]
    out.table = build_table(panel, results)
    return out


def slo_window_of(panel: dict[str, Any], windows: dict[str, float]) -> float | None:
    """Seconds of the SLO window a budget panel (one querying the budget-remaining series)
    is drawn over: the SLO named by its ``slo="..."`` selector; None for other panels."""
    exprs = " ".join(t.get("expr", "") for t in panel.get("targets", []))
    if BUDGET_REMAINING not in exprs:
        return None
    found = re.search(r'\bslo="([^"]+)"', exprs)
    return windows.get(found.group(1)) if found else None


def budget_data(
    server: Server,
    dashboard: dict[str, Any],
    panel: dict[str, Any],
    expander: Expander,
    end: datetime,
    seconds: float,
) -> PanelData:
    """A budget panel drawn over the SLO's whole window (``seconds`` up to ``end``, about
    :data:`POINTS` points), with a note saying so, or how much of it the server holds."""
    window = window_until(end, seconds)
    out = panel_data(server, dashboard, panel, expander, window)
    out.span = (window.start.timestamp(), window.end.timestamp())
    label = format_duration(seconds)
    first = min((t for line in out.lines for t in line.times), default=None)
    if first is not None and first > window.start.timestamp() + 2 * window.step:
        since = datetime.fromtimestamp(first, tz=UTC).strftime("%m-%d %H:%M")
        out.note = f"{label} SLO window;\nserver data since {since} only"
    else:
        out.note = f"burn-down over the\n{label} SLO window"
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


def window_until(end: datetime | None, seconds: float, min_step: float = 30.0) -> Window:
    end = end or datetime.now(tz=UTC)
    return Window(datetime.fromtimestamp(end.timestamp() - seconds, tz=UTC), end, min_step)
