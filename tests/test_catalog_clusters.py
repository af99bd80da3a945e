"""Catalog: several clusters per environment and a central store (issue 13, part 1)."""

from __future__ import annotations

from obskit import load_catalog
from obskit.catalog.clusters import resolved_clusters

from catalog_support import catalog_file, problems

SERVICE = "services: [{name: web, team: web}]\n"


def test_clusters_and_central_are_accepted(tmp_path):
    catalog = load_catalog(
        catalog_file(
            tmp_path,
            SERVICE
            + """\
environments:
  production:
    clusters:
      - {name: eu-1, context: gke-eu-1, labels: {provider: gcp, region: europe-west1}}
      - {name: us-1, managed: false}
    central:
      kind: mimir
      url: https://mimir.example.com/api/v1/push
      tenant: shop
      rules: central
      cluster: us-1
      auth: {basicAuth: {username: {name: mimir-auth, key: user}, password: {name: mimir-auth, key: password}}}
      haTracker: {store: etcd, endpoints: ["etcd-0:2379", "etcd-1:2379"]}
""",
        )
    )
    env = catalog.environments["production"]
    assert [c.name for c in resolved_clusters("production", env, catalog)] == ["eu-1", "us-1"]
    assert env.central.rules == "central" and env.central.auth.basic_auth.password.key == "password"


def test_the_single_cluster_field_keeps_working(tmp_path):
    catalog = load_catalog(
        catalog_file(tmp_path, SERVICE + "environments: {prod: {cluster: prod-1}, dev: {}}\n")
    )
    envs = catalog.environments
    assert [c.name for c in resolved_clusters("prod", envs["prod"], catalog)] == ["prod-1"]
    assert [c.name for c in resolved_clusters("dev", envs["dev"], catalog)] == ["dev"]


def test_bad_combinations_are_refused_with_file_line_and_fix(tmp_path):
    found = problems(
        tmp_path,
        SERVICE
        + """\
environments:
  production:
    cluster: x
    clusters:
      - name: eu-1
        labels: {cluster: z}
      - name: us-1
    central:
      kind: remote-write
      rules: central
      cluster: nope
      auth: {}
  staging:
    clusters: [{name: eu-1}]
""",
    )
    path = str(tmp_path / "catalog.yaml")
    expected = [
        (":8:5: environments.production.cluster:", "list `x` under `clusters`"),
        (":11:18: environments.production.clusters[0].labels.cluster:", "set by obskit"),
        (":13:5: environments.production.central:", "needs `url`"),
        (":15:7: environments.production.central.rules:", "needs `kind: mimir`"),
        (":16:16: environments.production.central.cluster:", "use one of: eu-1, us-1"),
        (":17:7: environments.production.central.auth:", "exactly one of"),
        (":19:23: environments.staging.clusters[0].name:", "already listed in environment"),
    ]
    assert len(found) == len(expected), found
    for text, (where, fix) in zip(found, expected, strict=True):
        assert text.startswith(path + where) and fix in text, text


def test_a_bad_cluster_name_and_kind_are_schema_errors(tmp_path):
    found = problems(
        tmp_path,
        SERVICE
        + "environments:\n  p:\n    clusters: [{name: EU_1}]\n    central: {kind: thanos}\n",
    )
    assert any("clusters[0].name" in p for p in found), found
    assert any("central.kind" in p for p in found), found


def test_cli_refuses_and_writes_nothing(tmp_path):
    from typer.testing import CliRunner

    from obskit.cli import app

    path = catalog_file(
        tmp_path, SERVICE + "environments:\n  p:\n    central: {kind: remote-write}\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["render", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert "central.kind: remote-write` needs `url`" in result.output
    assert not out.exists()


def test_mimir_for_several_clusters_needs_the_address_they_reach(tmp_path):
    found = problems(
        tmp_path,
        SERVICE
        + "environments:\n  p:\n    clusters: [{name: a}, {name: b}]\n    central: {kind: mimir}\n",
    )
    assert len(found) == 1 and ":9:5: environments.p.central:" in found[0], found
    assert "needs `url`" in found[0]


def test_mimir_with_replica_pairs_needs_the_ha_tracker(tmp_path):
    """Production runs 2 Prometheus replicas per cluster: both write every series, so a
    central `sum by (cluster)` would count each request twice without Mimir's HA dedup."""
    body = """\
services: [{name: s, team: web}]
environments:
  production:
    clusters: [{name: a}, {name: b}]
    central: {kind: mimir, url: 'https://m.example.com/api/v1/push'}
"""
    found = problems(tmp_path, body)
    assert len(found) == 1 and "environments.production.central:" in found[0], found
    assert "haTracker" in found[0] and "prometheus.replicas: 1" in found[0]
    one = body.replace("production:\n", "production:\n    prometheus: {replicas: 1}\n")
    load_catalog(catalog_file(tmp_path, one))  # one replica: nothing to deduplicate


def test_ha_tracker_is_mimirs_only(tmp_path):
    body = """\
services: [{name: s, team: web}]
environments:
  staging:
    central:
      kind: remote-write
      url: 'https://r.example.com/api/v1/receive'
      haTracker: {store: consul, endpoints: ['c:8500']}
"""
    found = problems(tmp_path, body)
    assert len(found) == 1 and "`haTracker` is Mimir's" in found[0], found
