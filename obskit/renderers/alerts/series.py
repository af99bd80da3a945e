"""promtool input series: counters built from rate segments, in expanding notation."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from obskit.render.serialize import clean_float, format_number


def _exact(value: float) -> str:
    """The shortest text that parses back to exactly ``value``."""
    text = format_number(value)
    return text if float(text) == value else repr(value)


def _end(start: float, inc: float, steps: int) -> float:
    """The last value promtool expands ``start+incxsteps`` to, from above.

    Whether the expansion accumulates (``v += inc``) or multiplies (``start + inc*k``),
    the float result differs in the last bits; the next segment must not start below it,
    or ``rate()`` sees a counter reset.
    """
    acc = start
    for _ in range(steps):
        acc += inc
    return max(acc, start + inc * steps)


def counter(segments: Iterable[tuple[float, int]]) -> str:
    """A counter starting at 0 that grows by ``inc`` per step for ``steps`` steps, per segment.

    ``[(600, 60), (0, 30)]`` -> ``0+600x60 36000+0x29``: 91 samples, the last 30 flat.
    """
    parts: list[str] = []
    last: float | None = None
    for raw_inc, steps in segments:
        if steps <= 0:
            continue
        inc = float(format_number(clean_float(raw_inc)))
        if last is None:
            start, count = 0.0, steps
        else:
            start, count = last + inc, steps - 1
            tidy = clean_float(start)
            start = tidy if tidy >= start else start
        parts.append(f"{_exact(start)}+{_exact(inc)}x{count}")
        last = _end(start, inc, count)
    return " ".join(parts)


def _quoted(value: str) -> str:
    """A label value in promtool's series notation, escaped exactly as the rules' matchers."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def series_text(metric: str, labels: Mapping[str, str]) -> str:
    """``metric{a="b", c="d"}`` with sorted labels."""
    inner = ", ".join(f"{k}={_quoted(v)}" for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}"


def duration(minutes: float) -> str:
    """Whole minutes as a promtool duration: ``90`` -> ``1h30m``."""
    minutes = round(minutes)
    hours, mins = divmod(minutes, 60)
    out = f"{hours}h" if hours else ""
    if mins or not out:
        out += f"{mins}m"
    return out
