"""Numbers in the report as Grafana writes them: cases from Grafana's own unit tests."""

from __future__ import annotations

import math

import pytest

from obskit.report.charts import hover, indicator_number, unit_axis
from obskit.report.units import format_value
from obskit.report.valueformat import js_string, to_fixed

VF = "valueFormats.test.ts@78fabc9f46f7ef339d6f8d541f373221d7341e5a"
KBN = "public/app/core/utils/kbn.test (compiled, as indexed)"
ARITH = "arithmeticFormatters.test.ts@974ac2378edc9f8b1c312297eba2a61fda0c49e7"
SYM = "symbolFormatters.test.ts@0d0434957a27f13bad1f09ee459745abef9aa7a1"

#: (unit, decimals, value, Grafana's text, where Grafana's test says so); all under
#: grafana/grafana packages/grafana-data/src/valueFormats/ unless named otherwise
GRAFANA_CASES = [
    ("ms", 4, 0.0024, "0.0024 ms", VF),
    ("ms", 0, 100, "100 ms", VF),
    ("ms", 2, 1250, "1.25 s", VF),
    # VF expects "2.8 hour": written before toFixedScaled's plural suffix (appendPluralIf)
    ("ms", 1, 10000086.123, "2.8 hours", VF),
    ("ms", 0, 1200, "1 s", VF),
    ("short", 2, 9876543, "9.88 Mil", VF),
    ("short", 0, 98765, "99 K", KBN),
    ("short", 0, 9876543, "10 Mil", KBN),
    ("kbytes", 3, 10000000, "9.537 GiB", VF),
    ("deckbytes", 3, 10000000, "10.000 GB", VF),
    ("a", 0, 1532.82, "1533 a", VF),  # unknown units: toFixedUnit(id)
    ("b", 0, 1532.82, "1533 b", VF),
    ("percent", 2, 33.33333, "33.33%", ARITH),
    ("percentunit", 2, 33.33333, "3333.33%", ARITH),
]


@pytest.mark.parametrize(("unit", "decimals", "value", "expected", "source"), GRAFANA_CASES)
def test_grafana_unit_tests(
    unit: str, decimals: int | None, value: float, expected: str, source: str
) -> None:
    assert format_value(value, unit, decimals) == expected, source


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [  # valueFormats.test.ts: toFixed
        (100, None, "100"),
        (100.4, None, "100"),
        (100.5, None, "101"),
        (100, 1, "100.0"),
        (100.37, 1, "100.4"),
        (100.63, 1, "100.6"),
        (100.4, 2, "100.40"),
        (100.5, 2, "100.50"),
        (186.123, -2, "186"),  # negative decimals: treated as zero
        (math.nan, None, "NaN"),
    ],
)
def test_to_fixed_as_grafana(value: float, decimals: int | None, expected: str) -> None:
    assert to_fixed(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "expected"),  # symbolFormatters.test.ts: the SI scaling of 0 and 999 .. 1e15
    [(0, "0"), (999, "999"), (1000, "1"), (1e6, "1"), (1e15, "1"), (-1000, "-1"), (-999, "-999")],
)
def test_scaled_text_as_grafana(value: float, expected: str) -> None:
    text = format_value(value, "Bps", None)
    assert text.split()[0] == expected, SYM


@pytest.mark.parametrize(
    ("unit", "decimals", "value", "expected"),
    [  # the units our dashboards use, automatic decimals (getDecimalsForValue: ~3 digits)
        ("short", None, 12345, "12.3 K"),
        ("short", None, 12.345, "12.3"),
        ("short", None, 2500000, "2.50 Mil"),
        ("short", None, 0, "0"),
        ("none", None, 0.5, "0.500"),
        ("none", 2, 12345, "12345.00"),
        ("percentunit", None, 0.99953, "100.0%"),
        ("percentunit", 3, 0.99953, "99.953%"),
        ("percentunit", None, 0.0123, "1.23%"),
        ("s", None, 0.123, "123 ms"),
        ("s", None, 5e-7, "500 ns"),
        ("s", None, 0, "0 s"),
        ("s", 1, 90, "1.5 mins"),
        ("s", None, 7200, "2 hours"),
        ("bytes", None, 123456789, "118 MiB"),
        ("bytes", None, 512, "512 B"),
        ("reqps", None, 12, "12 reqps"),
        ("reqps", 2, 1234, "1.23K reqps"),
        ("ms", None, 250, "250 ms"),
        ("s", None, math.nan, "NaN"),  # the display processor: NaN is not formatted
        ("ms", None, math.inf, "∞ years"),
    ],
)
def test_our_units(unit: str, decimals: int | None, value: float, expected: str) -> None:
    assert format_value(value, unit, decimals) == expected


@pytest.mark.parametrize(
    ("value", "expected"),  # String(number) in JavaScript
    [(100.0, "100"), (0.1, "0.1"), (1e-7, "1e-7"), (1.5e-6, "0.0000015"), (1e21, "1e+21"),
     (123456789012345680000.0, "123456789012345680000"), (-2.5, "-2.5")],
)  # fmt: skip
def test_js_string(value: float, expected: str) -> None:
    assert js_string(value) == expected


@pytest.mark.parametrize(
    ("values", "unit", "decimals", "expected"),
    [
        ([0, 12345], "short", None, ["0", "5 K", "10 K", "15 K"]),
        ([0, 123456789], "bytes", None, ["0 B", "50 MiB", "100 MiB", "150 MiB"]),
        ([0, 3000], "bytes", None, ["0 B", "1 KiB", "2 KiB", "3 KiB"]),
        ([0.01, 0.4], "s", None, ["0 s", "100 ms", "200 ms", "300 ms", "400 ms"]),
        ([0.9, 0.999], "percentunit", None, ["90%", "92.5%", "95%", "97.5%", "100%"]),
        # a narrow range: enough decimals to tell ticks apart, trailing zeros dropped
        ([0.2475, 0.2481], "none", None, ["0.2474", "0.2476", "0.2478", "0.248", "0.2482"]),
        ([-0.2, 0.3], "none", 1, ["-0.2", "0.0", "0.2", "0.4"]),  # the field's decimals
    ],
)
def test_y_axis_ticks(values: list[float], unit: str, decimals: int | None, expected: list) -> None:
    axis = unit_axis(values, unit, decimals)
    assert axis["ticktext"] == expected
    assert axis["range"] == [axis["tickvals"][0], axis["tickvals"][-1]]
    assert axis["range"][0] <= min(values) and max(values) <= axis["range"][1]


def test_stat_number_is_grafanas_text() -> None:
    """The plotly Indicator of a stat: the scaled number with the text's decimals, the unit's
    suffix; hover texts in the unit."""
    shown = indicator_number(12345, "short", None)
    assert shown == {"value": 12.3, "number": {"valueformat": ".1f", "prefix": "", "suffix": " K"}}
    assert indicator_number(0.99953, "percentunit", 3)["number"]["valueformat"] == ".3f"
    assert hover([0.5, None], "s", None)["customdata"] == ["500 ms", ""]
