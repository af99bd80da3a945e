"""How often each added, removed or changed alert would have fired, before and after."""

from __future__ import annotations

from obskit.catalog.durations import format_duration
from obskit.preview.backtest import backtest_alert
from obskit.preview.connection import Server
from obskit.preview.expand import Expander, ExpandError
from obskit.report.data import Window
from obskit.report.diff import Diff, alert_key
from obskit.report.rendered import Rendered


def fired_count(server: Server, rendered: Rendered, key: str, window: Window) -> int | None:
    """Episodes of alert ``service/name`` over ``window`` (None: absent or not evaluable)."""
    service, name = key.split("/", 1)
    rules = rendered.rules.get(service)
    alert = next((a for a in rules.alerts if a.alert == name), None) if rules else None
    if alert is None or rules is None:
        return None
    try:
        expr = Expander(rules.recording).expand(alert.expr)
    except ExpandError:
        return None
    result = backtest_alert(server, alert, expr, window.start, window.end, window.step)
    return None if result.error else len(result.episodes)


def fired_difference(
    server: Server, base: Rendered, head: Rendered, diff: Diff, window: Window
) -> dict[str, str]:
    """``{service/alert: "would have fired 3x in 6h, was 11x"}`` for the alerts in ``diff``."""
    span = format_duration(window.seconds)
    out: dict[str, str] = {}
    section = diff.alerts
    for entry in [*section.added, *section.removed, *section.changed]:
        key = alert_key(entry)
        old, new = fired_count(server, base, key, window), fired_count(server, head, key, window)
        parts = []
        if new is not None:
            parts.append(f"would have fired {new}x in {span}")
        if old is not None:
            parts.append(f"was {old}x" if parts else f"fired {old}x in {span} before")
        if parts:
            out[key] = ", ".join(parts)
    return out
