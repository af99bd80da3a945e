"""Values and threshold colours as Grafana shows them."""

from __future__ import annotations

from typing import Any

from obskit.report.valueformat import format_unit

GRAFANA_COLORS = {
    "green": "#73BF69",
    "yellow": "#FADE2A",
    "orange": "#FF9830",
    "red": "#F2495C",
    "blue": "#5794F2",
}


def grafana_colour(name: str) -> str:
    """``#RRGGBB`` of a Grafana colour name (other values as they are)."""
    return GRAFANA_COLORS.get(name, name)


def step_colour(thresholds: dict[str, Any] | None, value: float) -> str | None:
    """The colour of the last threshold step at or below ``value`` (None: no steps)."""
    colour = None
    for step in (thresholds or {}).get("steps") or []:
        if step.get("value") is None or value >= float(step["value"]):
            colour = grafana_colour(step.get("color", ""))
    return colour


def format_value(value: float, unit: str, decimals: int | None = None) -> str:
    """A value as Grafana shows it in ``unit`` with ``decimals`` (None: Grafana's automatic)."""
    return str(format_unit(value, unit, decimals))
