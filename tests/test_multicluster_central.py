"""Proof with real servers (issue 13, part 6): two clusters, one central store, one page.

Two real Prometheus servers (external labels ``cluster: a`` and ``cluster: b``) scrape a
real instrumented app each and remote-write into a third, real Prometheus started with
``--web.enable-remote-write-receiver`` (standing in for Mimir). The central one evaluates
the generated rules of the service. When cluster a's app starts failing, the central page
fires once, for cluster a, and never for b; the SLI is recorded per cluster. Cluster a's own
Prometheus, evaluating the same rules locally (no ``cluster`` label on its series), pages
too: the single-cluster output is still right.

The burn-rate alerts have no ``for`` and ``rate()`` over 5m and 1h reads what exists, so the
page fires seconds after the first errors reach the central store: no shortened windows.

The dashboards (issue 13, part 5): every query of the service dashboard and of the
overviews, its variables substituted as Grafana does with *All* clusters selected, returns
its series per cluster from the central store (a and b, never one summed series), the
workload panels too (kube-state-metrics and cAdvisor series whose pod has the same name in
both clusters). One server set serves the whole module.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time

import pytest
from multicluster_support import App, Prometheus, central_config, edge_config, wait_for

from obskit import load_catalog
from obskit.renderers.alerts import rulefile, service_rules
from obskit.renderers.dashboards import RENDERER as DASHBOARDS
from obskit.report.variables import builtins, dashboard_values, substitute

from catalog_support import catalog_file

pytestmark = [pytest.mark.prometheus, pytest.mark.slow]

PAGE = "WebAvailabilityErrorBudgetFastBurn"
TICKET = "WebAvailabilityErrorBudgetSlowBurn"
CATALOG = """\
services:
  - name: web
    team: web
    namespace: shop
    slos: [{name: availability, objective: 99.9}]
environments:
  production:
    clusters: [{name: a}, {name: b}]
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(catalog_file(tmp_path_factory.mktemp("catalog"), CATALOG))


@pytest.fixture(scope="module")
def stack(tmp_path_factory, catalog):
    binary = shutil.which("prometheus")
    if not binary:
        pytest.skip("prometheus not on PATH: apt-get install -y prometheus")
    tmp_path = tmp_path_factory.mktemp("servers")
    rules = tmp_path / "web.rules.yaml"
    # as obskit renders it for this catalog: two clusters, so MetricsAbsent is per cluster
    rules.write_bytes(rulefile.rule_file(catalog.service("web"), per_cluster=True))
    started: list = []
    try:
        apps = {name: App().start() for name in ("a", "b")}
        started += apps.values()
        central = Prometheus(
            binary,
            tmp_path / "central",
            central_config(rules),
            ("--web.enable-remote-write-receiver",),
        ).start()
        started.append(central)
        edges = {}
        for name, app in apps.items():
            config = edge_config(name, app.port, central.url, rules if name == "a" else None)
            edges[name] = Prometheus(binary, tmp_path / f"edge-{name}", config).start()
            started.append(edges[name])
        yield apps, edges, central
    finally:
        for thing in reversed(started):
            thing.stop()


def _firing(server: Prometheus, alert: str) -> list[dict]:
    return [
        a for a in server.alerts() if a["labels"]["alertname"] == alert and a["state"] == "firing"
    ]


def _dashboards(catalog) -> dict[str, dict]:
    out = {}
    for unit in DASHBOARDS.units(catalog):
        out.update({path: json.loads(data) for path, data in unit.produce().items()})
    return out


def _queries(dashboard: dict) -> list[tuple[str, str]]:
    """``(panel title, PromQL)`` of every target, variables substituted as Grafana would
    with *All* clusters (``.*``), a 15s step and the test's 1s scrape interval."""
    values = {**dashboard_values(dashboard), **builtins(15, 3600, scrape_seconds=1)}
    out = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            out.append((panel["title"], substitute(target["expr"], values)))
    return out


def _clusters_of(central: Prometheus, expr: str) -> list[str]:
    return sorted(s["metric"].get("cluster", "<none>") for s in central.query(expr))


def _not_per_cluster(central: Prometheus, queries: list[tuple[str, str]]) -> dict[str, list]:
    """Queries whose series are not exactly one per cluster and legend (a and b)."""
    bad = {}
    for title, expr in queries:
        series = central.query(expr)
        clusters = {s["metric"].get("cluster", "<none>") for s in series}
        groups = {
            tuple(sorted((k, v) for k, v in s["metric"].items() if k != "cluster")) for s in series
        }
        if clusters != {"a", "b"} or len(series) != len(groups) * 2:
            bad[f"{title}: {expr}"] = sorted(str(s["metric"]) for s in series)
    return bad


def test_every_dashboard_query_returns_one_series_per_cluster(stack, catalog):
    _, _, central = stack
    dashboards = _dashboards(catalog)
    service = _queries(dashboards["dashboards/web.json"])
    assert len(service) > 20
    titles = {title for title, _ in service}
    assert {"Replicas: desired vs available", "CPU throttling", "Burn rate 1h / 6h"} <= titles
    overview = [
        (title, expr)
        for kind in ("fleet", "slos")
        for title, expr in _queries(dashboards[f"dashboards/overview/{kind}.json"])
        if not title.startswith("Tier ") or title.startswith("Tier standard")
    ]
    assert len(overview) > 8
    queries = service + overview
    # the central ruler records the SLO series a few evaluations after the first samples
    with contextlib.suppress(AssertionError):
        wait_for(lambda: not _not_per_cluster(central, queries), 40, "every query per cluster")
    bad = _not_per_cluster(central, queries)
    assert bad == {}, json.dumps(bad, indent=1)


def test_an_outage_in_one_cluster_pages_centrally_for_that_cluster_only(stack):
    apps, edges, central = stack
    began = time.monotonic()
    both = 'count by (cluster) (http_requests_total{job="web", namespace="shop"})'
    wait_for(lambda: len(central.query(both)) == 2, 30, "both clusters' series centrally")
    wait_for(
        lambda: len(central.query('slo:sli_error:ratio_rate5m{service="web"}')) == 2,
        30,
        "the SLI recorded per cluster",
    )
    assert _firing(central, PAGE) == []

    apps["a"].failing.set()
    fired = wait_for(lambda: _firing(central, PAGE), 45, f"{PAGE} on the central store")
    time.sleep(3)  # a few more evaluations: b must stay quiet, a must not page twice
    pages = _firing(central, PAGE)
    assert [p["labels"]["cluster"] for p in pages] == ["a"], pages
    assert fired[0]["labels"]["severity"] == "critical"
    ever = central.query(f'count_over_time(ALERTS{{alertname="{PAGE}"}}[10m])')
    assert sorted(s["metric"].get("cluster", "") for s in ever) == ["a"], ever

    ratios = {
        s["metric"]["cluster"]: float(s["value"][1])
        for s in central.query('slo:sli_error:ratio_rate5m{service="web", slo="availability"}')
    }
    assert set(ratios) == {"a", "b"}
    assert ratios["a"] > 0.0144 and ratios["b"] == 0.0, ratios

    for record in ("service:requests:rate5m", "service:errors:ratio_rate5m"):
        per_cluster = central.query(f'{record}{{service="web"}}')
        assert sorted(s["metric"]["cluster"] for s in per_cluster) == ["a", "b"], record

    local = wait_for(lambda: _firing(edges["a"], PAGE), 30, f"{PAGE} on cluster a's Prometheus")
    assert "cluster" not in local[0]["labels"]
    assert time.monotonic() - began < 90


def test_a_silent_cluster_is_named_by_the_absent_expression_plain_absent_is_empty(stack, catalog):
    """Cluster b's app stops (its Prometheus marks the series stale and sends that on):
    the central MetricsAbsent expression returns cluster b, and only b; ``absent()`` alone
    is empty since a still reports. (The alert's 15m ``for`` is left to the promtool test.)"""
    apps, _, central = stack
    web = catalog.service("web")
    expr = service_rules.absent_alert(web, per_cluster=True)["expr"]
    both = 'group by (cluster) (service:requests:rate5m{service="web"})'
    wait_for(lambda: len(central.query(both)) == 2, 30, "the request rate recorded per cluster")
    assert central.query(expr) == []
    apps["b"].stop()
    silent = wait_for(lambda: central.query(expr), 30, "cluster b missing centrally")
    assert [s["metric"] for s in silent] == [{"cluster": "b"}]
    assert central.query(service_rules.absent_alert(web)["expr"]) == []
