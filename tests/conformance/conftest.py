"""Fixtures of the conformance suite: every runnable app, one Prometheus, three traffic phases.

Once per run (package-scoped: everything stops after the last test of this folder, not at
the end of a whole-repository run): the Go apps are built (offline, GOPATH mode) into a temp
dir, obskit renders the alert rules of a catalog with one service per app, all apps start at
once, and one Prometheus scrapes them every second with those rules loaded. Traffic (~20 requests/s per
app, half of them /healthz probes on HTTP apps) goes through three phases, each polled with
a timeout, never slept through:

- ``healthy``: successful fast requests until every SLI of every service reads healthy;
- ``outage``: every request fails (probes still succeed) until every availability page fires;
- ``slowdown``: every request takes 150 ms until every ``latency-fast`` (100 ms) page fires,
  while the 1 s ``latency`` SLO's pages must stay quiet.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest

from .conformance_harness import (
    APPS,
    Env,
    Healthy,
    Phase,
    Prometheus,
    Traffic,
    build_go_apps,
    healthy_problems,
    render_rules,
    start_apps,
    versions,
)

#: requests per second each driver sends
RATE = float(os.environ.get("OBSKIT_CONFORMANCE_RATE", "20"))
#: how long the healthy phase may take to give every SLI a value
HEALTHY_TIMEOUT = float(os.environ.get("OBSKIT_CONFORMANCE_HEALTHY_TIMEOUT", "40"))
#: how long an outage (or slowdown) may take to fire every page
PHASE_TIMEOUT = float(os.environ.get("OBSKIT_CONFORMANCE_PHASE_TIMEOUT", "60"))
#: healthy traffic before the first SLI check, so the outage has some history to beat
MIN_HEALTHY_SECONDS = 5.0

_SUMMARY: dict[str, object] = {}


@pytest.fixture(scope="package")
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


def sli_values(prom: Prometheus) -> dict[str, dict[str, float]]:
    """service -> slo -> current ``slo:sli_error:ratio_rate5m`` (all services at once)."""
    out: dict[str, dict[str, float]] = {}
    for row in prom.query("slo:sli_error:ratio_rate5m"):
        labels = row["metric"]
        out.setdefault(labels.get("service", ""), {})[labels.get("slo", "")] = float(
            row["value"][1]
        )
    return out


def recorded_exprs(prom: Prometheus, record: str) -> dict[str, str]:
    """service -> the expression of the recording rule ``record`` as Prometheus loaded it."""
    data = prom.api("rules", type="record")
    assert isinstance(data, dict)
    return {
        rule["labels"].get("service", ""): rule["query"]
        for group in data["groups"]
        for rule in group["rules"]
        if rule["name"] == record
    }


def counted_share(prom: Prometheus, env: Env) -> dict[str, float | None]:
    """service -> obskit's request rate / the library's own counter's rate, unfiltered.

    Both sides in one instant query (the recording rule's expression, not its last recorded
    value), so lag and rate extrapolation cancel out.
    """
    exprs = recorded_exprs(prom, "service:requests:rate5m")
    out: dict[str, float | None] = {}
    for service, app in env.apps.items():
        if service not in exprs:
            out[service] = None
            continue
        total = f'sum(rate({app.spec.requests_metric}{{job="{service}"}}[5m]))'
        rows = prom.query(f"({exprs[service]}) / {total}")
        out[service] = float(rows[0]["value"][1]) if rows else None
    return out


def _expected(env: Env) -> list[str]:
    """Services that run and whose rules rendered: the ones a phase waits for."""
    return [s for s in env.apps if s not in env.render_errors]


def _counts_since(env: Env, baseline: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    assert env.traffic is not None
    out = {}
    for service, counts in env.traffic.counts.items():
        before = baseline.get(service, {})
        out[service] = {k: n - before.get(k, 0) for k, n in counts.items() if n - before.get(k, 0)}
    return out


@pytest.fixture(scope="package")
def healthy(conformance_env: Env) -> Healthy:
    """Successful requests and /healthz probes until every SLI of every service is healthy."""
    env = conformance_env
    assert env.prometheus is not None
    env.traffic = Traffic(env.apps.values(), rate=RATE, max_seconds=240, max_requests=5000)
    env.traffic.set_routes("ok", "healthz")
    env.traffic.start()
    start = time.monotonic()
    expected = _expected(env)

    def all_healthy() -> bool:
        values = sli_values(env.prometheus)
        return not any(healthy_problems(values.get(s, {})) for s in expected)

    time.sleep(MIN_HEALTHY_SECONDS)
    while time.monotonic() - start < HEALTHY_TIMEOUT and not all_healthy():
        time.sleep(0.5)
    result = Healthy(
        sli=sli_values(env.prometheus),
        counted_share=counted_share(env.prometheus, env),
        seconds=time.monotonic() - start,
        request_counts=_counts_since(env, {}),
    )
    _SUMMARY["healthy"] = result
    return result


def run_phase(env: Env, name: str, routes: tuple[str, ...], alert: str, quiet: str) -> Phase:
    """Drive ``routes`` until ``alert`` fires for every service; note any ``quiet`` alert."""
    assert env.prometheus is not None and env.traffic is not None
    baseline = {k: dict(v) for k, v in env.traffic.counts.items()}
    env.traffic.set_routes(*routes)
    start = time.monotonic()
    expected = _expected(env)
    fired: dict[str, float | None] = dict.fromkeys(env.apps)
    wrongly: dict[str, set[str]] = {s: set() for s in env.apps}
    while True:
        now = time.monotonic() - start
        for row in env.prometheus.query(f'ALERTS{{alertname=~"{alert}", alertstate="firing"}}'):
            service = row["metric"].get("service")
            if service in fired and fired[service] is None:
                fired[service] = now
        for row in env.prometheus.query(f'ALERTS{{alertname=~"{quiet}"}}'):
            service = row["metric"].get("service")
            if service in wrongly:
                wrongly[service].add(row["metric"]["alertname"])
        if all(fired[s] is not None for s in expected) or now > PHASE_TIMEOUT:
            break
        time.sleep(0.5)
    result = Phase(
        name=name,
        fired_after=fired,
        sli=sli_values(env.prometheus),
        wrongly_fired=wrongly,
        seconds=time.monotonic() - start,
        request_counts=_counts_since(env, baseline),
    )
    _SUMMARY[name] = result
    return result


#: the 1s latency SLO's pages: the ``slow`` route (150 ms) must never fire them
QUIET = ".*LatencyErrorBudget(Fast|Slow)Burn"


@pytest.fixture(scope="package")
def outage(conformance_env: Env, healthy: Healthy) -> Phase:
    """Every request fails (probes still succeed) until every availability page fires."""
    return run_phase(
        conformance_env, "outage", ("fail", "healthz"), ".*AvailabilityErrorBudgetFastBurn", QUIET
    )


@pytest.fixture(scope="package")
def slowdown(conformance_env: Env, outage: Phase) -> Phase:
    """Every request takes 150 ms until every latency-fast (100 ms) page fires."""
    phase = run_phase(
        conformance_env, "slowdown", ("slow", "healthz"), ".*LatencyFastErrorBudgetFastBurn", QUIET
    )
    assert conformance_env.traffic is not None
    conformance_env.traffic.stop()
    return phase


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if math.isnan(value):
        return "NaN"
    return f"{value:.4g}"


def pytest_terminal_summary(terminalreporter):
    """A behaviour table: per app, the SLIs while healthy and whether/when the pages fired."""
    env = _SUMMARY.get("env")
    if not isinstance(env, Env):
        return
    healthy = _SUMMARY.get("healthy")
    phases = [p for p in (_SUMMARY.get("outage"), _SUMMARY.get("slowdown")) if isinstance(p, Phase)]
    tr = terminalreporter
    tr.section("obskit conformance")
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in env.timings.items())
    if isinstance(healthy, Healthy):
        timings += f", healthy {healthy.seconds:.1f}s"
    timings += "".join(f", {p.name} {p.seconds:.1f}s" for p in phases)
    tr.write_line(timings)
    head = f"{'service':23} {'preset':23} {'avail':>6} {'lat':>6} {'fast':>6} {'counted':>7}"
    tr.write_line(head + "".join(f"  {p.name} page" for p in phases))
    for spec in APPS:
        s = spec.service
        if s in env.unavailable:
            tr.write_line(f"{s:23} {spec.preset:23} not run: {env.unavailable[s].splitlines()[0]}")
            continue
        if s in env.render_errors:
            tr.write_line(f"{s:23} {spec.preset:23} refused by obskit")
            continue
        sli = healthy.sli.get(s, {}) if isinstance(healthy, Healthy) else {}
        share = healthy.counted_share.get(s) if isinstance(healthy, Healthy) else None
        line = (
            f"{s:23} {spec.preset:23} {_fmt(sli.get('availability')):>6} "
            f"{_fmt(sli.get('latency')):>6} {_fmt(sli.get('latency-fast')):>6} {_fmt(share):>7}"
        )
        for p in phases:
            after = p.fired_after.get(s)
            cell = f"yes {after:.1f}s" if after is not None else "NO"
            if p.wrongly_fired.get(s):
                cell += " +" + ",".join(sorted(p.wrongly_fired[s]))
            line += f"  {cell:>{len(p.name) + 5}}"
        tr.write_line(line)
    for spec in APPS:
        if spec.service in env.apps:
            v = ", ".join(f"{k} {ver}" for k, ver in versions(spec).items())
            tr.write_line(f"  {spec.service}: {v}")
