"""obskit's SLIs and pages on what real instrumentation libraries emit.

Each case is one app (one library) behind one catalog service with three SLOs
(``availability`` 99.9, ``latency`` 99 at 1s, ``latency-fast`` 99 at 100ms). See
docs/conformance.md and the fixtures in conftest.py.
"""

from __future__ import annotations

import pytest

from .conformance_harness import APPS, APPS_BY_SERVICE, Env, Healthy, Phase, healthy_problems

pytestmark = [pytest.mark.conformance, pytest.mark.prometheus, pytest.mark.slow]

SERVICES = [pytest.param(s.service, id=s.service) for s in APPS]


def require_app(env: Env, service: str) -> None:
    """Skip when the app could not run here; fail when obskit refused its catalog entry."""
    if service in env.unavailable:
        reason = env.unavailable[service]
        if "not on PATH" in reason or "missing under" in reason:
            pytest.skip(f"{service}: {reason}")
        pytest.fail(f"{service} did not start: {reason}")
    if service in env.render_errors:
        pytest.fail(f"obskit refused the catalog entry of {service}:\n{env.render_errors[service]}")


@pytest.mark.parametrize("service", SERVICES)
def test_every_sli_has_a_healthy_value(conformance_env: Env, healthy: Healthy, service: str):
    """While every request succeeds fast, each SLI has a value: availability exactly 0 (not
    empty: no error series exists yet), both latency SLIs within their budget."""
    require_app(conformance_env, service)
    values = healthy.sli.get(service, {})
    problems = healthy_problems(values)
    assert not problems, (
        f"{service} ({APPS_BY_SERVICE[service].preset}) after {healthy.seconds:.0f}s of healthy "
        f"traffic {healthy.request_counts.get(service)}: {'; '.join(problems)}"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_probes_and_scrapes_are_not_requests(conformance_env: Env, healthy: Healthy, service):
    """Half of the healthy HTTP traffic is /healthz, plus Prometheus' /metrics scrapes (which
    some libraries count): obskit's request rate counts only the other half. gRPC apps get
    no probes: every request counts."""
    require_app(conformance_env, service)
    share = healthy.counted_share.get(service)
    expected = 0.5 if APPS_BY_SERVICE[service].protocol == "http" else 1.0
    assert share is not None, f"{service}: no service:requests:rate5m or no library counter"
    assert abs(share - expected) < 0.08, (
        f"{service}: service:requests:rate5m is {share:.3f} of the requests the library "
        f"counted ({healthy.request_counts.get(service)}); expected ~{expected} "
        "(probes and scrapes excluded)"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_availability_page_fires_during_outage(conformance_env: Env, outage: Phase, service):
    require_app(conformance_env, service)
    after = outage.fired_after.get(service)
    assert after is not None, (
        f"{service} ({APPS_BY_SERVICE[service].preset}): no firing "
        f"AvailabilityErrorBudgetFastBurn after {outage.seconds:.0f}s of failing requests "
        f"{outage.request_counts.get(service)}; SLIs at the end: {outage.sli.get(service)}"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_latency_page_fires_on_slow_requests(conformance_env: Env, slowdown: Phase, service):
    """150 ms requests burn the 100 ms SLO's budget (page) and not the 1 s SLO's."""
    require_app(conformance_env, service)
    after = slowdown.fired_after.get(service)
    assert after is not None, (
        f"{service} ({APPS_BY_SERVICE[service].preset}): no firing "
        f"LatencyFastErrorBudgetFastBurn after {slowdown.seconds:.0f}s of 150 ms requests "
        f"{slowdown.request_counts.get(service)}; SLIs at the end: {slowdown.sli.get(service)}"
    )
    wrongly = slowdown.wrongly_fired.get(service, set())
    assert not wrongly, f"{service}: the 1s latency SLO alerted on 150 ms requests: {wrongly}"


#: the preset a user could plausibly pick by mistake for each library's preset
WRONG_PRESET = {
    "fastapi-instrumentator": "prometheus-http",
    "flask-exporter": "prometheus-http",
    "starlette-exporter": "prometheus-http",
    "otel-http-legacy": "otel-http",
    "otel-http": "otel-http-legacy",
    "grpc": "prometheus-http",
    "prometheus-http": "fastapi-instrumentator",
}


def _metric_checks(env: Env, service: str, preset: str):
    """obskit preview's metric check of ``service`` declared with ``preset``, on the live
    Prometheus that scrapes the real app."""
    import json

    import obskit
    from obskit.preview.connection import Server, Transport
    from obskit.preview.metric_check import check_service

    from .conformance_harness import catalog_document

    doc = catalog_document(f"preview-{service}", [APPS_BY_SERVICE[service]])
    doc["services"][0]["metrics"]["preset"] = preset
    if preset != APPS_BY_SERVICE[service].preset:  # thresholds the wrong preset accepts
        doc["services"][0]["slos"] = doc["services"][0]["slos"][:1]
    path = env.workdir / f"preview-{service}-{preset}.catalog.yaml"
    path.write_text(json.dumps(doc))
    catalog = obskit.load_catalog(path)
    assert env.prometheus is not None
    with Server(Transport(env.prometheus.url)) as server:
        return check_service(server, catalog.service(service))


@pytest.mark.parametrize("service", SERVICES)
def test_preview_passes_the_right_preset_and_names_it_for_a_wrong_one(
    conformance_env: Env, healthy: Healthy, service: str
):
    """`obskit preview`'s metric check on the real app's series: the library's preset
    passes; the preset a user might pick by mistake fails and names the right one."""
    require_app(conformance_env, service)
    right = APPS_BY_SERVICE[service].preset
    checks = _metric_checks(conformance_env, service, right)
    failed = [c for c in checks if c.status == "fail"]
    assert not failed, f"{service} with its own preset {right}: {failed}"
    wrong = WRONG_PRESET[right]
    checks = _metric_checks(conformance_env, service, wrong)
    failed = [c for c in checks if c.status == "fail"]
    assert failed, f"{service} declared as {wrong}: the metric check passed: {checks}"
    advice = " ".join(c.detail for c in checks if c.check == "preset")
    assert f"use preset {right}" in advice, f"{service} as {wrong}: {checks}"


def test_discover_proposes_each_librarys_preset_and_a_catalog_with_values(
    conformance_env: Env, healthy: Healthy
):
    """`obskit discover --prometheus` on the server scraping the real apps: every job gets
    its library's preset, the starter catalog validates, and every SLI it renders has a
    value on that server."""
    import subprocess
    import sys

    import yaml

    import obskit

    env = conformance_env
    assert env.prometheus is not None
    out = env.workdir / "discovered.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "obskit", "discover", "--prometheus", env.prometheus.url,
         "--out", str(out), "--catalog-name", "discovered"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    catalog = obskit.load_catalog(out)
    by_job = {s.metrics.selector.get("job"): s for s in catalog.services}
    for service, app in env.apps.items():
        assert service in by_job, f"discover found no service for job {service}: {proc.stdout}"
        assert by_job[service].metrics.preset == app.spec.preset, (service, proc.stdout)
    rendered = env.workdir / "discovered.out"
    obskit.render(catalog, rendered, only=["alerts"], use_cache=False)
    empty = []
    for path in sorted((rendered / "alerts").glob("*.rules.yaml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                sli = rule.get("record") == "slo:sli_error:ratio_rate5m"
                if sli and not env.prometheus.query(rule["expr"]):
                    empty.append(f"{path.name} {rule['labels']['slo']}")
    assert not empty, f"SLIs without a value on the server: {empty}"
