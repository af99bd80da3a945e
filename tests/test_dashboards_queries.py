"""Queries: right metrics and matchers per preset, valid PromQL, counters in rate()."""

from __future__ import annotations

import re

import pytest
from dashboards_support import exprs, is_counter, matchers, panels, parse, render, selectors

from obskit.promql import parse_promql, substitute_grafana_variables

#: matcher values after Grafana variables are substituted for parsing ($namespace -> namespace)
NS = ("=", "namespace")
CLUSTER = ("=~", "cluster|")

# service of the example catalog -> (request counter, matchers it must carry, error matcher,
# latency histogram)
PRESET_CASES = {
    "frontend": (
        "http_requests_total",
        {"job": ("=", "frontend"), "namespace": NS},
        ("code", "5.."),
        "http_request_duration_seconds_bucket",
    ),
    "cart": (
        "http_server_request_duration_seconds_count",
        {"job": ("=", "cart"), "namespace": NS},
        ("http_response_status_code", "5.."),
        "http_server_request_duration_seconds_bucket",
    ),
    "checkout": (
        "grpc_server_handled_total",
        {"job": ("=", "checkout"), "namespace": NS},
        # case-insensitive: Go writes Internal, Python INTERNAL
        (
            "grpc_code",
            "(?i)unknown|resource_?exhausted|internal|unavailable|data_?loss|deadline_?exceeded",
        ),
        "grpc_server_handling_seconds_bucket",
    ),
    "catalog": (
        "http_server_requests_seconds_count",
        {"job": ("=", "catalog"), "namespace": NS},
        ("status", "5.."),
        "http_server_requests_seconds_bucket",
    ),
    "payment": (
        "istio_requests_total",
        {
            "reporter": ("=", "destination"),
            "destination_workload": ("=", "payment"),
            "destination_workload_namespace": NS,
        },
        ("response_code", "5.."),
        "istio_request_duration_milliseconds_bucket",
    ),
    "ingress": (
        "nginx_ingress_controller_requests",
        # the selector's namespace (shop) is not the workload's (ingress-nginx): kept literal
        {"exported_service": ("=", "frontend"), "exported_namespace": ("=", "shop")},
        ("status", "5.."),
        "nginx_ingress_controller_request_duration_seconds_bucket",
    ),
    "email": (
        "flask_http_request_duration_seconds_count",
        {
            "job": ("=", "email"),
            "namespace": NS,
            "path": ("!~", "/metrics|/health.*|/livez|/readyz|/ready|/live"),
        },
        ("status", "5.."),
        "flask_http_request_duration_seconds_bucket",
    ),
    "ads": (
        "http_requests_total",
        {"job": ("=", "ads"), "namespace": NS},
        ("status", "5.."),
        "http_request_duration_seconds_bucket",
    ),
    "recommendation": (
        "http_server_duration_milliseconds_count",
        {"job": ("=", "recommendation"), "namespace": NS},
        ("http_status_code", "5.."),
        "http_server_duration_milliseconds_bucket",
    ),
    "reviews": (
        "starlette_requests_total",
        {"job": ("=~", "reviews|reviews-canary"), "namespace": NS},
        ("status_code", "5.."),
        "starlette_request_duration_seconds_bucket",
    ),
}


@pytest.fixture(scope="module")
def rendered(example_catalog):
    return render(example_catalog)


def _dash(rendered, name):
    return rendered[f"dashboards/{name}.json"]


def _all_selectors(dashboard):
    for expr in exprs(dashboard):
        yield from selectors(parse(expr))


@pytest.mark.parametrize("service", sorted(PRESET_CASES))
def test_preset_metrics_and_matchers(rendered, service):
    requests, required, (err_label, err_regex), histogram = PRESET_CASES[service]
    sels = list(_all_selectors(_dash(rendered, service)))
    request_sels = [matchers(v) for v, _ in sels if v.name == requests]
    assert request_sels, f"{requests} not queried"
    for m in request_sels:
        assert required.items() <= m.items(), m
        assert m["cluster"] == CLUSTER
    assert any(m.get(err_label) == ("=~", err_regex) for m in request_sels)
    hist_sels = [matchers(v) for v, _ in sels if v.name == histogram]
    assert hist_sels and all(required.items() <= m.items() for m in hist_sels)


def test_istio_latency_is_converted_from_milliseconds(rendered):
    latency = next(p for p in panels(_dash(rendered, "payment")) if p["title"].startswith("Lat"))
    for target in latency["targets"]:
        assert target["expr"].endswith("/ 1000")
        assert "istio_request_duration_milliseconds_bucket" in target["expr"]
    frontend = next(p for p in panels(_dash(rendered, "frontend")) if p["title"].startswith("Lat"))
    assert not any(t["expr"].endswith("/ 1000") for t in frontend["targets"])


def test_grpc_requests_by_code_http_by_status_class(rendered):
    def rate_panel(name):
        return next(p for p in panels(_dash(rendered, name)) if p["title"].startswith("Request"))

    grpc = rate_panel("checkout")["targets"][0]
    assert "sum by (cluster, grpc_code)" in grpc["expr"]
    assert grpc["legendFormat"] == "{{grpc_code}} {{cluster}}"
    http = rate_panel("frontend")["targets"][0]
    assert "label_replace(" in http["expr"] and '"code", "([1-5]).*"' in http["expr"]


def test_threshold_lines_from_slos(rendered, example_catalog):
    for service in example_catalog.services:
        if service.metrics.preset == "none":
            continue
        dash = _dash(rendered, service.name)
        by_title = {p.get("title"): p for p in panels(dash)}
        errors = by_title["Error ratio"]["fieldConfig"]["defaults"]
        latency = by_title["Latency p50 / p90 / p99"]["fieldConfig"]["defaults"]
        availability = [s.objective for s in service.slos if s.kind == "availability"]
        thresholds = [s.threshold_seconds for s in service.slos if s.kind == "latency"]
        error_steps = [s["value"] for s in errors["thresholds"]["steps"]]
        if availability:
            assert error_steps[1] == pytest.approx(1 - max(availability) / 100)
            assert errors["custom"]["thresholdsStyle"]["mode"] == "dashed"
        else:
            assert errors["custom"]["thresholdsStyle"]["mode"] == "off"
        latency_steps = [s["value"] for s in latency["thresholds"]["steps"]]
        if thresholds:
            # in seconds even for istio (histogram in ms)
            assert latency_steps[1] == pytest.approx(min(thresholds))
        else:
            assert latency_steps == [None]


def test_every_query_parses_and_counters_are_rated(rendered):
    checked = 0
    for path, dash in rendered.items():
        for expr in exprs(dash):
            tree = parse(expr)
            for sel, call in selectors(tree):
                if is_counter(sel.name):
                    assert call in ("rate", "increase"), f"{path}: {sel.name} not rated in {expr}"
                if call is not None:
                    assert call in ("rate", "increase"), f"{path}: range vector in {call}"
                checked += 1
    assert checked > 300


def test_range_vectors_use_rate_interval(rendered):
    """Put a distinctive window in for $__rate_interval: every range must be that window."""
    ranges = 0
    for dash in rendered.values():
        for expr in exprs(dash):
            text = substitute_grafana_variables(expr.replace("$__rate_interval", "17m"))
            tree = parse_promql(text)
            ranges += sum(call is not None for _, call in selectors(tree))
            unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)
            assert set(re.findall(r"\[[^\]]*\]", unquoted)) <= {"[17m]"}, expr
    assert ranges > 100


def test_every_query_carries_the_service_selector(rendered, example_catalog):
    for service in example_catalog.services:
        dash = _dash(rendered, service.name)
        selector_labels = set(service.metrics.selector)
        for expr in exprs(dash):
            found = [matchers(sel) for sel, _ in selectors(parse(expr))]
            # per-pod series are the workload's through a join with its owner series
            owned = any(
                m.get("namespace") == NS
                and any(v == ("=", service.workload_name) for v in m.values())
                for m in found
            )
            for m in found:
                assert m.get("cluster") == CLUSTER, expr
                by_selector = selector_labels and selector_labels <= set(m)
                by_service = m.get("service") == ("=", service.name)
                by_workload = m.get("namespace") == NS and (
                    re.match(rf"^{re.escape(service.workload_name)}-", m.get("pod", ("", ""))[1])
                    or any(v == ("=", service.workload_name) for v in m.values())
                )
                by_owner = owned and m.get("namespace") == NS
                assert by_selector or by_service or by_workload or by_owner, (
                    f"{service.name}: {expr}"
                )


def test_workload_metrics_follow_the_kind(rendered):
    def names(service):
        return {v.name for v, _ in _all_selectors(_dash(rendered, service))}

    assert "kube_deployment_spec_replicas" in names("frontend")
    assert "kube_statefulset_replicas" in names("cart-redis")
    assert "kube_daemonset_status_desired_number_scheduled" in names("ingress")
    for wanted in (
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
        "container_cpu_cfs_throttled_periods_total",
        "container_oom_events_total",
        "kube_pod_container_status_restarts_total",
        "kube_pod_status_ready",
        "kube_pod_container_resource_requests",
        "kube_pod_container_resource_limits",
    ):
        assert wanted in names("cart-redis")


def test_pods_are_the_workloads_by_owner():
    """No pod-name regex: pods are joined through kube_pod_owner (issue 19)."""
    from obskit.renderers.dashboards import workload

    assert not hasattr(workload, "pod_matcher")


def test_slo_panels_use_recording_rules(rendered, example_catalog):
    from obskit import slo_names

    checkout = _dash(rendered, "checkout")
    text = "\n".join(exprs(checkout))
    assert f'{slo_names.BUDGET_REMAINING}{{service="checkout", slo="availability"' in text
    assert f'{slo_names.sli_error_ratio("1h")}{{service="checkout", slo="latency"' in text
    assert f'{slo_names.sli_error_ratio("6h")}{{service="checkout", slo="availability"' in text
    # burn rate = error ratio / error budget (99.9% -> 0.001)
    assert "/ 0.001" in text


@pytest.mark.promtool
def test_promtool_accepts_every_query(rendered, promtool, tmp_path):
    """The real Prometheus parser (promtool check rules) agrees with promql-parser."""
    import subprocess

    import yaml

    rules = [
        {"record": f"dashboard:query:{i}", "expr": substitute_grafana_variables(expr)}
        for i, expr in enumerate(sorted({e for d in rendered.values() for e in exprs(d)}))
    ]
    path = tmp_path / "queries.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
