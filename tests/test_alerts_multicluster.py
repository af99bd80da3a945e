"""Rules that stay right when one ruler sees many clusters (issue 13, part 4).

Every generated aggregation and join keeps ``cluster``; the generated two-cluster promtool
tests pass with the real promtool and fail when a rule sums clusters together; a catalog
with one cluster gets no such tests and unchanged results.
"""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from obskit.catalog.clusters import paired_clusters
from obskit.lint.cluster_scope import cluster_drops
from obskit.promtool import service_test_files
from obskit.renderers.alerts import rulefile
from obskit.renderers.alerts.series import series_text

from catalog_support import TWO_CLUSTERS, catalog_file, generated_groups, rendered


def _generated_rules(catalog) -> list[tuple[str, str]]:
    out = []
    for service in catalog.services:
        own = {a.alert for a in service.alerts}
        for group in rulefile.groups(service):
            for rule in group["rules"]:
                name = rule.get("alert") or rule["record"]
                if name not in own:
                    out.append((f"{service.name}/{name}", rule["expr"]))
    return out


def test_no_generated_rule_of_the_example_adds_clusters_together(example_catalog):
    rules = _generated_rules(example_catalog)
    assert len(rules) > 300
    drops = {name: cluster_drops(expr) for name, expr in rules}
    assert {k: v for k, v in drops.items() if v} == {}


def test_the_scope_check_sees_a_sum_over_clusters():
    assert cluster_drops("sum(rate(x[5m])) / on (namespace) max by (namespace) (y)") == [
        "on (namespace)",
        "sum without `by`",
        "max by (namespace)",
    ]


def _tests_of(out, service: str) -> list[dict]:
    return generated_groups(out, service)


def test_one_cluster_gets_no_two_cluster_tests(tmp_path):
    out = rendered(tmp_path, TWO_CLUSTERS.split("environments:")[0])
    assert not [g for g in _tests_of(out, "web") if "cluster" in g["name"]]


@pytest.fixture(scope="module")
def two_clusters(tmp_path_factory):
    return rendered(tmp_path_factory.mktemp("two-clusters"), TWO_CLUSTERS)


def test_a_two_cluster_test_per_slo_with_cluster_labelled_inputs(two_clusters):
    groups = [g for g in _tests_of(two_clusters, "web") if "an outage in cluster" in g["name"]]
    assert [g["name"] for g in groups] == [
        "web availability: an outage in cluster eu-1 pages for eu-1 only, never for us-1",
        "web latency: an outage in cluster eu-1 pages for eu-1 only, never for us-1",
    ]
    for group in groups:
        clusters = {
            re.search(r'cluster="([^"]+)"', s["series"]).group(1) for s in group["input_series"]
        }
        assert clusters == {"eu-1", "us-1"}
        fired = group["alert_rule_test"][-1]["exp_alerts"]
        assert [a["exp_labels"]["cluster"] for a in fired] == ["eu-1"]


def _run(promtool: str, out, service: str, rules: str | None = None) -> subprocess.CompletedProcess:
    """promtool test rules on every generated test file of ``service``."""
    work = out / "alerts"
    if rules is not None:
        (work / f"{service}.rules.yaml").write_text(rules)
    return subprocess.run(
        [promtool, "test", "rules", *(p.name for p in service_test_files(work, service))],
        cwd=work / "tests",
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.promtool
@pytest.mark.parametrize("service", ["web", "api", "mesh"])
def test_two_cluster_tests_pass_with_real_promtool(two_clusters, promtool, service):
    result = _run(promtool, two_clusters, service)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.promtool
def test_two_cluster_test_fails_when_the_sli_sums_clusters(tmp_path, promtool):
    """The mutation a pre-issue-13 rule file is: ``sum(...)`` instead of ``sum by (cluster)``."""
    out = rendered(tmp_path, TWO_CLUSTERS)
    path = out / "alerts" / "api.rules.yaml"
    original = path.read_text()
    mutated = original.replace("sum by (cluster)(", "sum(")
    assert mutated != original
    (out / "alerts" / "tests" / "api.test.yaml").unlink()  # the steady tests: not needed here
    doc = yaml.safe_load((out / "alerts" / "tests" / "api.outages.test.yaml").read_text())
    doc["tests"] = [g for g in doc["tests"] if "an outage in cluster" in g["name"]]
    (out / "alerts" / "tests" / "api.outages.test.yaml").write_text(yaml.safe_dump(doc))
    assert _run(promtool, out, "api").returncode == 0
    broken = _run(promtool, out, "api", mutated)
    assert broken.returncode != 0
    assert "ApiAvailabilityErrorBudgetFastBurn" in broken.stdout + broken.stderr


def test_paired_clusters_come_from_the_first_environment_with_several(tmp_path):
    from obskit import load_catalog

    catalog = load_catalog(catalog_file(tmp_path, TWO_CLUSTERS))
    assert paired_clusters(catalog) == ("eu-1", "us-1")


@pytest.mark.promtool
def test_two_cluster_workload_tests_fail_when_joins_drop_cluster(tmp_path, promtool):
    """Each workload alert's two-cluster test catches aggregations and joins without it."""
    out = rendered(tmp_path, TWO_CLUSTERS)
    path = out / "alerts" / "web.rules.yaml"
    original = path.read_text()
    mutated = original.replace("by (cluster, namespace", "by (namespace").replace(
        "on (cluster, namespace", "on (namespace"
    )
    doc = yaml.safe_load((out / "alerts" / "tests" / "web.test.yaml").read_text())
    doc["tests"] = [g for g in doc["tests"] if "fires in cluster" in g["name"]]
    assert len(doc["tests"]) >= 10
    (out / "alerts" / "tests" / "web.test.yaml").write_text(yaml.safe_dump(doc))
    (out / "alerts" / "tests" / "web.outages.test.yaml").unlink(missing_ok=True)
    assert _run(promtool, out, "web").returncode == 0
    broken = _run(promtool, out, "web", mutated)
    output = broken.stdout + broken.stderr
    assert broken.returncode != 0
    failed = set(re.findall(r"name: web: (\w+) fires in cluster", output))
    assert failed == {g["name"].split()[1] for g in doc["tests"]}, output[-2000:]


def _absent_expr(out, service: str) -> str:
    doc = yaml.safe_load((out / "alerts" / f"{service}.rules.yaml").read_text())
    rules = [r for g in doc["groups"] for r in g["rules"]]
    return next(r["expr"] for r in rules if r.get("alert", "").endswith("MetricsAbsent"))


def test_one_cluster_keeps_plain_absent(tmp_path):
    out = rendered(tmp_path, TWO_CLUSTERS.split("environments:")[0])
    assert _absent_expr(out, "web").startswith("absent(http_requests_total{")


@pytest.mark.promtool
def test_absent_alert_fires_for_the_silent_cluster_only_and_plain_absent_would_not(
    tmp_path, promtool
):
    """Cluster us-1 stops reporting while eu-1 goes on: the per-cluster absent alert fires
    for us-1 (cluster us-1's labels, no other); ``absent()`` stays empty and fails the test."""
    out = rendered(tmp_path, TWO_CLUSTERS)
    expr = _absent_expr(out, "web")
    assert "group by (cluster) (present_over_time(service:requests:rate5m" in expr
    (out / "alerts" / "tests" / "web.test.yaml").unlink()  # the steady tests: not needed here
    doc = yaml.safe_load((out / "alerts" / "tests" / "web.outages.test.yaml").read_text())
    doc["tests"] = [g for g in doc["tests"] if "goes silent" in g["name"]]
    assert [g["name"] for g in doc["tests"]] == [
        "web: cluster us-1 goes silent while eu-1 reports: the absent alert fires for us-1 only"
    ]
    fired = doc["tests"][0]["alert_rule_test"][-1]["exp_alerts"]
    assert [a["exp_labels"]["cluster"] for a in fired] == ["us-1"]
    (out / "alerts" / "tests" / "web.outages.test.yaml").write_text(yaml.safe_dump(doc))
    assert _run(promtool, out, "web").returncode == 0
    path = out / "alerts" / "web.rules.yaml"
    plain = "absent(" + expr.split("group by (cluster) (absent(", 1)[1].split("))\n", 1)[0] + ")"
    mutated = path.read_text().replace(expr.replace("\n", "\n      "), plain)
    assert mutated != path.read_text()
    broken = _run(promtool, out, "web", mutated)
    assert broken.returncode != 0
    assert "WebMetricsAbsent" in broken.stdout + broken.stderr


DAY = 24 * 60


def _requests(cluster: str | None, minutes: int) -> dict[str, str]:
    labels = {"job": "web", "namespace": "default", "code": "200", "handler": "/", "method": "get"}
    if cluster:
        labels["cluster"] = cluster
    return {"series": series_text("http_requests_total", labels), "values": f"0+60x{minutes}"}


def _firing_at(minute: int, clusters: list[str | None]) -> dict:
    contract = {"service": "web", "team": "web", "severity": "warning"}
    rows = []
    for cluster in clusters:
        labels = {"alertname": "WebMetricsAbsent", "alertstate": "firing", **contract}
        if cluster:
            labels["cluster"] = cluster
        rows.append({"labels": series_text("ALERTS", labels), "value": 1})
    return {
        "expr": 'ALERTS{alertname="WebMetricsAbsent", alertstate="firing"}',
        "eval_time": f"{minute}m",
        "exp_samples": rows,
    }


@pytest.mark.promtool
@pytest.mark.slow
def test_absent_alert_over_its_one_day_horizon(tmp_path, promtool):
    """What docs/multicluster.md says of the per-cluster ``MetricsAbsent`` across its 1d
    lookback (series stop at 20m; checks well away from the ~20m + 1d switch, so Prometheus
    3's left-open ranges move nothing): on one Prometheus it stays firing across the switch
    to the ``absent()`` branch (as plain ``absent()`` would); a decommissioned cluster is
    reported for about a day, then never; when every cluster goes silent, each is reported
    for a day, then one alert without a cluster. Only the service group is loaded (~15 s)."""
    from obskit import load_catalog

    catalog = load_catalog(catalog_file(tmp_path, TWO_CLUSTERS))
    groups = [
        g for g in rulefile.groups(catalog.service("web"), True) if g["name"] == "web-service"
    ]
    (tmp_path / "web.rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    other = {"series": 'up{job="other"}', "values": f"1x{DAY + 120}"}
    tests = [
        {
            "name": "one Prometheus: silent from 20m, firing straight across the horizon",
            "input_series": [_requests(None, 20), other],
            "promql_expr_test": [
                _firing_at(m, [None]) for m in (50, DAY, DAY + 15, DAY + 25, DAY + 40, DAY + 60)
            ],
        },
        {
            "name": "us-1 decommissioned at 20m: reported for about a day, then never",
            "input_series": [_requests("eu-1", DAY + 120), _requests("us-1", 20)],
            "promql_expr_test": [
                _firing_at(50, ["us-1"]),
                _firing_at(DAY, ["us-1"]),
                _firing_at(DAY + 45, []),
                _firing_at(DAY + 110, []),
            ],
        },
        {
            "name": "both silent from 20m: each for a day, then one alert without a cluster",
            "input_series": [_requests("eu-1", 20), _requests("us-1", 20), other],
            "promql_expr_test": [
                _firing_at(50, ["eu-1", "us-1"]),
                _firing_at(DAY + 70, [None]),
            ],
        },
    ]
    doc = {"rule_files": ["web.rules.yaml"], "evaluation_interval": "1m", "tests": tests}
    for test in tests:
        test["interval"] = "1m"
    (tmp_path / "horizon.test.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    run = subprocess.run(
        [promtool, "test", "rules", "horizon.test.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
