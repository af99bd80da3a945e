"""Values as Grafana shows them in a unit."""

from __future__ import annotations


def format_value(value: float, unit: str, decimals: int | None = None) -> str:
    """A stat value as Grafana shows it (the common units)."""
    if value != value:  # NaN
        return "NaN"
    d = 2 if decimals is None else decimals
    if unit == "percentunit":
        return f"{value * 100:.{d}f}%"
    suffix = {"s": "s", "ms": "ms", "bytes": "B", "reqps": " req/s", "percent": "%"}.get(unit, "")
    return f"{value:.{d}f}{suffix}"
