"""How far back the server's data reaches: retention setting and oldest sample."""

from __future__ import annotations

from datetime import UTC, datetime

from obskit.catalog.durations import format_duration, parse_duration
from obskit.preview.connection import QueryFailed, Server

#: Prometheus' retention when neither time nor size is set
DEFAULT_RETENTION = "15d"


def parse_retention(text: str) -> float | None:
    """Seconds of time-based retention in ``15d``, ``15d or 10GiB``, ``10GiB`` (None)."""
    for part in str(text).split(" or "):
        try:
            seconds = parse_duration(part.strip())
        except ValueError:
            continue
        return seconds or None
    return None


def retention_seconds(server: Server) -> float | None:
    """The time-based retention (runtimeinfo, else the flag), None if unknown or size-only."""
    try:
        info = server.api_get("status/runtimeinfo")
        found = parse_retention(info.get("storageRetention", ""))
        if found:
            return found
    except QueryFailed:
        pass
    try:
        flags = server.api_get("status/flags")
    except QueryFailed:
        return None
    value = flags.get("storage.tsdb.retention.time", "0s")
    if value in ("", "0s") and flags.get("storage.tsdb.retention.size", "0B") in ("", "0B", "0"):
        value = DEFAULT_RETENTION
    return parse_retention(value)


def oldest_sample(server: Server) -> float | None:
    """Unix time of the oldest sample, when the server scrapes its own TSDB metrics."""
    try:
        result = server.query("min(prometheus_tsdb_lowest_timestamp_seconds)")
    except QueryFailed:
        return None
    return float(result[0]["value"][1]) if result else None


def retention_warnings(server: Server, since_seconds: float, at: datetime) -> list[str]:
    """Warnings when ``--since`` reaches further back than the server keeps data."""
    out: list[str] = []
    since = format_duration(since_seconds)
    kept = retention_seconds(server)
    if kept and since_seconds > kept:
        out.append(
            f"--since {since} exceeds the server's retention ({format_duration(kept)}): "
            "the backtest only sees the retained part"
        )
    oldest = oldest_sample(server)
    start = at.timestamp() - since_seconds
    if oldest and oldest > start + 60:
        when = datetime.fromtimestamp(oldest, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
        out.append(
            f"--since {since} starts before the oldest sample ({when}): "
            "the backtest only sees the part with data"
        )
    return out


def data_start(
    server: Server, selector: str, start: datetime, end: datetime, step: float
) -> float | None:
    """Unix time of the first step at which ``selector`` has data in the range (None: none)."""
    try:
        result = server.query_range(f"count({selector})", start, end, step)
    except QueryFailed:
        return None
    times = [float(t) for series in result for t, _ in series.get("values", [])]
    return min(times) if times else None
