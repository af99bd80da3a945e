"""Fixtures of the conformance suite: every runnable app, one Prometheus, two traffic phases.

One session: the Go apps are built (offline, GOPATH mode) into a temp dir, obskit renders
the alert rules of a catalog with one service per app, all apps start at once, and one
Prometheus scrapes them every second with those rules loaded. The ``healthy`` phase drives
successful requests until every SLI has a value; the ``outage`` phase then sends every
request to the failing route until every service's page fires. Both phases are polled with
timeouts, never slept through.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest
from conformance_harness import (
    APPS,
    SLOS,
    Env,
    Healthy,
    Outage,
    Prometheus,
    Traffic,
    build_go_apps,
    render_rules,
    start_apps,
    versions,
)

#: requests per second each driver sends
RATE = float(os.environ.get("OBSKIT_CONFORMANCE_RATE", "20"))
#: how long the healthy phase may take to give every SLI a value
HEALTHY_TIMEOUT = float(os.environ.get("OBSKIT_CONFORMANCE_HEALTHY_TIMEOUT", "40"))
#: how long the outage may take to fire every page
OUTAGE_TIMEOUT = float(os.environ.get("OBSKIT_CONFORMANCE_OUTAGE_TIMEOUT", "60"))
#: healthy traffic before the first SLI check, so the outage has some history to beat
MIN_HEALTHY_SECONDS = 5.0

_SUMMARY: dict[str, object] = {}


@pytest.fixture(scope="session")
def conformance_env(tmp_path_factory) -> Env:
    """Build, render, start every app and Prometheus; stop them all at the end."""
    import shutil

    if not shutil.which("prometheus"):
        pytest.skip("prometheus not on PATH: apt-get install -y prometheus")
    env = Env(workdir=tmp_path_factory.mktemp("conformance"))
    t0 = time.monotonic()
    built = build_go_apps(APPS, env.workdir)
    binaries = {s: p for s, p in built.items() if isinstance(p, Path)}
    env.unavailable.update({s: r for s, r in built.items() if isinstance(r, str)})
    env.timings["go build"] = time.monotonic() - t0

    t0 = time.monotonic()
    rule_files, env.render_errors = render_rules(APPS, env.workdir)
    env.timings["render"] = time.monotonic() - t0

    t0 = time.monotonic()
    runnable = [s for s in APPS if s.service not in env.unavailable]
    try:
        env.apps, failed = start_apps(runnable, env.workdir, binaries)
        env.unavailable.update(failed)
        env.prometheus = Prometheus(
            env.workdir, {s: a.metrics_target for s, a in env.apps.items()}, rule_files
        ).start()
        env.timings["start apps and prometheus"] = time.monotonic() - t0
        _SUMMARY["env"] = env
        yield env
    finally:
        if env.traffic is not None:
            env.traffic.stop()
        for app in env.apps.values():
            app.stop()
        if env.prometheus is not None:
            env.prometheus.stop()


def sli_values(prom: Prometheus) -> dict[str, dict[str, float | None]]:
    """service -> slo -> current ``slo:sli_error:ratio_rate5m`` (all services at once)."""
    out: dict[str, dict[str, float | None]] = {}
    for row in prom.query("slo:sli_error:ratio_rate5m"):
        labels = row["metric"]
        out.setdefault(labels.get("service", ""), {})[labels.get("slo", "")] = float(
            row["value"][1]
        )
    return out


def _expected(env: Env) -> list[str]:
    """Services that run and whose rules rendered: the ones a phase waits for."""
    return [s for s in env.apps if s not in env.render_errors]


@pytest.fixture(scope="session")
def healthy(conformance_env: Env) -> Healthy:
    """Successful traffic to every app until every SLI of every service reads 0."""
    env = conformance_env
    assert env.prometheus is not None
    env.traffic = Traffic(env.apps.values(), rate=RATE, max_seconds=240, max_requests=5000)
    env.traffic.start()
    start = time.monotonic()
    expected = _expected(env)

    def all_healthy() -> bool:
        values = sli_values(env.prometheus)
        return all(values.get(service, {}).get(slo) == 0 for service in expected for slo in SLOS)

    deadline = start + HEALTHY_TIMEOUT
    time.sleep(MIN_HEALTHY_SECONDS)
    while time.monotonic() < deadline and not all_healthy():
        time.sleep(0.5)
    sli = sli_values(env.prometheus)
    result = Healthy(
        sli=sli,
        seconds=time.monotonic() - start,
        request_counts={k: dict(v) for k, v in env.traffic.counts.items()},
    )
    _SUMMARY["healthy"] = result
    return result


@pytest.fixture(scope="session")
def outage(conformance_env: Env, healthy: Healthy) -> Outage:
    """Every request to the failing route until every service's fast-burn page fires."""
    env = conformance_env
    assert env.prometheus is not None and env.traffic is not None
    baseline = {k: dict(v) for k, v in env.traffic.counts.items()}
    env.traffic.set_route("fail")
    start = time.monotonic()
    expected = _expected(env)
    fired: dict[str, float | None] = dict.fromkeys(env.apps)
    while time.monotonic() - start < OUTAGE_TIMEOUT:
        rows = env.prometheus.query(
            'ALERTS{alertname=~".*AvailabilityErrorBudgetFastBurn", alertstate="firing"}'
        )
        now = time.monotonic() - start
        for row in rows:
            service = row["metric"].get("service")
            if service in fired and fired[service] is None:
                fired[service] = now
        if all(fired[s] is not None for s in expected):
            break
        time.sleep(0.5)
    seconds = time.monotonic() - start
    sli = sli_values(env.prometheus)
    env.traffic.stop()
    counts = {
        service: {
            k: n - baseline.get(service, {}).get(k, 0)
            for k, n in c.items()
            if n - baseline.get(service, {}).get(k, 0)
        }
        for service, c in env.traffic.counts.items()
    }
    result = Outage(fired_after=fired, sli=sli, seconds=seconds, request_counts=counts)
    _SUMMARY["outage"] = result
    return result


def _fmt(value: float | None) -> str:
    if value is None:
        return "no value"
    if math.isnan(value):
        return "NaN"
    return f"{value:.4g}"


def pytest_terminal_summary(terminalreporter):
    """A behaviour table: per app, the SLIs while healthy and whether/when the page fired."""
    env = _SUMMARY.get("env")
    if not isinstance(env, Env):
        return
    healthy = _SUMMARY.get("healthy")
    outage = _SUMMARY.get("outage")
    tr = terminalreporter
    tr.section("obskit conformance")
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in env.timings.items())
    if isinstance(healthy, Healthy):
        timings += f", healthy phase {healthy.seconds:.1f}s"
    if isinstance(outage, Outage):
        timings += f", outage phase {outage.seconds:.1f}s"
    tr.write_line(timings)
    tr.write_line(f"{'service':24} {'preset':24} {'availability':>12} {'latency':>8}  page fired")
    for spec in APPS:
        s = spec.service
        if s in env.unavailable:
            status = "not run: " + env.unavailable[s].splitlines()[0][:60]
            tr.write_line(f"{s:24} {spec.preset:24} {status}")
            continue
        if s in env.render_errors:
            tr.write_line(f"{s:24} {spec.preset:24} refused by obskit (unknown preset?)")
            continue
        sli = healthy.sli.get(s, {}) if isinstance(healthy, Healthy) else {}
        fired = "-"
        if isinstance(outage, Outage):
            after = outage.fired_after.get(s)
            fired = f"yes, after {after:.1f}s" if after is not None else "NO"
        tr.write_line(
            f"{s:24} {spec.preset:24} {_fmt(sli.get('availability')):>12} "
            f"{_fmt(sli.get('latency')):>8}  {fired}"
        )
    for spec in APPS:
        if spec.service in env.apps:
            v = ", ".join(f"{k} {ver}" for k, ver in versions(spec).items())
            tr.write_line(f"  {spec.service}: {v}")
