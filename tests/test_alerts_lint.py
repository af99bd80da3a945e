"""obskit lint: each check finds a planted problem; generated rules are clean."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from obskit.catalog.loader import load_catalog
from obskit.lint import CHECK_MODULES, load_checks, run_checks
from obskit.lint.base import LintContext, context_from_catalog

REPO = Path(__file__).resolve().parent.parent

PLANTED = """
apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {name: planted}
teams: [{name: core}]
services:
  - name: api
    team: core
    namespace: prod
    metrics:
      preset: prometheus-http
      scrape: {interval: 1m}
    slos: [{name: availability, objective: 99.9}]
    alerts:
      - alert: ApiFastRate
        expr: sum(rate(http_requests_total{job="api"}[1m])) > 100
        summary: rate over one scrape interval, and no for
      - alert: ApiRawCounter
        expr: http_requests_total{job="api"} > 1000
        for: 5m
        summary: raw counter
      - alert: ApiAbsentIsFine
        expr: absent(http_requests_total{job="api"})
        for: 5m
        summary: absent of a counter is fine
      - alert: ApiPodCrashLooping
        expr: vector(1)
        for: 10m
        summary: same name and labels as the generated alert
"""


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    path = tmp_path_factory.mktemp("lint") / "catalog.yaml"
    path.write_text(PLANTED)
    return run_checks(context_from_catalog(load_catalog(path)))


def _by_check(findings, name):
    return [f for f in findings if f.check == name]


def test_example_catalog_is_clean(example_catalog):
    assert run_checks(context_from_catalog(example_catalog)) == []


def test_missing_for(planted):
    found = _by_check(planted, "missing-for")
    assert [f.rule for f in found] == ["ApiFastRate"]  # burn-rate alerts are exempt


def test_rate_range_uses_the_service_scrape_interval(planted):
    (found,) = _by_check(planted, "rate-range")
    assert found.rule == "ApiFastRate" and "2 x 1m" in found.message


def test_counter_without_rate(planted):
    found = _by_check(planted, "counter-without-rate")
    assert [f.rule for f in found] == ["ApiRawCounter"]


def test_duplicate_alert_name_and_labels(planted):
    (found,) = _by_check(planted, "duplicate-rules")
    assert found.rule == "ApiPodCrashLooping" and "api-workload" in found.message


def _files(rules: list[dict]) -> dict[str, bytes]:
    doc = {"groups": [{"name": "g", "rules": rules}]}
    return {"alerts/x.rules.yaml": yaml.safe_dump(doc).encode()}


def test_duplicate_series():
    rule = {"record": "job:up:sum", "expr": "sum(up)", "labels": {"service": "x", "team": "t"}}
    other = {**rule, "labels": {"service": "y", "team": "t"}}
    findings = run_checks(LintContext(None, _files([rule, other, dict(rule)])))
    (found,) = _by_check(findings, "duplicate-rules")
    assert "series" in found.message


def test_rule_contract_labels_and_annotations():
    rules = [
        {
            "alert": "NoContract",
            "expr": "up == 0",
            "for": "5m",
            "labels": {"severity": "page"},
            "annotations": {"summary": "s"},
        },
        {"record": "slo:objective:ratio", "expr": "vector(1)", "labels": {"service": "x"}},
    ]
    found = {
        f.message for f in _by_check(run_checks(LintContext(None, _files(rules))), "rule-contract")
    }
    assert found == {
        "alert NoContract has no label service",
        "alert NoContract has no label team",
        "alert NoContract: severity 'page' is not one of critical, warning, info",
        "alert NoContract has no annotation description",
        "alert NoContract has no annotation dashboard",
        "series slo:objective:ratio has no label slo",
        "series slo:objective:ratio has no label team",
    }


def test_every_check_has_the_interface_and_a_doc_page():
    checks = load_checks()
    assert len(checks) == len(CHECK_MODULES)
    for check in checks:
        assert check.NAME and check.DESCRIPTION and callable(check.run)
        doc = REPO / "docs" / "lint" / f"{check.NAME}.md"
        assert doc.is_file(), f"{doc} is missing"
    assert [c.NAME for c in load_checks(["missing-for"])] == ["missing-for"]
