"""promtool input series: counters built from rate segments, in expanding notation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from obskit.render.serialize import clean_float, format_number


def counter(segments: Iterable[tuple[float, int]]) -> str:
    """A counter starting at 0 that grows by ``inc`` per step for ``steps`` steps, per segment.

    ``[(600, 60), (0, 30)]`` -> ``0+600x60 36000+0x29``: 91 samples, the last 30 flat.
    """
    parts: list[str] = []
    value = 0.0
    for inc, steps in segments:
        if steps <= 0:
            continue
        if not parts:
            parts.append(f"0+{format_number(inc)}x{steps}")
        else:
            first = clean_float(value + inc)
            parts.append(f"{format_number(first)}+{format_number(inc)}x{steps - 1}")
        value = clean_float(value + inc * steps)
    return " ".join(parts)


def series_text(metric: str, labels: Mapping[str, str]) -> str:
    """``metric{a="b", c="d"}`` with sorted labels."""
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


def duration(minutes: float) -> str:
    """Whole minutes as a promtool duration: ``90`` -> ``1h30m``."""
    minutes = round(minutes)
    hours, mins = divmod(minutes, 60)
    out = f"{hours}h" if hours else ""
    if mins or not out:
        out += f"{mins}m"
    return out
