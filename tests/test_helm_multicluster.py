"""Per-cluster values, the central store and the Mimir ruler's files (issue 13, parts 2-4)."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from obskit import load_catalog
from obskit.lint import load_checks, run_checks
from obskit.lint.base import context_from_catalog
from obskit.render.pipeline import render
from obskit.renderers.alerts import mimir
from obskit.renderers.helm import render_all
from obskit.renderers.helm.keyindex import unknown_keys

from catalog_support import catalog_file

BODY = """\
services:
  - {name: web, team: web, slos: [{name: availability, objective: 99.9}]}
environments:
  staging: {}
  production:
    clusters:
      - {name: eu-1, labels: {provider: aws, region: eu-west-1}}
      - {name: us-1, context: arn-us-1}
    central:
      kind: mimir
      url: https://mimir.example.com/api/v1/push
      tenant: shop
      rules: central
      cluster: us-1
      auth: {basicAuth: {username: {name: mimir-push, key: user}, password: {name: mimir-push, key: password}}}
      objectStorageSecret: mimir-bucket
      haTracker: {store: consul, endpoints: ["consul.monitoring.svc:8500"]}
"""


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(catalog_file(tmp_path_factory.mktemp("mc"), BODY))


@pytest.fixture(scope="module")
def files(catalog):
    return {p: yaml.safe_load(d) for p, d in render_all(catalog).items()}


def test_each_cluster_gets_an_overlay_and_the_environment_mimir(files):
    extra = {p for p in files if p.count("/") == 3 or "mimir" in p}
    assert extra == {
        "helm-values/production/eu-1/kube-prometheus-stack.yaml",
        "helm-values/production/us-1/kube-prometheus-stack.yaml",
        "helm-values/production/mimir-distributed.yaml",
    }
    assert not [p for p in files if p.startswith("helm-values/staging/") and p.count("/") == 3]


def test_overlay_labels_remote_writes_with_secret_refs_and_short_retention(files):
    spec = files["helm-values/production/eu-1/kube-prometheus-stack.yaml"]["prometheus"][
        "prometheusSpec"
    ]
    assert spec["externalLabels"] == {
        "cluster": "eu-1",
        "environment": "production",
        "provider": "aws",
        "region": "eu-west-1",
    }
    (write,) = spec["remoteWrite"]
    assert write["url"] == "https://mimir.example.com/api/v1/push"
    assert write["headers"] == {"X-Scope-OrgID": "shop"}
    assert write["basicAuth"] == {
        "username": {"name": "mimir-push", "key": "user"},
        "password": {"name": "mimir-push", "key": "password"},
    }
    assert spec["retention"] == "1d"
    exprs = spec["ruleSelector"]["matchExpressions"]
    assert exprs == [
        {"key": "app.kubernetes.io/managed-by", "operator": "NotIn", "values": ["obskit"]}
    ]


def test_one_grafana_on_the_central_cluster_over_the_central_store(files):
    eu = files["helm-values/production/eu-1/kube-prometheus-stack.yaml"]
    us = files["helm-values/production/us-1/kube-prometheus-stack.yaml"]
    assert eu["grafana"] == {"enabled": False}
    (central, *_others) = us["grafana"]["additionalDataSources"]
    assert central["uid"] == "prometheus" and central["isDefault"] is True
    assert central["url"] == "http://mimir-gateway.monitoring.svc:80/prometheus"
    assert central["jsonData"]["httpHeaderName1"] == "X-Scope-OrgID"


def test_every_key_exists_in_the_pinned_charts(files):
    checked = 0
    for path, values in files.items():
        parts = path.split("/")
        if path.endswith("helmfile.yaml"):
            continue
        chart = parts[-1].removesuffix(".yaml")
        assert unknown_keys(chart, values) == [], path
        checked += 1
    assert checked == 17


def test_mimir_values_tenancy_storage_by_secret_and_one_alertmanager(files):
    values = files["helm-values/production/mimir-distributed.yaml"]
    config = values["mimir"]["structuredConfig"]
    assert config["multitenancy_enabled"] is True
    assert config["common"]["storage"]["s3"]["secret_access_key"] == "${AWS_SECRET_ACCESS_KEY}"
    assert values["global"]["extraEnvFrom"] == [{"secretRef": {"name": "mimir-bucket"}}]
    assert values["minio"] == {"enabled": False}
    assert values["alertmanager"]["enabled"] is False
    assert config["ruler"]["alertmanager_url"].startswith("http://kube-prometheus-stack-alert")


def test_helmfile_lists_each_clusters_releases_and_the_central_one(files):
    releases = files["helm-values/helmfile.yaml"]["releases"]
    prod = [r for r in releases if r["labels"]["environment"] == "production"]
    kps = {r["kubeContext"]: r["values"] for r in prod if r["name"] == "kube-prometheus-stack"}
    assert kps == {
        "eu-1": [
            "production/kube-prometheus-stack.yaml",
            "production/eu-1/kube-prometheus-stack.yaml",
        ],
        "arn-us-1": [
            "production/kube-prometheus-stack.yaml",
            "production/us-1/kube-prometheus-stack.yaml",
        ],
    }
    (central,) = [r for r in releases if r["name"] == "mimir"]
    assert central["kubeContext"] == "arn-us-1" and central["labels"]["central"] == "true"
    assert central["chart"] == "grafana/mimir-distributed" and central["version"] == "5.7.0"
    staging = {r["kubeContext"] for r in releases if r["labels"]["environment"] == "staging"}
    assert staging == {"staging"}


def test_lint_checks_the_overlays_and_mimir_keys(catalog, monkeypatch):
    from obskit.renderers.helm import central

    original = central.cluster_overlay

    def typo(*args):
        values = original(*args)
        values.set("prometheus.prometheusSpec.remoteWrit", [])
        return values

    monkeypatch.setattr(central, "cluster_overlay", typo)
    findings = run_checks(context_from_catalog(catalog), load_checks(["helm-unknown-key"]))
    paths = {f.path for f in findings}
    assert paths == {
        "helm-values/production/eu-1/kube-prometheus-stack.yaml",
        "helm-values/production/us-1/kube-prometheus-stack.yaml",
    }


def test_mimir_ruler_files_one_namespace_per_team_promtool_valid(catalog, tmp_path, promtool):
    out = mimir.ruler_files(catalog, "production")
    assert list(out) == ["mimir-rules/production/web.yaml"]
    doc = yaml.safe_load(out["mimir-rules/production/web.yaml"])
    assert doc["namespace"] == "web"
    names = [g["name"] for g in doc["groups"]]
    assert names == ["web-slo-availability", "web-service", "web-workload"]
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump({"groups": doc["groups"]}))
    check = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


REMOTE_WRITE = """\
services:
  - {name: web, team: web}
environments:
  production:
    clusters: [{name: eu-1}, {name: us-1}]
    central:
      kind: remote-write
      url: https://receive.example.com/api/v1/receive
      auth: {bearerToken: {name: receive-token, key: token}}
"""


def test_remote_write_with_local_rules_keeps_rules_retention_and_grafanas(tmp_path):
    catalog = load_catalog(catalog_file(tmp_path, REMOTE_WRITE))
    files = {p: yaml.safe_load(d) for p, d in render_all(catalog).items()}
    assert "helm-values/production/mimir-distributed.yaml" not in files
    assert not mimir.central_environments(catalog)
    for cluster in ("eu-1", "us-1"):
        overlay = files[f"helm-values/production/{cluster}/kube-prometheus-stack.yaml"]
        assert "grafana" not in overlay  # no queryUrl: each cluster keeps its Grafana
        spec = overlay["prometheus"]["prometheusSpec"]
        assert "retention" not in spec and "ruleSelector" not in spec
        (write,) = spec["remoteWrite"]
        assert write["authorization"] == {
            "type": "Bearer",
            "credentials": {"name": "receive-token", "key": "token"},
        }
        assert "headers" not in write and "writeRelabelConfigs" not in write
    releases = files["helm-values/helmfile.yaml"]["releases"]
    assert not [r for r in releases if r["name"] == "mimir"]
    repos = {r["name"] for r in files["helm-values/helmfile.yaml"]["repositories"]}
    assert "grafana" not in repos


def test_render_writes_the_ruler_files_and_prunes_them_when_rules_go_local(tmp_path):
    from obskit import render

    out = tmp_path / "out"
    path = catalog_file(tmp_path, BODY)
    render(load_catalog(path), out, only=["alerts"], use_cache=False)
    ruler = out / "mimir-rules" / "production" / "web.yaml"
    assert yaml.safe_load(ruler.read_text())["namespace"] == "web"
    path.write_text(path.read_text().replace("rules: central", "rules: local"))
    render(load_catalog(path), out, only=["alerts"], use_cache=False)
    assert not ruler.exists()
    assert (out / "alerts" / "web.rules.yaml").is_file()


def test_mimir_deduplicates_each_clusters_replica_pair(tmp_path):
    """Mimir's HA tracker elects one replica per cluster (labels cluster and
    prometheus_replica, the operator's replica label), its KV store from the catalog."""
    from obskit.renderers.helm.central import mimir_values

    values = mimir_values(load_catalog(catalog_file(tmp_path, BODY)), "production").data
    config = values["mimir"]["structuredConfig"]
    assert config["distributor"]["ha_tracker"] == {
        "enable_ha_tracker": True,
        "kvstore": {"store": "consul", "consul": {"host": "consul.monitoring.svc:8500"}},
    }
    limits = config["limits"]
    assert (
        limits["accept_ha_samples"],
        limits["ha_cluster_label"],
        limits["ha_replica_label"],
    ) == (
        True,
        "cluster",
        "prometheus_replica",
    )


def test_mimir_ruler_limits_hold_the_rules_obskit_sends(tmp_path):
    """Review finding: Mimir's default 20 rules per group refused a workload group."""
    from obskit.renderers.helm.central import mimir_values

    catalog = load_catalog(catalog_file(tmp_path, BODY))
    limits = mimir_values(catalog, "production").data["mimir"]["structuredConfig"]["limits"]
    render(catalog, tmp_path / "out", only=["alerts"], use_cache=False)
    groups = [
        g
        for f in sorted((tmp_path / "out" / "mimir-rules").rglob("*.yaml"))
        for g in yaml.safe_load(f.read_text())["groups"]
    ]
    assert groups
    assert limits["ruler_max_rules_per_rule_group"] >= max(len(g["rules"]) for g in groups)
    assert limits["ruler_max_rule_groups_per_tenant"] >= len(groups)
