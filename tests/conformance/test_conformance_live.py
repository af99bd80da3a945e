"""obskit's SLIs and pages on what real instrumentation libraries emit.

Each case is one app (one library) behind one catalog service: while it serves only
successful requests, every ``slo:sli_error:ratio_rate5m`` of the service must have a value
(availability exactly 0, latency within its budget); when every request fails, the
``...AvailabilityErrorBudgetFastBurn`` page must fire. See docs/conformance.md.
"""

from __future__ import annotations

import math

import pytest
from conformance_harness import APPS, SLOS, Env, Healthy, Outage

pytestmark = [pytest.mark.conformance, pytest.mark.prometheus, pytest.mark.slow]


def require_app(env: Env, service: str) -> None:
    """Skip when the app could not run here; fail when obskit refused its catalog entry."""
    if service in env.unavailable:
        reason = env.unavailable[service]
        if "not on PATH" in reason or "missing under" in reason:
            pytest.skip(f"{service}: {reason}")
        pytest.fail(f"{service} did not start: {reason}")
    if service in env.render_errors:
        pytest.fail(f"obskit refused the catalog entry of {service}:\n{env.render_errors[service]}")


SERVICES = [pytest.param(s.service, id=f"{s.service}[{s.preset}]") for s in APPS]


@pytest.mark.parametrize("service", SERVICES)
def test_sli_has_a_value_while_healthy(conformance_env: Env, healthy: Healthy, service: str):
    require_app(conformance_env, service)
    values = healthy.sli.get(service, {})
    missing = [slo for slo in SLOS if values.get(slo) is None]
    assert not missing, (
        f"{service}: slo:sli_error:ratio_rate5m has no value for {missing} after "
        f"{healthy.seconds:.0f}s of healthy traffic ({healthy.request_counts.get(service)}); "
        f"values: {values}"
    )
    availability = values["availability"]
    assert availability == 0, f"{service}: availability SLI while healthy is {availability}"
    latency = values["latency"]
    assert latency is not None and not math.isnan(latency) and 0 <= latency < 0.01, (
        f"{service}: latency SLI while healthy (all requests faster than the threshold) "
        f"is {latency}"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_page_fires_during_outage(conformance_env: Env, outage: Outage, service: str):
    require_app(conformance_env, service)
    after = outage.fired_after.get(service)
    assert after is not None, (
        f"{service}: no firing AvailabilityErrorBudgetFastBurn after {outage.seconds:.0f}s of "
        f"failing requests ({outage.request_counts.get(service)}); "
        f"slo:sli_error:ratio_rate5m at the end: {outage.sli.get(service)}"
    )
