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
"""

from __future__ import annotations

import shutil
import time

import pytest
from multicluster_support import App, Prometheus, central_config, edge_config, wait_for

from obskit import load_catalog
from obskit.renderers.alerts import rulefile

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


@pytest.fixture
def stack(tmp_path):
    binary = shutil.which("prometheus")
    if not binary:
        pytest.skip("prometheus not on PATH: apt-get install -y prometheus")
    catalog = load_catalog(catalog_file(tmp_path, CATALOG))
    rules = tmp_path / "web.rules.yaml"
    rules.write_bytes(rulefile.rule_file(catalog.service("web")))
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
