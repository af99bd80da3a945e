"""Per-SLO alert controls: page/ticket off, severities, labels, annotations, minimum traffic,
and the catalog-wide runbook pattern (issue 19, part 3)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from obskit import load_catalog

from catalog_support import catalog_file, problems, rendered, run_promtool

BODY = """\
services:
  - name: api
    team: web
    slos:
      - name: availability
        objective: 99.9
        alerting:
          minRequestRate: 2
          pageSeverity: critical
          ticketSeverity: info
          labels: {component: edge}
          annotations: {playbook: "https://wiki.example.com/api"}
      - name: latency
        objective: 99
        threshold: 500ms
        alerting: {page: false}
"""


def _alerts(out: Path) -> dict[str, dict]:
    doc = yaml.safe_load((out / "alerts" / "api.rules.yaml").read_text())
    return {r["alert"]: r for g in doc["groups"] for r in g["rules"] if "alert" in r}


def test_controls_shape_the_rules_and_their_tests_pass(tmp_path: Path, promtool: str) -> None:
    out = rendered(tmp_path, BODY)
    alerts = _alerts(out)
    assert "ApiLatencyErrorBudgetFastBurn" not in alerts
    assert "ApiLatencyErrorBudgetSlowBurn" in alerts
    page = alerts["ApiAvailabilityErrorBudgetFastBurn"]
    ticket = alerts["ApiAvailabilityErrorBudgetSlowBurn"]
    assert page["labels"]["component"] == "edge" and page["labels"]["severity"] == "critical"
    assert ticket["labels"]["severity"] == "info"
    assert page["annotations"]["playbook"] == "https://wiki.example.com/api"
    assert 'slo:sli_events:rate5m{service="api", slo="availability"} >= 2' in page["expr"]
    tests = (out / "alerts" / "tests" / "api.outages.test.yaml").read_text()
    assert "an outage below 2 req/s (minRequestRate) pages nothing" in tests
    proc = run_promtool(promtool, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_without_the_traffic_guard_the_low_traffic_test_fails(
    tmp_path: Path, promtool: str
) -> None:
    """Teeth: drop the guard from the rendered rule and the generated test catches it."""
    out = rendered(tmp_path, BODY)
    path = out / "alerts" / "api.rules.yaml"
    text = path.read_text()
    guarded = '\n      and\n      slo:sli_events:rate5m{service="api", slo="availability"} >= 2'
    assert guarded in text
    path.write_text(text.replace(guarded, ""))
    tests = str(out / "alerts" / "tests" / "api.outages.test.yaml")
    proc = subprocess.run([promtool, "test", "rules", tests], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "pages nothing" in proc.stdout + proc.stderr


def test_runbook_pattern_fills_services_without_a_runbook(tmp_path: Path) -> None:
    path = catalog_file(
        tmp_path,
        """\
services:
  - {name: a, team: web}
  - {name: b, team: web, runbook: "https://own.example.com/b"}
""",
    )
    text = path.read_text().replace(
        "metadata: {name: shop}",
        "metadata: {name: shop, runbooks: 'https://rb.example.com/{service}'}",
    )
    path.write_text(text)
    catalog = load_catalog(path)
    assert catalog.service("a").runbook == "https://rb.example.com/a"
    assert catalog.service("b").runbook == "https://own.example.com/b"


def test_bad_controls_are_refused_with_line_and_field(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
services:
  - name: api
    team: web
    slos:
      - name: availability
        objective: 99.9
        alerting: {page: false, ticket: false, labels: {severity: x}, annotations: {summary: y}}
""",
    )
    text = "\n".join(found)
    assert "services[0].slos[0].alerting: page and ticket are both off" in text
    assert "services[0].slos[0].alerting.labels.severity: label `severity` is set by obskit" in text
    assert "alerting.annotations.summary: annotation `summary` is set by obskit" in text
    assert all("catalog.yaml:11:" in p for p in found), found


SLOTH_CUSTOM_30D = """\
services:
  - name: api
    team: web
    slos:
      - name: availability
        objective: 99.9
        alerting:
          windows:   # Sloth's examples/windows/custom-30d.yaml spec
            page:
              quick: {errorBudgetPercent: 1, shortWindow: 2m, longWindow: 30m}
              slow: {errorBudgetPercent: 2, shortWindow: 15m, longWindow: 3h}
            ticket:
              quick: {errorBudgetPercent: 5, shortWindow: 1h, longWindow: 12h}
              slow: {errorBudgetPercent: 5, shortWindow: 3h, longWindow: 36h}
"""


def test_custom_windows_in_sloths_shape(tmp_path: Path, promtool: str) -> None:
    out = rendered(tmp_path, SLOTH_CUSTOM_30D)
    alerts = _alerts(out)
    page = alerts["ApiAvailabilityErrorBudgetFastBurn"]["expr"]
    # 1% of 30d in 30m: factor 14.4; 2% in 3h: factor 4.8
    assert "slo:sli_error:ratio_rate2m{" in page and "slo:sli_error:ratio_rate30m{" in page
    assert "(14.4 * 0.001)" in page and "(4.8 * 0.001)" in page
    ticket = alerts["ApiAvailabilityErrorBudgetSlowBurn"]["expr"]
    assert "slo:sli_error:ratio_rate36h{" in ticket and "(3 * 0.001)" in ticket
    doc = yaml.safe_load((out / "alerts" / "api.rules.yaml").read_text())
    records = {r["record"] for g in doc["groups"] for r in g["rules"] if "record" in r}
    for window in ("2m", "15m", "3h", "12h", "36h", "5m", "1h", "6h", "1d", "3d"):
        assert f"slo:sli_error:ratio_rate{window}" in records
    proc = run_promtool(promtool, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_custom_windows_that_page_on_a_met_slo_are_refused(tmp_path: Path) -> None:
    body = SLOTH_CUSTOM_30D.replace(
        "quick: {errorBudgetPercent: 1, shortWindow: 2m, longWindow: 30m}",
        "quick: {errorBudgetPercent: 1, shortWindow: 2h, longWindow: 1d}",
    )
    found = "\n".join(problems(tmp_path, body))
    assert "alerting.windows.page.quick.errorBudgetPercent: a page at a 0.3x burn" in found
    assert "alerting.windows.page.quick: shortWindow must be shorter" not in found
    body = SLOTH_CUSTOM_30D.replace(
        "shortWindow: 2m, longWindow: 30m", "shortWindow: 1h, longWindow: 30m"
    )
    found = "\n".join(problems(tmp_path, body))
    assert "alerting.windows.page.quick: shortWindow must be shorter than longWindow" in found
