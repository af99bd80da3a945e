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
