"""The generated rules proven with the real promtool, and the generated tests' teeth.

The example catalog (every preset, every tier) runs end to end in test_alerts_cli.py; here
the small catalog adds 7d and 28d windows, tier low on more presets and every workload
kind. Each mutation test breaks a rule the way a regression would and asserts that the
generated promtool test catches it (after a control run of the same groups passes).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from obskit.catalog.loader import load_catalog
from obskit.promtool import check_and_test, service_test_files
from obskit.render.pipeline import render

FIXTURES = Path(__file__).resolve().parent / "fixtures"
pytestmark = pytest.mark.promtool


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, promtool) -> Path:
    """The small catalog's alerts/ folder."""
    out = tmp_path_factory.mktemp("alerts-windows")
    render(load_catalog(FIXTURES / "alerts_windows.yaml"), out, only=["alerts"], use_cache=False)
    return out / "alerts"


@pytest.fixture(scope="module")
def results(rendered, promtool) -> dict:
    names = sorted(p.name.removesuffix(".rules.yaml") for p in rendered.glob("*.rules.yaml"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda n: check_and_test(rendered, n, promtool), names)
    return {r.service: r for r in done}


@pytest.mark.parametrize("service", ["week", "mesh", "store", "edge"])
def test_promtool_check_and_test_pass(results, service):
    result = results[service]
    assert result.check_ok, result.output
    assert result.test_ok, result.output
    assert result.rules > 20 and result.tests > 15


def _run_groups(
    rendered: Path, tmp_path: Path, promtool: str, service: str, group: str, mutate=None
) -> subprocess.CompletedProcess:
    """promtool test rules on the groups whose name contains ``group``, rules mutated."""
    work = tmp_path / "alerts"
    (work / "tests").mkdir(parents=True, exist_ok=True)
    rules = (rendered / f"{service}.rules.yaml").read_text()
    (work / f"{service}.rules.yaml").write_text(mutate(rules) if mutate else rules)
    # the groups come from one generated file (steady or outages: its evaluation interval)
    tests = {}
    for path in service_test_files(rendered, service):
        doc = yaml.safe_load(path.read_text())
        doc["tests"] = [g for g in doc["tests"] if group in g["name"]]
        if doc["tests"]:
            tests = doc
            break
    assert tests, f"no test group matching {group!r}"
    (work / "tests" / "t.yaml").write_text(yaml.safe_dump(tests, sort_keys=False))
    return subprocess.run(
        [promtool, "test", "rules", "t.yaml"],
        cwd=work / "tests",
        capture_output=True,
        text=True,
        check=False,
    )


def _assert_caught(rendered, tmp_path, promtool, service, group, mutate, alert):
    control = _run_groups(rendered, tmp_path / "control", promtool, service, group)
    assert control.returncode == 0, control.stdout + control.stderr
    broken = _run_groups(rendered, tmp_path / "mutant", promtool, service, group, mutate)
    output = broken.stdout + broken.stderr
    assert broken.returncode != 0, f"the {group!r} tests did not notice the mutation"
    assert alert in output


def _map_exprs(text: str, record_or_alert: str, change) -> str:
    doc = yaml.safe_load(text)
    hits = 0
    for group in doc["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert") or rule.get("record")
            labels = rule.get("labels") or {}
            if re.fullmatch(record_or_alert, name) and labels.get("slo") in (None, "availability"):
                rule["expr"] = change(rule["expr"])
                hits += 1
    assert hits
    return yaml.safe_dump(doc, sort_keys=False)


def test_outage_test_fails_if_the_page_threshold_is_too_high(rendered, tmp_path, promtool):
    def mutate(text: str) -> str:
        return _map_exprs(
            text,
            "WeekAvailabilityErrorBudgetFastBurn",
            lambda e: re.sub(r"\(([\d.]+) \* ", "(5000 * ", e),
        )

    _assert_caught(
        rendered,
        tmp_path,
        promtool,
        "week",
        "week availability: total outage",
        mutate,
        "WeekAvailabilityErrorBudgetFastBurn",
    )


def test_healthy_test_fails_if_an_alert_fires_on_healthy_traffic(rendered, tmp_path, promtool):
    def mutate(text: str) -> str:
        return _map_exprs(
            text,
            "WeekAvailabilityErrorBudgetSlowBurn",
            lambda e: re.sub(r"\(([\d.]+) \* ", "(0.01 * ", e),
        )

    _assert_caught(
        rendered,
        tmp_path,
        promtool,
        "week",
        "week: healthy traffic",
        mutate,
        "WeekAvailabilityErrorBudgetSlowBurn",
    )


def test_ticket_test_fails_if_a_slow_burn_pages(rendered, tmp_path, promtool):
    def mutate(text: str) -> str:  # page factors down to the ticket's level
        return _map_exprs(
            text,
            "MeshAvailabilityErrorBudgetFastBurn",
            lambda e: re.sub(r"\(([\d.]+) \* ", "(2 * ", e),
        )

    _assert_caught(
        rendered,
        tmp_path,
        promtool,
        "mesh",
        "mesh availability: 5x burn",
        mutate,
        "MeshAvailabilityErrorBudgetFastBurn",
    )


def test_no_traffic_test_fails_if_no_data_counts_as_errors(rendered, tmp_path, promtool):
    def mutate(text: str) -> str:  # a "NaN-safe" ratio that treats 0/0 as 100% errors
        return _map_exprs(
            text, r"slo:sli_error:ratio_rate.*", lambda e: f"({e}) >= 0 or on () vector(1)"
        )

    _assert_caught(
        rendered,
        tmp_path,
        promtool,
        "week",
        "week: no traffic",
        mutate,
        "WeekAvailabilityErrorBudgetFastBurn",
    )


def test_quiet_workload_case_fails_without_the_owner_join(rendered, tmp_path, promtool):
    """Scoped by namespace instead of joined per pod to the owned pods, the sibling
    StatefulSet's crash loop fires."""

    def mutate(text: str) -> str:
        mutated = text.replace(
            "and on (cluster, namespace, pod)\n", "and on (cluster, namespace)\n"
        )
        assert mutated != text
        return mutated

    _assert_caught(
        rendered,
        tmp_path,
        promtool,
        "week",
        "WeekPodCrashLooping stays quiet",
        mutate,
        "WeekPodCrashLooping",
    )


def test_latency_outage_fails_if_le_does_not_match_the_written_bucket(rendered, tmp_path, promtool):
    def mutate(text: str) -> str:  # only Prometheus 3's spelling: misses le="1000"
        assert 'le=~"1000(\\\\.0)?"' in text
        return text.replace('le=~"1000(\\\\.0)?"', 'le="1000.0"')

    _assert_caught(
        rendered,
        tmp_path,
        promtool,
        "mesh",
        "mesh latency: total outage",
        mutate,
        "MeshLatencyErrorBudgetFastBurn",
    )


def test_low_tier_outage_test_fails_if_the_alert_pages(rendered, tmp_path, promtool):
    def mutate(text: str) -> str:
        doc = yaml.safe_load(text)
        for group in doc["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") == "StoreAvailabilityErrorBudgetFastBurn":
                    assert rule["labels"]["severity"] == "warning"
                    rule["labels"]["severity"] = "critical"
        return yaml.safe_dump(doc, sort_keys=False)

    _assert_caught(
        rendered,
        tmp_path,
        promtool,
        "store",
        "store availability: total outage",
        mutate,
        "StoreAvailabilityErrorBudgetFastBurn",
    )


def test_check_rules_refuses_a_broken_rule_file(rendered, tmp_path, promtool):
    bad = tmp_path / "bad.rules.yaml"
    text = (rendered / "edge.rules.yaml").read_text()
    bad.write_text(text.replace("humanizePercentage", "humanizePercentageX", 1))
    proc = subprocess.run(
        [shutil.which("promtool") or promtool, "check", "rules", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0


def test_edge_catalog_passes_promtool(tmp_path, promtool):
    render(load_catalog(FIXTURES / "alerts_edge.yaml"), tmp_path, only=["alerts"], use_cache=False)
    for service in ("noslo", "latonly", "loose", "twin"):
        result = check_and_test(tmp_path / "alerts", service, promtool)
        assert result.ok, result.output


def test_slow_burn_description_next_to_a_rounding_edge(tmp_path, promtool):
    """99.27% over 7d: the ticket burn's ratio (0.017885) sits on a humanizePercentage edge;
    found by the property test, where promtool computed 1.788% and the test expected 1.789%."""
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: edge}\n"
        "teams: [{name: t}]\n"
        "services:\n- name: four\n  team: t\n  metrics: {preset: fastapi-instrumentator}\n"
        "  slos:\n  - {name: availability, objective: 99.27, window: 7d}\n"
    )
    render(load_catalog(catalog), tmp_path / "out", only=["alerts"], use_cache=False)
    tests = (tmp_path / "out/alerts/tests/four.test.yaml").read_text()
    assert "2.45x burn opens a ticket" in tests and "1.789% of requests failed" in tests
    result = check_and_test(tmp_path / "out/alerts", "four", promtool)
    assert result.ok, result.output
