"""obskit preview against a real Prometheus with backfilled synthetic data.

One server for the module (tests/preview_support.py): cart is healthy, checkout had two
outages (6h-5h ago, and the last 90 minutes), search's catalog selector has a typo and
payment's latency threshold has no bucket in the exported histogram.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from preview_support import CATALOG, OUTAGES, RULES_DIR, PrometheusServer, prometheus_binaries
from typer.testing import CliRunner

from obskit.catalog.loader import load_catalog
from obskit.cli import app
from obskit.preview.connection import Server, Transport
from obskit.preview.expand import Expander
from obskit.preview.retention import retention_warnings
from obskit.preview.rules import parse_rule_files, rendered_rule_files
from obskit.queries import error_ratio

pytestmark = pytest.mark.prometheus

#: alert rules: rendered from the catalog by the alerts renderer (no --rules)
RULES: list[str] = []


@pytest.fixture(scope="module")
def prom(tmp_path_factory: pytest.TempPathFactory):
    binaries = prometheus_binaries()
    if not binaries:
        pytest.skip("prometheus/promtool not on PATH: apt-get install -y prometheus")
    server = PrometheusServer(*binaries, tmp_path_factory.mktemp("prometheus"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def preview(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["preview", str(CATALOG), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def preview_json(prom: PrometheusServer, *args: str) -> tuple[int, dict]:
    code, out, _err = preview("--prometheus", prom.url, "--output", "json", *RULES, *args)
    return code, json.loads(out)


def service(doc: dict, name: str) -> dict:
    return next(s for s in doc["services"] if s["service"] == name)


def check(doc: dict, svc: str, name: str) -> dict:
    return next(c for c in service(doc, svc)["checks"] if c["check"] == name)


def critical(doc: dict, svc: str) -> list[dict]:
    return [a for a in service(doc, svc)["alerts"] if a["severity"] == "critical"]


@pytest.fixture(scope="module")
def checks(prom: PrometheusServer) -> dict:
    code, doc = preview_json(prom, "--since", "0", "-s", "search", "-s", "payment", "-s", "cart")
    # a selector typo, a threshold without a bucket, a workload missing: failures, exit 1
    assert code == doc["exitCode"] == 1
    assert "search/requests" in doc["failedChecks"]
    assert "payment/latency bucket (latency)" in doc["failedChecks"]
    assert not any(c.startswith("cart/") for c in doc["failedChecks"])
    return doc


def test_metric_check_finds_selector_typo(checks: dict) -> None:
    requests = check(checks, "search", "requests")
    assert requests["status"] == "fail"
    assert requests["series"] == 0
    assert 'job="serch" matches nothing (did you mean "search"?)' in requests["detail"]
    assert check(checks, "search", "latency histogram")["status"] == "fail"
    # the selector matches nothing at all: no preset to suggest, the selector is wrong
    assert "preset" not in {c["check"] for c in service(checks, "search")["checks"]}


def test_metric_check_finds_wrong_latency_bucket(checks: dict) -> None:
    bucket = check(checks, "payment", "latency bucket (latency)")
    assert bucket["status"] == "fail"
    assert 'no bucket le="0.3"' in bucket["detail"]
    assert 'nearest: le="0.25" and le="0.5"' in bucket["detail"]
    # the selector itself is right, and so is the preset (no suggestion)
    assert check(checks, "payment", "requests")["status"] == "ok"
    assert "preset" not in {c["check"] for c in service(checks, "payment")["checks"]}


def test_metric_check_passes_a_healthy_service(checks: dict) -> None:
    cart = {c["check"]: c for c in service(checks, "cart")["checks"]}
    assert {name: c["status"] for name, c in cart.items()} == {
        "requests": "ok",
        "status label": "ok",
        "status values": "ok",
        "latency histogram": "ok",
        "latency bucket (latency)": "ok",
        "latency bucket (latency-slow)": "ok",
        "kube-state-metrics": "ok",
    }
    assert 'matches le="1"' in cart["latency bucket (latency-slow)"]["detail"]
    assert cart["requests"]["series"] == 2  # code 200 and 500
    assert cart["status values"]["detail"] == "code values 200, 500 fit [1-5][0-9][0-9]"
    assert cart["latency histogram"]["series"] == 12  # 11 bounds and +Inf
    # workload missing from kube-state-metrics, with what exists instead
    ksm = check(checks, "payment", "kube-state-metrics")
    assert ksm["status"] == "fail" and "cart, checkout" in ksm["detail"]


def test_alerts_reading_missing_series_are_listed(checks: dict, prom: PrometheusServer) -> None:
    alerts = {a["alert"]: a for a in service(checks, "cart")["alerts"]}
    assert alerts["CartQueueBacklog"]["missingMetrics"] == ["cart_queue_depth"]
    # the expanded SLO alerts read only series that exist
    for name in ("CartAvailabilityErrorBudgetFastBurn", "CartLatencySlowErrorBudgetFastBurn"):
        assert alerts[name]["missingMetrics"] == alerts[name]["unmatchedSelectors"] == []
    # the metric exists but not for this workload: unmatched, not missing
    unavailable = next(
        a
        for a in service(checks, "payment")["alerts"]
        if a["alert"] == "PaymentReplicasUnavailable"
    )
    assert unavailable["missingMetrics"] == []
    assert unavailable["unmatchedSelectors"] == [
        'kube_deployment_spec_replicas{namespace="shop", deployment="payment"}',
        'kube_deployment_status_replicas_available{namespace="shop", deployment="payment"}',
        'kube_deployment_status_replicas_updated{namespace="shop", deployment="payment"}',
    ]
    _, out, _ = preview("--prometheus", prom.url, "-s", "cart", "--since", "0")
    assert "missing metric: cart/CartQueueBacklog reads cart_queue_depth" in out


@pytest.fixture(scope="module")
def run(prom: PrometheusServer) -> tuple[int, dict]:
    return preview_json(prom, "--since", "7h", "-s", "checkout", "-s", "cart", "--no-checks")


def test_now_reports_the_failing_page_not_the_healthy_one(run: tuple[int, dict]) -> None:
    code, doc = run
    pages = critical(doc, "checkout")
    assert any(a["now"]["state"] == "firing" for a in pages)
    firing = next(a for a in pages if a["now"]["state"] == "firing")
    # the value is the alert's: the short-window error ratio, ~10% in the outage
    assert 0.05 < firing["now"]["values"][0]["value"] < 0.11
    assert all(a["now"]["state"] == "inactive" for a in critical(doc, "cart"))
    assert doc["criticalFiring"] == [f"checkout/{firing['alert']}"]
    assert code == doc["exitCode"] == 1


def test_backtest_counts_the_outages(run: tuple[int, dict], prom: PrometheusServer) -> None:
    _, doc = run
    page = next(a for a in critical(doc, "checkout") if a["now"]["state"] == "firing")
    backtest = page["backtest"]
    assert backtest["episodes"] == 2, backtest
    starts = [datetime.fromisoformat(e["start"]).timestamp() for e in backtest["firing"]]
    for start, (outage_start, _) in zip(starts, OUTAGES, strict=True):
        delay = start - (prom.end - outage_start)
        assert 0 <= delay <= 15 * 60, f"fired {delay}s after the outage started"
    first = backtest["firing"][0]
    length = datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"])
    # the 1h outage pages from ~9 min in until the 30m window has cleared (~28 min after)
    assert 60 * 60 <= length.total_seconds() <= 95 * 60
    assert backtest["firingSeconds"] == pytest.approx(
        sum(
            (datetime.fromisoformat(e["end"]) - datetime.fromisoformat(e["start"])).total_seconds()
            for e in backtest["firing"]
        )
    )
    # the healthy service never paged
    assert all(a["backtest"]["episodes"] == 0 for a in critical(doc, "cart"))


def test_for_is_honoured(run: tuple[int, dict], prom: PrometheusServer) -> None:
    """ReplicasUnavailable (for: 15m): the two outages fire, the 10-minute blip stays pending."""
    _, doc = run
    alert = next(
        a for a in service(doc, "checkout")["alerts"] if a["alert"].endswith("ReplicasUnavailable")
    )
    assert alert["for"] == "15m"
    assert alert["now"]["state"] == "firing"  # one replica short for 90 minutes
    backtest = alert["backtest"]
    assert backtest["episodes"] == 2, backtest
    for episode, (outage_start, outage_end) in zip(backtest["firing"], OUTAGES, strict=True):
        start = datetime.fromisoformat(episode["start"]).timestamp()
        delay = start - (prom.end - outage_start)
        assert 15 * 60 <= delay <= 17 * 60, f"fired {delay}s after the replica was lost"
        end = datetime.fromisoformat(episode["end"]).timestamp()
        assert abs(end - (prom.end - outage_end)) <= 3 * 60
    # the same alert on cart (all replicas available) never fired
    cart = next(a for a in service(doc, "cart")["alerts"] if a["alert"].endswith("Unavailable"))
    assert cart["backtest"]["episodes"] == 0 and cart["now"]["state"] == "inactive"


def test_pending_now(prom: PrometheusServer, tmp_path) -> None:
    """A condition that holds now but not yet for `for` is pending, not firing."""
    rules = tmp_path / "alerts"
    rules.mkdir()
    (rules / "checkout.rules.yaml").write_text(
        "groups:\n- name: g\n  rules:\n"
        "  - alert: ErrorsForLong\n"
        '    expr: sum(rate(http_requests_total{job="checkout", code="500"}[5m])) > 0.5\n'
        "    for: 2h\n    labels: {severity: critical}\n"
        "  - alert: ErrorsForAWhile\n"
        '    expr: sum(rate(http_requests_total{job="checkout", code="500"}[5m])) > 0.5\n'
        "    for: 30m\n    labels: {severity: critical}\n"
        # true until 2 minutes before the end of the data, then kept firing for an hour
        "  - alert: KeptFiring\n"
        f"    expr: vector(time()) < {prom.end - 120:.0f}\n"
        "    keep_firing_for: 1h\n    labels: {severity: warning}\n"
        "  - alert: NotKept\n"
        f"    expr: vector(time()) < {prom.end - 120:.0f}\n"
        "    labels: {severity: warning}\n"
    )
    code, out, _ = preview(
        "--prometheus", prom.url, "--rules", str(tmp_path), "-s", "checkout", "--output", "json"
    )
    doc = json.loads(out)
    states = {a["alert"]: a["now"]["state"] for a in service(doc, "checkout")["alerts"]}
    assert states == {
        "ErrorsForLong": "pending",
        "ErrorsForAWhile": "firing",
        "KeptFiring": "firing",
        "NotKept": "inactive",
    }
    assert code == 1


def test_json_structure(run: tuple[int, dict], prom: PrometheusServer) -> None:
    _code, doc = run
    assert set(doc) == {
        "prometheus",
        "evaluatedAt",
        "since",
        "step",
        "warnings",
        "services",
        "criticalFiring",
        "failedChecks",
        "failedAlerts",
        "exitCode",
    }
    assert doc["prometheus"] == prom.url
    assert doc["since"] == "7h" and doc["step"] == "1m"
    assert doc["failedAlerts"] == []
    alert = service(doc, "checkout")["alerts"][0]
    assert set(alert) == {
        "alert",
        "severity",
        "for",
        "expr",
        "missingMetrics",
        "unmatchedSelectors",
        "now",
        "backtest",
    }
    assert set(alert["now"]) == {"state", "values", "observed", "error"}
    assert set(alert["backtest"]) == {
        "episodes",
        "firingSeconds",
        "longestSeconds",
        "firing",
        "error",
    }
    # expanded: no recording-rule name is left in what was queried
    assert "slo:" not in alert["expr"] and "service:" not in alert["expr"]


def test_table_output_and_exit_0_for_a_healthy_service(prom: PrometheusServer) -> None:
    code, out, _ = preview("--prometheus", prom.url, *RULES, "-s", "cart", "--since", "1h")
    assert code == 0
    assert "CartAvailabilityErrorBudgetFastBurn" in out
    assert "Metric check" in out and "backtest over the last 1h" in out
    assert "no critical alert firing now" in out


def test_expansion_evaluates_like_the_recording_rule(prom: PrometheusServer) -> None:
    """The expanded series of a rendered recording rule has its value and static labels."""
    catalog = load_catalog(CATALOG)
    rules = parse_rule_files(rendered_rule_files(catalog, ["checkout"]))["checkout"]
    assert rules.recording and rules.alerts
    expanded = Expander(rules.recording).expand(
        'slo:sli_error:ratio_rate1h{service="checkout", slo="availability"}'
    )
    with Server(Transport(prom.url)) as server:
        got = server.query(expanded)
        want = server.query(error_ratio(catalog.service("checkout"), "1h"))
    assert len(got) == 1
    assert got[0]["metric"] == {
        "service": "checkout",
        "slo": "availability",
        "team": "storefront",
        "tier": "critical",
    }
    assert float(got[0]["value"][1]) == pytest.approx(float(want[0]["value"][1]))


def test_hand_made_rule_files(prom: PrometheusServer) -> None:
    """--rules DIR reads already rendered files instead of rendering the catalog."""
    args = ["--prometheus", prom.url, "--rules", str(RULES_DIR), "-s", "checkout", "--since", "0"]
    code, out, _ = preview(*args, "--output", "json")
    names = [a["alert"] for a in service(json.loads(out), "checkout")["alerts"]]
    assert "CheckoutHighErrorRate" in names  # only in the hand-made file
    assert code == 1


def test_retention_warning(prom: PrometheusServer) -> None:
    with Server(Transport(prom.url)) as server:
        now = datetime.now(tz=UTC)
        assert retention_warnings(server, 7 * 86400, now) == []
        warnings = retention_warnings(server, 60 * 86400, now)
    assert warnings and "exceeds the server's retention (30d)" in warnings[0]


def test_warns_when_the_data_starts_after_since(prom: PrometheusServer) -> None:
    code, doc = preview_json(prom, "-s", "cart", "--since", "10h", "--no-checks")
    assert any(
        w.startswith("cart: no http_requests_total data in the first 2h") for w in doc["warnings"]
    ), doc["warnings"]
    assert code == 0


def test_failing_server_is_one_line_exit_3(prom: PrometheusServer) -> None:
    # a URL under which there is no Prometheus API: HTTP 404
    code, out, err = preview("--prometheus", f"{prom.url}/no/such/prefix", *RULES)
    assert code == 3
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("obskit: error: ")
    assert "HTTP 404" in err
