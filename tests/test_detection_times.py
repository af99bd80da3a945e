"""scripts/detection_times.py: a subset re-measured with the real promtool, and the docs.

The full measurement takes minutes; here the page windows alone (7h of warm-up keeps every
page window exact) on three scenarios: a full outage and a 1x burn on the 30d SLO, a 3x burn
on the 7d one. The page times must equal the committed measurement, and docs/alerts.md must
hold exactly the table the script makes from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conftest import load_script

REPO = Path(__file__).resolve().parent.parent
WARMUP = 420  # minutes: past every page window (Pyrra's 30d 6h26m)


def _module():
    return load_script("scripts/detection_times.py")


dt = _module()
COMMITTED = json.loads(dt.DATA.read_text())
SETUP = {s.service: s for s in dt.SETUPS}
SCENARIO = {s.key: s for s in dt.SCENARIOS}


def test_docs_section_is_the_scripts_output() -> None:
    """The cheap path: the table from the committed data equals the docs section."""
    assert dt.docs_section(dt.DOCS.read_text()) == dt.markdown(COMMITTED), (
        "run: python scripts/detection_times.py --write-docs"
    )


def test_docs_section_replaced_in_place() -> None:
    text = f"intro\n{dt.BEGIN}\nold\n{dt.END}\nrest\n"
    assert dt.docs_with("new\n", text) == f"intro\n{dt.BEGIN}\nnew\n{dt.END}\nrest\n"


def test_pyrra_windows_match_its_golden_28d_rules() -> None:
    """slo/rules_test.go http-ratio (28d): 1h/5m for 2m, 6h/30m for 15m, 1d/2h for 1h,
    4d/6h for 3h."""
    assert dt.pyrra_windows("28d") == [
        ("critical", 2, 60, 5, 14),
        ("critical", 15, 360, 30, 7),
        ("warning", 60, 1440, 120, 2),
        ("warning", 180, 5760, 360, 1),
    ]
    assert dt._model_duration(6171) == "4d6h51m"


def test_sloth_factors_are_its_golden_ones() -> None:
    """examples/_gen and test/integration 7d output print these exact thresholds."""
    month = yaml_text(dt.sloth_rules(SETUP["month"]))
    assert "> (14.4 * 0.0009999999999999432)" in month
    week = yaml_text(dt.sloth_rules(SETUP["week"]))
    for factor in ("13.44", "3.5", "1.4000000000000001", "0.98"):
        assert f"> ({factor} * 0.0009999999999999432)" in week


def yaml_text(doc: dict) -> str:
    return yaml.safe_dump(doc, width=1000)


@pytest.fixture(scope="module")
def measured(promtool: str, tmp_path_factory) -> dict:
    """Page times, measured now: 30d outage and 1x, 7d 3x."""
    month = dt.measure_slo(
        tmp_path_factory.mktemp("month"),
        scenarios=[SCENARIO["outage"], SCENARIO["burn1"]],
        setups=[SETUP["month"]],
        horizon=400,
        warmup=WARMUP,
    )
    week = dt.measure_slo(
        tmp_path_factory.mktemp("week"),
        scenarios=[SCENARIO["burn3"]],
        setups=[SETUP["week"]],
        horizon=400,
        warmup=WARMUP,
    )
    return {**month, "burn3-week": week["burn3"]}


@pytest.mark.promtool
@pytest.mark.slow
def test_obskit_pages_an_outage_within_minutes_and_never_at_1x(measured: dict) -> None:
    page = measured["outage"]["month"]["obskit"]["page"]
    assert page is not None and page <= 5
    assert measured["burn1"]["month"]["obskit"]["page"] is None
    assert measured["burn1"]["month"]["sloth"]["page"] is None


@pytest.mark.promtool
@pytest.mark.slow
def test_7d_sets_never_page_at_3x(measured: dict) -> None:
    assert measured["burn3-week"]["week"]["sloth"]["page"] is None
    assert measured["burn3-week"]["week"]["obskit"]["page"] is None


@pytest.mark.promtool
@pytest.mark.slow
def test_page_times_equal_the_committed_measurement(measured: dict) -> None:
    for key, service, scenario in (
        ("outage", "month", "outage"),
        ("burn1", "month", "burn1"),
        ("burn3-week", "week", "burn3"),
    ):
        for tool in dt.TOOLS:
            now = measured[key][service][tool]["page"]
            assert now == COMMITTED["slo"][scenario][service][tool]["page"], (key, tool)
