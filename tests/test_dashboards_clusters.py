"""Dashboards across clusters (issue 13, part 5): no query adds clusters together.

Every query of every dashboard rendered for a catalog with several clusters keeps
``cluster`` through each aggregation and join (checked on the parsed PromQL by
obskit.lint.cluster_scope), unless its panel's title says it covers all clusters; the
``cluster`` variable lists the real clusters and defaults to All.
"""

from __future__ import annotations

import pytest
from dashboards_support import ALL_CLUSTERS, catalog_from_text, cluster_losses, panels, render

from catalog_support import HEAD, TWO_CLUSTERS

#: the alerts' two-cluster catalog (http, grpc, istio) plus the other workload kinds
MANY = HEAD + TWO_CLUSTERS.replace(
    "environments:",
    """\
  - {name: queue, team: web, workload: {kind: StatefulSet}}
  - {name: agent, team: web, workload: {kind: DaemonSet}}
  - {name: batch, team: web, metrics: {preset: none}}
environments:""",
)


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory):
    catalog = catalog_from_text(tmp_path_factory.mktemp("many"), MANY)
    return render(catalog)


def test_no_query_of_any_dashboard_adds_clusters_together(dashboards):
    assert len(dashboards) == 6 + 3  # services; fleet, slos, team overviews
    queries = sum(len(p.get("targets", [])) for d in dashboards.values() for p in panels(d))
    assert queries > 100
    losses = {path: cluster_losses(d) for path, d in dashboards.items()}
    assert {path: lost for path, lost in losses.items() if lost} == {}


def test_the_check_sees_a_cluster_sum_and_skips_titled_ones():
    sums = {"title": "Request rate", "targets": [{"refId": "A", "expr": "sum(x)"}]}
    joins = {
        "title": "Pods",
        "targets": [{"refId": "A", "expr": "x and on (namespace, pod) y"}],
    }
    titled = {"title": f"Request rate {ALL_CLUSTERS}", "targets": sums["targets"]}
    zero = {
        "title": "Count",
        "targets": [{"refId": "B", "expr": "count by (cluster)(x) or on () vector(0)"}],
    }
    assert cluster_losses({"panels": [sums, joins, titled, zero]}) == {
        "Request rate / A": ["sum without `by`"],
        "Pods / A": ["on (namespace, pod)"],
    }


def test_legends_name_the_cluster(dashboards):
    for path, dashboard in dashboards.items():
        for panel in panels(dashboard):
            if panel.get("type") != "timeseries":
                continue
            for target in panel["targets"]:
                assert target["legendFormat"].endswith("{{cluster}}"), (path, panel["title"])


def test_the_cluster_variable_lists_real_clusters_and_defaults_to_all(dashboards):
    for dashboard in dashboards.values():
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        cluster = variables["cluster"]
        assert cluster["query"] == "label_values(up, cluster)"
        assert cluster["includeAll"] and cluster["allValue"] == ".*"
        assert cluster["current"]["value"] == "$__all"
