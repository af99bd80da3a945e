"""Prometheus-style durations (``250ms``, ``30s``, ``1h30m``, ``7d``)."""

from __future__ import annotations

import itertools
import re

_UNITS_SECONDS = {
    "ms": 0.001,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 604800.0,
    "y": 31536000.0,
}
_DURATION_RE = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w|y))+$")
_PART_RE = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")


#: unit order Prometheus' duration grammar requires (each unit once, largest first)
_ORDER = ("y", "w", "d", "h", "m", "s", "ms")
#: Prometheus durations are Go time.Duration values: at most ~292 years
MAX_SECONDS = 292 * 365 * 86400


def duration_problem(text: str) -> str | None:
    """Why Prometheus would refuse ``text`` as a duration (``1h1h``, ``5s1m``, ``300y``)."""
    units = [u for _, u in _PART_RE.findall(text)]
    ranks = [_ORDER.index(u) for u in units]
    if any(b <= a for a, b in itertools.pairwise(ranks)):
        return "units must each appear once, largest first (1h30m, not 30m1h or 1h1h)"
    if parse_duration(text) > MAX_SECONDS:
        return "longer than Prometheus can represent (about 292 years)"
    return None


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus duration; ``ValueError`` when it is not one."""
    if not isinstance(text, str) or not _DURATION_RE.match(text):
        raise ValueError(
            f"{text!r} is not a duration: use a number and a unit, e.g. 250ms, 30s, 5m, 1h, 7d"
        )
    return sum(int(n) * _UNITS_SECONDS[u] for n, u in _PART_RE.findall(text))


def format_duration(seconds: float) -> str:
    """The shortest Prometheus duration for a whole number of milliseconds."""
    ms = round(seconds * 1000)
    if ms == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms >= size:
            out.append(f"{ms // size}{unit}")
            ms %= size
    if ms:
        out.append(f"{ms}ms")
    return "".join(out)
