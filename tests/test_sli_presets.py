"""Presets as data, per-service overrides, regex selectors and custom SLIs (issue 11).

Each feature is checked where it matters: catalog errors with file:line, the rendered
PromQL, and the real promtool running the generated tests (which take their input labels
from what the real libraries emit, tests/conformance/recorded/).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog_support import (
    catalog_file,
    generated_tests,
    problems,
    rendered,
    rules_of,
    run_promtool,
)

# --- catalog presets and overrides -------------------------------------------------------

PHP_PRESET = """\
presets:
  - name: legacy-php
    library: our PHP exporter 2.3
    requests: php_requests_total
    statusLabel: status
    errorRegex: "5..|error"
    histogram: php_request_duration_seconds
    buckets: [100ms, 250ms, 1s]
    testValues: {ok: "200", error: error}
  - name: fastapi-strict
    extends: fastapi-instrumentator
    errorRegex: "5..|429"
"""


def test_catalog_preset_renders_and_its_tests_pass(tmp_path: Path, promtool: str) -> None:
    out = rendered(
        tmp_path,
        PHP_PRESET
        + """\
services:
  - name: shop-php
    team: web
    metrics: {preset: legacy-php}
    slos:
      - {name: availability, objective: 99.9}
      - {name: latency, objective: 99, threshold: 250ms}
  - name: api
    team: web
    metrics: {preset: fastapi-strict}
    slos: [{name: availability, objective: 99}]
""",
    )
    php = rules_of(out, "shop-php")
    assert 'status=~"5..|error"' in php["slo:sli_error:ratio_rate5m"][0]
    assert (
        'php_request_duration_seconds_bucket{job="shop-php", namespace="default", le="0.25"}'
        in (php["slo:sli_error:ratio_rate5m"][1])
    )
    api = rules_of(out, "api")["slo:sli_error:ratio_rate5m"][0]
    # extends keeps the base's fields (requests, handler exclusion) and replaces the regex
    assert 'http_requests_total{job="api", namespace="default", handler!~"/metrics' in api
    assert 'status=~"5..|429"' in api
    proc = run_promtool(promtool, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_service_overrides_single_preset_fields(tmp_path: Path) -> None:
    out = rendered(
        tmp_path,
        """\
services:
  - name: web
    team: web
    metrics:
      preset: prometheus-http
      overrides: {statusLabel: status, excludeHandlers: ["/internal/.*"]}
    slos: [{name: availability, objective: 99}]
""",
    )
    expr = rules_of(out, "web")["slo:sli_error:ratio_rate5m"][0]
    assert 'status=~"5.."' in expr and "code=" not in expr
    assert 'handler!~"/internal/.*"' in expr


@pytest.mark.parametrize(
    ("body", "line", "field", "message"),
    [
        (
            "presets: [{name: grpc, requests: x_total, statusLabel: s, errorRegex: e}]\n",
            5,
            "presets[0].name",
            "preset `grpc` is a built-in preset",
        ),
        (
            "presets: [{name: mine, extends: prometheus-htp}]\n",
            5,
            "presets[0].extends",
            "did you mean `prometheus-http`?",
        ),
        (
            "presets: [{name: mine, requests: x_total}]\n",
            5,
            "presets[0]",
            "needs statusLabel, errorRegex",
        ),
        (
            "presets: [{name: mine, extends: grpc, errorRegex: '(unclosed'}]\n",
            5,
            "presets[0].errorRegex",
            "not a valid regex",
        ),
    ],
)
def test_bad_presets_name_file_line_and_field(
    tmp_path: Path, body: str, line: int, field: str, message: str
) -> None:
    body += "services: [{name: a, team: web, metrics: {preset: prometheus-http}}]\n"
    found = problems(tmp_path, body)
    hit = [p for p in found if f": {field}: " in p or f": {field}." in p]
    assert hit, found
    assert f"catalog.yaml:{line}:" in hit[0] and message in hit[0], hit[0]


def test_unknown_preset_suggests_the_closest(tmp_path: Path) -> None:
    found = problems(
        tmp_path, "services: [{name: a, team: web, metrics: {preset: flask-exporte}}]\n"
    )
    assert "catalog.yaml:5:" in found[0]
    assert "unknown preset `flask-exporte` (did you mean `flask-exporter`?)" in found[0]


# --- regex selectors -----------------------------------------------------------------------


def test_regex_selector_matches_canary_and_tests_pass(tmp_path: Path, promtool: str) -> None:
    out = rendered(
        tmp_path,
        """\
services:
  - name: reviews
    team: web
    metrics:
      preset: starlette-exporter
      selector: {job: "~reviews|reviews-canary", env: "!~dev.*"}
    slos: [{name: availability, objective: 99.9}]
""",
    )
    expr = rules_of(out, "reviews")["slo:sli_error:ratio_rate5m"][0]
    assert 'env!~"dev.*"' in expr and 'job=~"reviews|reviews-canary"' in expr
    tests = generated_tests(out, "reviews")
    assert 'job="reviews"' in tests  # the example value the regex matches
    proc = run_promtool(promtool, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- custom SLIs -------------------------------------------------------------------------

CUSTOM = """\
services:
  - name: queue
    team: web
    metrics: {preset: none}
    slos:
      - name: processing
        objective: 99
        sli:
          errorQuery: sum(rate(jobs_failed_total{queue="orders"}[{{.window}}]))
          totalQuery: sum(rate(jobs_processed_total{queue="orders"}[{{.window}}]))
      - name: delivery
        objective: 99.5
        sli:
          goodQuery: rate(mails_delivered_total[{{.window}}])
          totalQuery: rate(mails_sent_total[{{.window}}])
      - name: speed
        objective: 95
        sli: {histogram: job_duration_seconds, threshold: 2s, selector: {queue: orders}}
"""


def test_custom_slis_render_as_written(tmp_path: Path, promtool: str) -> None:
    out = rendered(tmp_path, CUSTOM)
    five = rules_of(out, "queue")["slo:sli_error:ratio_rate5m"]
    processing, delivery, speed = five
    # the author's outer sum keeps `cluster` (issue 13: central rules never add clusters up)
    by = "sum by (cluster)"
    assert f'{by}(rate(jobs_failed_total{{queue="orders"}}[5m]))\n  or\n  0 *' in processing
    assert f"{by}(sum(" not in processing  # an already summed query is not wrapped again
    assert delivery.startswith("1 - (") and f"{by}(rate(mails_delivered_total[5m]))" in delivery
    assert 'job_duration_seconds_bucket{queue="orders", le=~"2(\\\\.0)?"}' in speed
    tests = generated_tests(out, "queue")
    assert "Not tested here: SLO processing, delivery" in tests
    assert "queue speed: total outage pages" in tests  # histogram SLIs get their tests
    proc = run_promtool(promtool, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("sli", "field", "message"),
    [
        (
            "{errorQuery: 'sum(rate(x_total[5m]))', totalQuery: 'sum(rate(y[{{.window}}]))'}",
            "slos[0].sli.errorQuery",
            "no `{{.window}}` placeholder",
        ),
        (
            "{errorQuery: 'sum(rate(x_total[{{.window}}])', totalQuery: 'rate(y[{{.window}}])'}",
            "slos[0].sli.errorQuery",
            "not valid PromQL",
        ),
        ("{errorQuery: 'rate(x[{{.window}}])'}", "slos[0].sli", "needs `totalQuery`"),
        (
            "{histogram: h_seconds, errorQuery: 'rate(x[{{.window}}])'}",
            "slos[0].sli",
            "two kinds of SLI",
        ),
        ("{histogram: h_seconds}", "slos[0].sli", "needs a threshold"),
    ],
)
def test_bad_custom_sli_names_line_and_field(
    tmp_path: Path, sli: str, field: str, message: str
) -> None:
    body = f"""\
services:
  - name: queue
    team: web
    metrics: {{preset: none}}
    slos:
      - name: processing
        objective: 99
        sli: {sli}
"""
    found = problems(tmp_path, body)
    hit = [p for p in found if f"services[0].{field}: " in p]
    assert hit, found
    assert "catalog.yaml:1" in hit[0] and message in hit[0], hit[0]


# --- generated tests take real libraries' labels -----------------------------------------


def test_generated_tests_carry_the_recorded_library_labels(tmp_path: Path) -> None:
    out = rendered(
        tmp_path,
        """\
services:
  - {name: api, team: web, metrics: {preset: fastapi-instrumentator}, slos: [{name: availability, objective: 99}]}
  - {name: rpc, team: web, metrics: {preset: grpc}, slos: [{name: availability, objective: 99}]}
""",
    )
    api = generated_tests(out, "api")
    assert 'status="5xx"' in api and 'handler="/fail"' in api
    rpc = generated_tests(out, "rpc")
    # one outage test per recorded library: Go's and Python's spellings both must page
    assert 'grpc_code="Internal"' in rpc and 'grpc_code="INTERNAL"' in rpc
    assert "(py-grpc-prometheus labels)" in rpc and "(go-grpc-prometheus labels)" in rpc


def test_a_preset_that_misses_the_real_error_value_fails_its_tests(
    tmp_path: Path, promtool: str
) -> None:
    """Teeth: the old case-sensitive gRPC regex misses Python's INTERNAL, and the generated
    outage test for py-grpc-prometheus's labels fails in the real promtool."""
    old = "Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded"
    out = rendered(
        tmp_path,
        f"""\
services:
  - name: rpc
    team: web
    metrics: {{preset: grpc, overrides: {{errorRegex: "{old}"}}}}
    slos: [{{name: availability, objective: 99}}]
""",
    )
    proc = run_promtool(promtool, out)
    assert proc.returncode != 0
    assert "py-grpc-prometheus labels" in proc.stdout + proc.stderr
    assert "go-grpc-prometheus labels" not in proc.stdout + proc.stderr


def test_which_preset_table_lists_every_builtin_preset() -> None:
    from obskit.catalog.presets import PRESETS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "catalog.md").read_text()
    table = doc.split("### Which preset?", 1)[1].split("\n\n", 2)[1]
    for preset in PRESETS.values():
        row = next((r for r in table.splitlines() if f"| `{preset.name}` |" in r), None)
        assert row, f"{preset.name} missing from the which-preset table"
        assert f"`{preset.requests}" in row and f"`{preset.status_label}`" in row, row


def test_lint_flags_a_threshold_that_is_no_default_bucket(tmp_path: Path) -> None:
    """The conformance suite found go-grpc-prometheus writes no 300ms bucket by default."""
    from obskit import load_catalog
    from obskit.lint import run_checks
    from obskit.lint.base import context_from_catalog

    body = """\
services:
  - name: rpc
    team: web
    metrics: {preset: grpc}
    slos: [{name: latency, objective: 99, threshold: 300ms}]
  - name: rpc-configured
    team: web
    metrics: {preset: grpc, buckets: [100ms, 300ms, 1s]}
    slos: [{name: latency, objective: 99, threshold: 300ms}]
"""
    catalog = load_catalog(catalog_file(tmp_path, body))
    found = [f for f in run_checks(context_from_catalog(catalog)) if f.check == "threshold-bucket"]
    assert [f.path for f in found] == ["alerts/rpc.rules.yaml"]
    assert "300ms is not a default bucket of preset grpc" in found[0].message


def test_preset_samples_are_derived_from_the_recordings() -> None:
    """obskit/data/preset-samples.json is what scripts/derive_preset_samples.py makes from
    tests/conformance/recorded/ (the real libraries' expositions)."""
    from conftest import load_script

    root = Path(__file__).resolve().parent.parent
    module = load_script("scripts/derive_preset_samples.py")
    assert module.main(["--check"]) == 0, "run: python scripts/derive_preset_samples.py"
    data = module.derive(root / "tests" / "conformance" / "recorded")
    from obskit.catalog.presets import PRESETS

    runnable = {"prometheus-http", "fastapi-instrumentator", "flask-exporter"}
    runnable |= {"starlette-exporter", "otel-http", "otel-http-legacy", "grpc"}
    assert runnable <= set(data["presets"]) <= set(PRESETS)
    assert {s["library"] for s in data["presets"]["grpc"]} == {
        "go-grpc-prometheus",
        "py-grpc-prometheus",
    }


# --- found by a newcomer's run ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("~(a|b", "not a valid regex"),
        ("~a(?=b)", "RE2"),
        ("~", "empty regex"),
        ("!~", "empty regex"),
    ],
)
def test_selector_regexes_prometheus_refuses_are_refused_at_load(
    tmp_path: Path, value: str, message: str
) -> None:
    found = problems(
        tmp_path,
        f"services: [{{name: a, team: web, metrics: {{selector: {{job: '{value}'}}}}}}]\n",
    )
    assert len(found) == 1 and "catalog.yaml:5:" in found[0], found
    assert "services[0].metrics.selector" in found[0] and message in found[0], found[0]


def test_error_regex_with_perl_syntax_is_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "presets: [{name: mine, extends: prometheus-http, errorRegex: '5..|4(?=29)'}]\n"
        "services: [{name: a, team: web, metrics: {preset: mine}}]\n",
    )
    assert any("presets[0].errorRegex" in p and "RE2" in p for p in found), found


@pytest.mark.parametrize("regex", ["checkout-[0-9]+", "[ab]", "(?i)A", "prod-(eu|us)-[0-9]{2}"])
def test_generated_tests_pass_with_non_literal_selector_regexes(
    tmp_path: Path, promtool: str, regex: str
) -> None:
    out = rendered(
        tmp_path,
        f"""\
services:
  - name: checkout
    team: web
    metrics: {{preset: grpc, selector: {{job: "~{regex}"}}}}
    slos: [{{name: availability, objective: 99.9}}]
""",
    )
    proc = run_promtool(promtool, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_typo_in_defaults_is_reported_once_at_the_defaults(tmp_path: Path) -> None:
    path = catalog_file(
        tmp_path,
        "services: [{name: a, team: web}, {name: b, team: web}]\n",
    )
    path.write_text(
        path.read_text().replace("teams:", "defaults: {metrics: {preset: flask-exproter}}\nteams:")
    )
    from obskit import load_catalog
    from obskit.catalog.errors import CatalogError

    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    found = [str(p) for p in info.value.problems]
    assert len(found) == 1, found
    assert "defaults.metrics.preset: unknown preset `flask-exproter`" in found[0]
    assert "did you mean `flask-exporter`?" in found[0] and "catalog.yaml:4:" in found[0]


def test_a_broken_catalog_preset_is_reported_once(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
presets:
  - {name: strict, extends: fastapi-instrumentatr}
  - {name: early, extends: late}
  - {name: late, extends: grpc}
services:
  - {name: a, team: web, metrics: {preset: strict}}
  - {name: b, team: web, metrics: {preset: fastapi}}
""",
    )
    text = "\n".join(found)
    assert len(found) == 3, found
    assert "presets[0].extends: unknown preset `fastapi-instrumentatr`" in text
    assert "presets[1].extends: preset `late` is declared after `early`" in text
    assert "services[1].metrics.preset: unknown preset `fastapi`" in text
    assert "did you mean `fastapi-instrumentator`?" in text


def test_error_and_good_query_together_are_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """\
services:
  - name: q
    team: web
    metrics: {preset: none}
    slos:
      - name: processing
        objective: 99
        sli: {errorQuery: 'rate(e[{{.window}}])', goodQuery: 'rate(g[{{.window}}])', totalQuery: 'rate(t[{{.window}}])'}
""",
    )
    assert any("`errorQuery` and `goodQuery` both given" in p for p in found), found


def test_threshold_hint_names_the_bounds_either_side(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "services: [{name: a, team: web, metrics: {preset: flask-exporter}, "
        "slos: [{name: latency, objective: 99, threshold: 300ms}]}]\n",
    )
    assert "use a bound such as 250ms or 500ms" in found[0], found[0]
