"""Now: evaluate an alert's (expanded) expression at the current time, ``for`` honoured.

A series that matches now is *firing* when it has matched at every evaluation for the
alert's ``for`` (checked with a range query over that span at the rule interval), else
*pending*. For an inactive alert the left side of its comparison is queried too, so the
reader sees how far the value is from the threshold.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import promql_parser as pp

from obskit.preview.backtest import runs, series_timestamps
from obskit.preview.connection import QueryFailed, Series, Server
from obskit.preview.report import NowResult, Sample
from obskit.preview.rules import AlertRule
from obskit.promql import PromQLError, parse_promql

COMPARISONS = {"==", "!=", ">", "<", ">=", "<="}
#: at most this many series are kept per alert in the result
MAX_SAMPLES = 10


def _key(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in labels.items() if k != "__name__"))


def _samples(result: list[Series]) -> tuple[Sample, ...]:
    out = []
    for series in result[:MAX_SAMPLES]:
        labels = {k: v for k, v in series.get("metric", {}).items() if k != "__name__"}
        out.append(Sample(labels, float(series["value"][1])))
    return tuple(sorted(out, key=lambda s: _key(s.labels)))


def observed_expr(expr: str) -> str | None:
    """The quantity an alert compares: the left side of its (first) comparison.

    ``a > x and b > y`` and ``(...) or (...)`` follow their first operand.
    """
    try:
        node = parse_promql(expr)
    except PromQLError:
        return None
    while True:
        while isinstance(node, pp.ParenExpr):
            node = node.expr
        if not isinstance(node, pp.BinaryExpr):
            return None
        op = str(node.op)
        if op in COMPARISONS and not (node.modifier and node.modifier.return_bool):
            return str(node.lhs)
        if op in {"and", "unless", "or"}:
            node = node.lhs
            continue
        return None


def _firing_keys(
    server: Server, alert: AlertRule, expr: str, at: datetime
) -> set[tuple[tuple[str, str], ...]]:
    """Series whose condition has held for the whole ``for`` up to ``at``."""
    step = alert.interval
    points = math.ceil(alert.for_seconds / step) + 1
    start = datetime.fromtimestamp(at.timestamp() - points * step, tz=UTC)
    firing = set()
    for series in server.query_range(expr, start, at, step):
        spans = runs(series_timestamps(series), step)
        if not spans:
            continue
        first, last = spans[-1]
        if at.timestamp() - last <= step * 0.5 and last - first >= alert.for_seconds:
            firing.add(_key(series.get("metric", {})))
    return firing


def evaluate_now(server: Server, alert: AlertRule, expr: str, at: datetime) -> NowResult:
    """The alert's state at ``at`` (query failures become an ``error`` state)."""
    try:
        current = server.query(expr, at)
        if not current:
            lhs = observed_expr(expr)
            observed = _samples(server.query(lhs, at)) if lhs else ()
            return NowResult("inactive", observed=observed)
        values = _samples(current)
        if alert.for_seconds <= 0:
            return NowResult("firing", values=values)
        firing = _firing_keys(server, alert, expr, at)
        held = any(_key(s.get("metric", {})) in firing for s in current)
        return NowResult("firing" if held else "pending", values=values)
    except QueryFailed as exc:
        return NowResult("error", error=str(exc))
