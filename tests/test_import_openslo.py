"""obskit import openslo: v1 Services, SLOs and SLIs (inline and referenced) into the
catalog; what has no place there is reported per field."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obskit.adapters import openslo
from obskit.adapters.source import InputError, parse_documents
from obskit.catalog.loader import load_catalog
from obskit.cli import app
from obskit.render.pipeline import render

from conftest import SHARED_REFERENCE

DOCS = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
  labels: {team: payments}
spec:
  description: Places orders
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{job="checkout", code=~"5.."}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{job="checkout"}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
  displayName: Availability
spec:
  service: checkout
  indicatorRef: checkout-errors
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: latency
spec:
  service: checkout
  indicator:
    metadata: {name: latency-good}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            spec:
              query: sum(rate(http_request_duration_seconds_bucket{job="checkout", le="0.3"}[{{.window}}]))
        total:
          metricSource:
            spec:
              query: sum(rate(http_request_duration_seconds_count{job="checkout"}[{{.window}}]))
  timeWindow:
    - duration: 1M
      calendar: {startTime: "2024-01-01 00:00:00", timeZone: Europe/Berlin}
  budgetingMethod: Timeslices
  objectives:
    - targetPercent: 99
      timeSliceTarget: 0.9
      timeSliceWindow: 1m
  alertPolicies: [page-me]
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: p99
spec:
  service: checkout
  indicator:
    metadata: {name: p99}
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="checkout"}[5m])))
  budgetingMethod: Occurrences
  objectives:
    - op: lte
      value: 0.5
      target: 0.95
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: datadog
spec:
  service: checkout
  indicator:
    metadata: {name: dd}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Datadog, spec: {query: "sum:requests.ok{*}"}}}
        total: {metricSource: {type: Datadog, spec: {query: "sum:requests{*}"}}}
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: page-me
spec: {}
"""


def _import(text: str = DOCS):
    return openslo.import_documents(parse_documents(text, "slo.yaml"))


def test_mapping() -> None:
    imported = _import()
    assert imported.teams == ["payments"]
    [service] = imported.services
    assert service["name"] == "checkout"
    assert service["team"] == "payments"
    assert service["description"] == "Places orders"
    slos = {s["name"]: s for s in service["slos"]}
    assert list(slos) == ["availability", "latency-sli", "p99"]
    assert slos["availability"] == {
        "name": "availability",
        "objective": 99.9,
        "window": "28d",
        "sli": {
            "errorQuery": 'sum(rate(http_requests_total{job="checkout", code=~"5.."}[{{.window}}]))',
            "totalQuery": 'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
        },
    }
    assert slos["latency-sli"]["objective"] == 99
    assert "window" not in slos["latency-sli"]
    assert set(slos["latency-sli"]["sli"]) == {"goodQuery", "totalQuery"}
    assert slos["p99"]["sli"]["errorQuery"].startswith("sum(count_over_time(((histogram_quantile")
    assert ") > 0.5)[{{.window}}:1m]))" in slos["p99"]["sli"]["errorQuery"]


def test_unmapped_fields_are_reported_where_they_are() -> None:
    report = {(u.line, u.field): u.why for u in _import().unmapped}
    assert "the catalog has no display names" in report[(31, "metadata.displayName")]
    assert "calendar windows are not supported" in report[(62, "spec.timeWindow[0]")]
    assert "obskit budgets by occurrences" in report[(64, "spec.budgetingMethod")]
    assert (67, "spec.objectives[0].timeSliceTarget") in report
    assert "multi-window multi-burn-rate" in report[(69, "spec.alertPolicies")]
    assert (
        "Datadog metrics" in report[(102, "spec.indicator.spec.ratioMetric.good.metricSource.type")]
    )
    assert "AlertPolicy" in report[(109, "kind")]
    assert "imported as `latency-sli`" in report[(45, "metadata.name")]


def test_imported_catalog_renders_rules_promtool_accepts(tmp_path: Path, promtool: str) -> None:
    src = tmp_path / "slo.yaml"
    src.write_text(DOCS)
    out = tmp_path / "catalog.yaml"
    result = CliRunner().invoke(app, ["import", "openslo", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    catalog = load_catalog(out)
    render(catalog, tmp_path / "r", only=["alerts"], use_cache=False)
    rules = sorted((tmp_path / "r" / "alerts").glob("*.rules.yaml"))
    check = subprocess.run([promtool, "check", "rules", *map(str, rules)], capture_output=True)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()


def test_query_without_window_that_is_not_a_counter_selector() -> None:
    text = DOCS.replace("counter: true\n    bad", "counter: false\n    bad", 1)
    report = {u.field: u.why for u in _import(text).unmapped}
    why = report["spec.ratioMetric.bad.metricSource.spec.query"]
    assert "no `{{.window}}` in the query" in why
    assert "SLO not imported" in why


def test_not_openslo_is_bad_input() -> None:
    with pytest.raises(InputError, match=r"x.yaml:1:1: apiVersion: not an OpenSLO document"):
        openslo.import_documents(parse_documents("apiVersion: v1\nkind: Pod\n", "x.yaml"))


@pytest.mark.parametrize(
    "name", ["openslo-getting-started.yml", "openslo-kubernetes-apiserver.yml"]
)
def test_sloth_openslo_v1alpha_examples(name: str, tmp_path: Path) -> None:
    path = SHARED_REFERENCE / "sloth" / "examples" / name
    if not path.is_file():
        pytest.skip("../shared/reference/sloth/examples is absent")
    out = tmp_path / "c.yaml"
    result = CliRunner().invoke(app, ["import", "openslo", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    catalog = load_catalog(out)
    assert all(
        slo.sli.good_query and slo.window == "30d" for s in catalog.services for slo in s.slos
    )
    assert "metadata.displayName: the catalog has no display names" in result.output
