"""Now: evaluate an alert's (expanded) expression at the current time, ``for`` honoured.

A series that matches now is *firing* when it has matched at every evaluation for the
alert's ``for`` (checked with a range query over that span at the rule interval), else
*pending*. For an inactive alert the left side of its comparison is queried too, so the
reader sees how far the value is from the threshold.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from obskit.preview.backtest import episodes, series_timestamps
from obskit.preview.connection import QueryFailed, Series, Server
from obskit.preview.promql_text import TextError, strip_comments, top_level_split, unwrap_parens
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

    ``a > x and b > y`` and ``(...) or (...)`` follow their first operand; the text is cut
    from the alert's own (so escapes stay exactly as written).
    """
    try:
        text = unwrap_parens(strip_comments(expr))
        for _ in range(20):
            ops = top_level_split(text)
            for group in (("or",), ("and", "unless")):
                first = next((o for o in ops if o[0] in group), None)
                if first:
                    text = unwrap_parens(text[: first[1]])
                    break
            else:
                comparison = next((o for o in ops if o[0] in COMPARISONS), None)
                if comparison is None or re.match(r"\s*bool\b", text[comparison[2] :]):
                    return None
                lhs = text[: comparison[1]].strip()
                parse_promql(lhs)
                return lhs
    except (TextError, PromQLError):
        return None
    return None


def _firing_keys(
    server: Server, alert: AlertRule, expr: str, at: datetime
) -> dict[tuple[tuple[str, str], ...], dict[str, str]]:
    """Series firing at ``at`` (``for`` and ``keep_firing_for`` applied): key -> labels."""
    step = alert.interval
    span = alert.for_seconds + alert.keep_firing_for_seconds
    start = datetime.fromtimestamp(at.timestamp() - (math.ceil(span / step) + 2) * step, tz=UTC)
    firing = {}
    for series in server.query_range(expr, start, at, step):
        labels = {k: v for k, v in series.get("metric", {}).items() if k != "__name__"}
        found = episodes(
            series_timestamps(series), step, alert.for_seconds, alert.keep_firing_for_seconds
        )
        # firing now: an episode that has started and has not ended by `at`
        if any(e.start <= at.timestamp() < e.end for e in found):
            firing[_key(labels)] = labels
    return firing


def evaluate_now(server: Server, alert: AlertRule, expr: str, at: datetime) -> NowResult:
    """The alert's state at ``at`` (query failures become an ``error`` state).

    ``firing``: some series has matched for ``for`` (or is kept firing by
    ``keep_firing_for``); ``pending``: some series matches, none for long enough.
    """
    try:
        current = server.query(expr, at)
        values = _samples(current)
        if current and alert.for_seconds <= 0:
            return NowResult("firing", values=values)
        if current or alert.keep_firing_for_seconds > 0:
            firing = _firing_keys(server, alert, expr, at)
            if firing:
                return NowResult("firing", values=values)
            if current:
                return NowResult("pending", values=values)
        lhs = observed_expr(expr)
        observed = _samples(server.query(lhs, at)) if lhs else ()
        return NowResult("inactive", observed=observed)
    except QueryFailed as exc:
        return NowResult("error", error=str(exc))
