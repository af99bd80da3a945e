"""Numbers as Grafana's value formatters write them: unit scaling and decimals.

A reading (not a copy) of grafana/grafana ``packages/grafana-data/src/valueFormats/``:
``valueFormats.ts`` (``toFixed``, ``getDecimalsForValue``, ``scaledUnits``,
``simpleCountUnit``, ``toFixedUnit``) at commit 021bb1fd0618185dca10fd58e1eb5edc153d3388 plus
what later upstream versions add (``getDecimalsForValue`` on the absolute value, decimals
clamped to 0..100, ``scaledUnits`` of 0, plural ``toFixedScaled`` suffixes: ``2.8 hours``);
``categories.ts`` at 002fa1b09fd5c809ef370334a20e23ec520ac8e3 (which unit id uses which
formatter); ``dateTimeFormatters.ts`` at ad0cb2abcef6527a541f7b041f7e78a6ea1900b4
(``toSeconds``, ``toMilliSeconds``); ``symbolFormatters.ts`` at
0097e4c7bac4ae53f7b19d75ade051b30e386643 (``binaryPrefix``); ``arithmeticFormatters.ts`` at
02781e863c479f2469f027221d0e939385ebff2b (``toPercent``, ``toPercentUnit``). The display
processor calls the unit's formatter with the field's ``decimals`` (None: automatic).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Formatted:
    """Grafana's ``FormattedValue``: shown as prefix + text + suffix."""

    text: str
    suffix: str = ""
    prefix: str = ""

    def __str__(self) -> str:
        return f"{self.prefix}{self.text}{self.suffix}"


Formatter = Callable[[float, int | None], Formatted]


def js_string(value: float) -> str:
    """``String(value)`` of a JavaScript number (shortest round-trip digits, JS exponent rules)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits))
    point = int(exponent) + len(text)  # the decimal point's position in ``text``
    if len(text) <= point <= 21:
        body = text + "0" * (point - len(text))
    elif 0 < point <= 21:
        body = f"{text[:point]}.{text[point:]}"
    elif -6 < point <= 0:
        body = "0." + "0" * -point + text
    else:
        power = point - 1
        mantissa = text[0] + (f".{text[1:]}" if len(text) > 1 else "")
        body = f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"
    return ("-" if sign else "") + body


def auto_decimals(value: float) -> int:
    """``getDecimalsForValue``: about two significant digits, three from 2.25 on."""
    if value.is_integer():
        return 0
    size = abs(value)
    dec = -math.floor(math.log(size) / math.log(10)) + 1
    if size / 10.0 ** (-dec) > 2.25:  # norm between 1 and 10: 2.5 needs an extra decimal
        dec += 1
    return max(0, dec)


def to_fixed(value: float, decimals: int | None = None) -> str:
    """``toFixed``: ``value`` rounded half up to ``decimals`` (None: automatic), zero-padded."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"  # toLocaleString()
    if decimals is None:
        decimals = auto_decimals(value)
    decimals = min(max(int(decimals), 0), 100)
    if value == 0:
        return f"{0:.{decimals}f}"
    factor = 10.0**decimals if decimals else 1.0
    formatted = js_string(math.floor(value * factor + 0.5) / factor)  # Math.round
    if "e" in formatted:
        return formatted
    precision = len(formatted) - formatted.index(".") - 1 if "." in formatted else 0
    if precision < decimals:
        return (formatted if precision else formatted + ".") + "0" * (decimals - precision)
    return formatted


def fixed_unit(unit: str) -> Formatter:
    """``toFixedUnit``: the number, then a space and ``unit`` (none for ``''``)."""
    return lambda v, d: Formatted(to_fixed(v, d), f" {unit}" if unit else "")


def scaled_units(factor: int, suffixes: list[str], offset: int = 0) -> Formatter:
    """``scaledUnits``: divide by ``factor`` per step while a bigger suffix exists."""

    def fmt(value: float, decimals: int | None) -> Formatted:
        if math.isnan(value) or math.isinf(value):
            return Formatted(to_fixed(value))
        step = 0 if value == 0 else math.floor(math.log10(abs(value)) / math.log10(factor))
        last = len(suffixes) - 1
        suffix = suffixes[min(max(offset + step, 0), last)]
        power = min(max(step, -offset), last - offset)
        return Formatted(to_fixed(value / float(factor) ** power, decimals), suffix)

    return fmt


def count_unit(symbol: str) -> Formatter:
    """``simpleCountUnit``: ``1.23K reqps``."""
    scaler = scaled_units(1000, ["", "K", "M", "B", "T"])

    def fmt(value: float, decimals: int | None) -> Formatted:
        scaled = scaler(value, decimals)
        return Formatted(scaled.text, f"{scaled.suffix} {symbol}")

    return fmt


def binary_prefix(unit: str, offset: int = 0) -> Formatter:
    """``binaryPrefix``: steps of 1024 (``KiB``, ``MiB``, ...)."""
    prefixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"]
    return scaled_units(1024, [f" {p}{unit}" for p in prefixes], offset)


def decimal_prefix(unit: str, offset: int = 0) -> Formatter:
    """Decimal SI prefixes in steps of 1000 (``kB``, ``MB``, ...; ``ms``, ``µs`` below)."""
    prefixes = ["n", "µ", "m", "", "k", "M", "G", "T", "P", "E", "Z", "Y"]
    return scaled_units(1000, [f" {p}{unit}" for p in prefixes], 3 + offset)


PLURAL = {" min", " hour", " day", " week", " year"}


def _scaled(value: float, decimals: int | None, suffix: str) -> Formatted:
    """``toFixedScaled``: a value already divided into ``suffix``'s unit (``2 hours``)."""
    plural = suffix in PLURAL and abs(value) > 1
    return Formatted(to_fixed(value, decimals), suffix + ("s" if plural else ""))


#: (below this size, divide by, suffix): ``toSeconds`` from a second up, ``toMilliSeconds``
SECONDS_UP = (
    (60, 1, " s"),
    (3600, 60, " min"),
    (86400, 3600, " hour"),
    (604800, 86400, " day"),
    (31536000, 604800, " week"),
    (math.inf, 3.15569e7, " year"),
)
MILLISECONDS = (
    (1000, 1, " ms"),
    (60000, 1000, " s"),
    (3600000, 60000, " min"),
    (86400000, 3600000, " hour"),
    (31536000000, 86400000, " day"),
    (math.inf, 31536000000, " year"),
)


def _divided(value: float, decimals: int | None, rungs: tuple) -> Formatted:
    """``value`` divided into the first rung's unit whose limit is above its size."""
    _, divisor, suffix = next((r for r in rungs if abs(value) < r[0]), rungs[-1])
    return _scaled(value / divisor, decimals, suffix)


def seconds(value: float, decimals: int | None) -> Formatted:
    """``toSeconds``: ns, µs, ms below a second; min, hour, day, week, year above a minute."""
    if value == 0:
        return Formatted("0", " s")
    for limit, scale, suffix in ((1e-6, 1e9, " ns"), (1e-3, 1e6, " µs"), (1, 1e3, " ms")):
        if abs(value) < limit:
            return _scaled(value * scale, decimals, suffix)
    return _divided(value, decimals, SECONDS_UP)


def milliseconds(value: float, decimals: int | None) -> Formatted:
    """``toMilliSeconds``: ms below a second, then s, min, hour, day, year."""
    return _divided(value, decimals, MILLISECONDS)


def _percent(scale: float) -> Formatter:
    return lambda v, d: Formatted(to_fixed(scale * v, d), "%")


#: Grafana unit id -> formatter (``categories.ts``); other ids: ``toFixedUnit(id)``
FORMATTERS: dict[str, Formatter] = {
    "": fixed_unit(""),
    "none": fixed_unit(""),
    "short": scaled_units(
        1000, ["", " K", " Mil", " Bil", " Tri", " Quadr", " Quint", " Sext", " Sept"]
    ),
    "percent": _percent(1),
    "percentunit": _percent(100),
    "s": seconds,
    "ms": milliseconds,
    "bytes": binary_prefix("B"),
    "kbytes": binary_prefix("B", 1),
    "mbytes": binary_prefix("B", 2),
    "gbytes": binary_prefix("B", 3),
    "bits": binary_prefix("b"),
    "decbytes": decimal_prefix("B"),
    "deckbytes": decimal_prefix("B", 1),
    "Bps": decimal_prefix("B/s"),
    "bps": decimal_prefix("bps"),
    **{u: count_unit(u) for u in ("cps", "ops", "reqps", "rps", "wps", "iops")},
}


def format_unit(value: float, unit: str | None, decimals: int | None = None) -> Formatted:
    """``getValueFormat(unit)(value, decimals)``; NaN as the display processor shows it."""
    unit = unit or ""
    if math.isnan(value):
        return Formatted("NaN")
    return FORMATTERS.get(unit, fixed_unit(unit))(float(value), decimals)
