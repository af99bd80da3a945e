"""Backtest: when would an alert have fired over a past range (``for`` honoured)?

The alert's (expanded) expression is evaluated as a range query at ``step``; a series is
active at every step it is present. A run of consecutive active steps becomes a firing
episode once it has lasted ``for`` (Prometheus: pending at the first evaluation that
matches, firing when ``for`` has elapsed since); ``keep_firing_for`` bridges short gaps.
With the default step (the rule interval) this is Prometheus' own arithmetic; with a step
coarser than ``for`` one matching step counts as having held for ``for``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime

from obskit.preview.connection import QueryFailed, Series, Server
from obskit.preview.report import BacktestResult, Episode
from obskit.preview.rules import AlertRule

#: Prometheus refuses range queries of more than 11,000 points per series
MAX_POINTS = 11_000


def choose_step(range_seconds: float, interval: float, step: float | None = None) -> float:
    """``step`` if given, else the rule interval, coarsened to stay under ``MAX_POINTS``."""
    if step:
        return step
    needed = range_seconds / (MAX_POINTS - 1)
    base = max(interval, 1.0)
    return base if needed <= base else math.ceil(needed / base) * base


def runs(timestamps: Iterable[float], step: float) -> list[tuple[float, float]]:
    """Consecutive-step runs ``[(first, last)]`` of sorted sample timestamps."""
    out: list[tuple[float, float]] = []
    for t in sorted(timestamps):
        if out and t - out[-1][1] <= step * 1.5:
            out[-1] = (out[-1][0], t)
        else:
            out.append((t, t))
    return out


def episodes(
    timestamps: Iterable[float],
    step: float,
    for_seconds: float,
    keep_firing_for: float = 0.0,
    *,
    end: float | None = None,
    labels: dict[str, str] | None = None,
) -> list[Episode]:
    """Firing episodes of one series from the timestamps at which its condition held.

    An episode starts when a run has lasted ``for`` and ends one step after its last
    active evaluation (capped at ``end``).
    """
    fired: list[Episode] = []
    for first, last in runs(timestamps, step):
        stop = last + step + keep_firing_for
        if end is not None:
            stop = min(stop, end)
        if fired and first <= fired[-1].end:  # kept firing through the gap
            fired[-1] = Episode(fired[-1].start, max(stop, fired[-1].end), fired[-1].labels)
            continue
        if step <= for_seconds:
            # Prometheus: firing at the first evaluation at least `for` after the first match
            start = first + math.ceil(for_seconds / step - 1e-9) * step
            if start > last:
                continue  # stayed pending
        else:
            # coarser than `for`: a matching step counts as held for the whole `for`
            start = first + for_seconds
        fired.append(Episode(start, max(stop, start), dict(labels or {})))
    return fired


def series_timestamps(series: Series) -> list[float]:
    return [float(t) for t, _ in series.get("values", [])]


def backtest_alert(
    server: Server,
    alert: AlertRule,
    expr: str,
    start: datetime,
    end: datetime,
    step: float,
) -> BacktestResult:
    """Episodes of every series of ``alert`` between ``start`` and ``end``."""
    # start `for` earlier so an episode already pending at `start` is judged fairly
    lead = datetime.fromtimestamp(start.timestamp() - alert.for_seconds, tz=UTC)
    try:
        result = server.query_range(expr, lead, end, step)
    except QueryFailed as exc:
        return BacktestResult(error=str(exc))
    found: list[Episode] = []
    for series in result:
        labels = {k: v for k, v in series.get("metric", {}).items() if k != "__name__"}
        for ep in episodes(
            series_timestamps(series),
            step,
            alert.for_seconds,
            alert.keep_firing_for_seconds,
            end=end.timestamp(),
            labels=labels,
        ):
            if ep.end > start.timestamp():
                found.append(Episode(max(ep.start, start.timestamp()), ep.end, ep.labels))
    found.sort(key=lambda e: (e.start, sorted(e.labels.items())))
    return BacktestResult(episodes=tuple(found))
