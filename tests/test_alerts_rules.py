"""The alerts renderer's rule files: names, labels, factors, tiers, order, determinism."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obskit import slo_names
from obskit.catalog.loader import load_catalog
from obskit.promql import parse_promql
from obskit.renderers.alerts import RENDERER, burnrate, render_service, rulefile
from obskit.renderers.alerts.promtool_tests import page_plan, ticket_burn

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def windows_catalog():
    return load_catalog(FIXTURES / "alerts_windows.yaml")


def _rules(service) -> list[dict]:
    doc = yaml.safe_load(rulefile.rule_file(service))
    return [r for g in doc["groups"] for r in g["rules"]]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("30d", [14.4, 6.0, 3.0, 1.0]),
        ("28d", [13.44, 5.6, 2.8, 0.9333]),
        # Sloth's 7d window set (../shared/reference/sloth/examples/windows/7d.yaml)
        ("7d", [13.44, 3.5, 1.4, 0.98]),
    ],
)
def test_burn_factors_scale_with_the_slo_window(period, expected):
    assert [w.factor(period) for w in burnrate.WINDOWS] == expected


def test_one_unit_per_service_with_rules_and_tests(example_catalog):
    units = list(RENDERER.units(example_catalog))
    assert [u.key for u in units] == [f"service/{s.name}" for s in example_catalog.services]
    files = units[0].produce()
    name = example_catalog.services[0].name
    assert set(files) == {
        f"alerts/{name}.rules.yaml",
        f"alerts/tests/{name}.test.yaml",
        f"alerts/tests/{name}.outages.test.yaml",
    }
    for rel, interval in (("test", "5m"), ("outages.test", "1m")):
        tests = yaml.safe_load(files[f"alerts/tests/{name}.{rel}.yaml"])
        assert tests["rule_files"] == [f"../{name}.rules.yaml"]
        assert tests["evaluation_interval"] == interval


def test_recording_rule_names_are_the_shared_contract(example_catalog):
    for service in example_catalog.services:
        records = {r["record"] for r in _rules(service) if "record" in r}
        for slo in service.slos:
            wanted = {slo_names.sli_error_ratio(w) for w in (*slo_names.SLI_WINDOWS, slo.window)}
            wanted |= {
                slo_names.OBJECTIVE,
                slo_names.ERROR_BUDGET,
                slo_names.CURRENT_BURN_RATE,
                slo_names.BUDGET_REMAINING,
            }
            assert wanted <= records
        golden = {
            slo_names.SERVICE_REQUESTS_RATE,
            slo_names.SERVICE_ERROR_RATIO,
            slo_names.SERVICE_LATENCY_P99,
        }
        if service.metrics.preset == "none":
            assert not records
        else:
            assert golden <= records


def test_series_and_alert_labels(example_catalog):
    for service in example_catalog.services:
        for rule in _rules(service):
            labels = rule["labels"]
            assert labels["service"] == service.name and labels["team"] == service.team
            if "record" in rule and rule["record"].startswith("slo:"):
                assert labels["slo"] in {s.name for s in service.slos}
            if "alert" in rule:
                assert labels["severity"] in {"critical", "warning", "info"}
                ann = rule["annotations"]
                assert ann["summary"] and ann["description"]
                assert ann["dashboard"] == f"dashboards/{service.name}.json"
                assert ann.get("runbook_url") == service.runbook
            parse_promql(rule["expr"])


def test_tier_low_never_pages(example_catalog, windows_catalog):
    services = [*example_catalog.services, *windows_catalog.services]
    low = [s for s in services if s.tier == "low"]
    assert len(low) >= 4
    for service in low:
        assert all(r["labels"]["severity"] != "critical" for r in _rules(service) if "alert" in r)
    critical = [s for s in services if s.tier == "critical" and s.slos]
    for service in critical:
        fast = [r for r in _rules(service) if r.get("alert", "").endswith("FastBurn")]
        assert fast and all(r["labels"]["severity"] == "critical" for r in fast)


def test_rule_keys_in_review_order_and_literal_blocks(example_catalog):
    text = rulefile.rule_file(example_catalog.service("checkout")).decode()
    for rule in _rules(example_catalog.service("checkout")):
        keys = list(rule)
        order = ["alert", "record", "expr", "for", "labels", "annotations"]
        assert keys == sorted(keys, key=order.index)
    assert "expr: |" in text  # multi-line expressions are literal blocks
    assert "\\n" not in text


def test_thresholds_are_clean_numbers(example_catalog):
    texts = [rulefile.rule_file(s).decode() for s in example_catalog.services]
    joined = "\n".join(texts)
    assert "(14.4 * 0.001)" in joined and "(6 * 0.0005)" in joined
    assert "vector(0.9995)" in joined
    assert not re.search(r"\d\.\d*0000000\d|\d\.\d*9999999", joined)


def test_latency_le_matches_go_and_prometheus3_spellings(example_catalog, windows_catalog):
    ingress = "\n".join(r["expr"] for r in _rules(example_catalog.service("ingress")))
    assert 'le=~"1(\\\\.0)?"' in ingress  # 1s: le="1" (Go, Prometheus 2) or "1.0" (Prometheus 3)
    mesh = "\n".join(r["expr"] for r in _rules(windows_catalog.service("mesh")))
    assert 'le=~"1000(\\\\.0)?"' in mesh  # istio: milliseconds
    frontend = "\n".join(r["expr"] for r in _rules(example_catalog.service("frontend")))
    assert 'le="0.5"' in frontend


def test_workload_alerts_per_kind(example_catalog):
    names = {
        s.name: {r["alert"] for r in _rules(s) if "alert" in r} for s in example_catalog.services
    }
    assert {"CartRedisReplicasNotReady", "CartRedisUpdateNotRolledOut"} <= names["cart-redis"]
    assert {"IngressPodsNotScheduled", "IngressPodsMisscheduled", "IngressRolloutStuck"} <= (
        names["ingress"]
    )
    assert {"OrderEventsReplicasUnavailable", "OrderEventsRolloutStuck"} <= names["order-events"]
    for s in names.values():
        assert any(n.endswith("PodCrashLooping") for n in s)
        assert any(n.endswith("PodOOMKilled") for n in s)
        assert any(n.endswith("CPUThrottlingHigh") for n in s)


def test_catalog_alerts_get_contract_labels(example_catalog):
    rules = {r.get("alert"): r for r in _rules(example_catalog.service("cart-redis"))}
    rule = rules["CartRedisMemoryHigh"]
    assert rule["for"] == "15m"
    assert rule["labels"] == {"service": "cart-redis", "team": "storefront", "severity": "warning"}
    assert "humanizePercentage" in rule["annotations"]["description"]
    backlog = {r.get("alert"): r for r in _rules(example_catalog.service("checkout"))}
    assert "$value" in backlog["CheckoutQueueBacklog"]["annotations"]["description"]


def test_absent_alert_does_not_page(example_catalog):
    for service in example_catalog.services:
        absent = [r for r in _rules(service) if r.get("alert", "").endswith("MetricsAbsent")]
        if service.metrics.preset == "none":
            assert not absent
            continue
        (rule,) = absent
        assert rule["labels"]["severity"] == "warning" and rule["expr"].startswith("absent(")


def test_test_plans_for_every_slo(example_catalog, windows_catalog):
    for service in [*example_catalog.services, *windows_catalog.services]:
        for slo in service.slos:
            after, _short = page_plan(slo)
            assert 5 <= after <= 60
            burn = ticket_burn(slo)
            factors = [w.factor(slo.window) for w in burnrate.WINDOWS]
            assert max(factors[2:]) < burn < min(factors[:2])


def test_rendering_is_deterministic(example_catalog):
    service = example_catalog.service("payment")
    assert render_service(service) == render_service(service)


def test_edge_cases_render_sensible_tests():
    from obskit.renderers.alerts import promtool_tests

    catalog = load_catalog(FIXTURES / "alerts_edge.yaml")
    names = {
        s.name: [
            g["name"]
            for rel, body in render_service(s).items()
            if rel.startswith("alerts/tests/")
            for g in yaml.safe_load(body)["tests"]
        ]
        for s in catalog.services
    }
    assert "noslo: healthy traffic fires nothing" in names["noslo"]
    assert not any("outage" in n for n in names["noslo"])
    assert "latonly fast: total outage pages within 9m" in names["latonly"]
    # 50% objective: 14.4x and 6x of a 50% budget are above 100% errors: no outage test
    assert not any(n.startswith("loose availability") for n in names["loose"])
    assert promtool_tests.page_plan(catalog.service("loose").slos[0]) is None


def test_counter_segments_never_step_down():
    from obskit.renderers.alerts.series import counter

    assert counter([(600, 60), (0, 30)]) == "0+600x60 36000+0x29"
    text = counter([(599.9994, 60), (0, 23)])
    _, second = text.split()
    acc = 0.0
    for _ in range(60):
        acc += 599.9994
    assert float(second.split("+")[0]) >= acc  # no counter reset between segments


def test_low_tier_downgrades_hand_written_critical_alerts(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(
        """
apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {name: low}
teams: [{name: core}]
services:
  - name: batch
    team: core
    tier: low
    metrics: {preset: none}
    alerts:
      - alert: BatchStuck
        expr: time() - batch_last_success_timestamp_seconds > 3600
        for: 10m
        severity: critical
        summary: Batch has not succeeded for an hour
        labels: {component: scheduler}
"""
    )
    (service,) = load_catalog(path).services
    rule = next(r for r in _rules(service) if r.get("alert") == "BatchStuck")
    assert rule["labels"] == {
        "severity": "warning",
        "component": "scheduler",
        "service": "batch",
        "team": "core",
    }
    assert rule["annotations"]["description"] == (
        "Batch has not succeeded for an hour. Value: {{ $value | humanize }}."
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1000, allow_nan=False).map(lambda f: round(f, 6)),
            st.integers(min_value=1, max_value=120),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_counter_is_monotonic_as_promtool_expands_it(segments):
    from obskit.renderers.alerts.series import counter

    previous = -1.0
    for part in counter(segments).split():
        start, rest = part.split("+", 1)
        inc, steps = rest.split("x")
        value = float(start)
        assert value >= previous
        for _ in range(int(steps)):
            value += float(inc)
        previous = max(value, float(start) + float(inc) * int(steps))


def test_slo_window_ratio_reads_recorded_rates_not_raw_series(example_catalog):
    """No rule reads raw series over the SLO window (7d/28d/30d): at a few hundred series
    that exceeds Prometheus' query sample limit. The window's ratio sums recorded 5m rates."""
    import re

    for service in example_catalog.services:
        for rule in _rules(service):
            assert not re.search(r"\b(rate|increase)\([^\[]*\[(7d|28d|30d)\]", rule["expr"]), rule
        for slo in service.slos:
            period = [
                r
                for r in _rules(service)
                if r.get("record") == f"slo:sli_error:ratio_rate{slo.window}"
                and r["labels"]["slo"] == slo.name
            ]
            assert len(period) == 1
            assert period[0]["expr"].startswith("sum_over_time(slo:sli_errors:rate5m{")
