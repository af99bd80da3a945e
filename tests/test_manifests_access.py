"""Team access (docs/access.md): RBAC proven with the RBAC authorizer's semantics, NetworkPolicies
and Elasticsearch roles on the rendered objects, kustomize, schemas, catalog errors."""

from __future__ import annotations

import fnmatch
import itertools
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from k8s_schemas import core_errors

from obskit import load_catalog, render
from obskit.catalog.errors import CatalogError
from obskit.renderers.access.authorizer import Request, allowed
from obskit.renderers.access.grafana import team_folder_permissions
from obskit.renderers.access.logs import roles_document, routing
from obskit.renderers.access.rbac import TEAM_RULES
from obskit.stack import STACK_NAMESPACE

CATALOG = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata:
  name: shop
  access:
    enabled: true
    platformTeam: ops
    proxy:
      host: k8s.{environment}.example.com
      authURL: https://auth.example.com/oauth2/auth
teams:
  - {name: pay, access: {group: oidc:pay}}
  - {name: pay-x, access: {group: oidc:pay-x}}
  - {name: ops, access: {group: oidc:ops}}
services:
  - {name: checkout, team: pay, namespace: pay-ns, traces: {enabled: true}}
  - {name: refunds, team: pay, namespace: pay-jobs}
  - {name: ledger, team: pay-x, namespace: pay-x-ns}
  - {name: edge, team: ops, namespace: edge}
"""
GROUPS = {"pay": "oidc:pay", "pay-x": "oidc:pay-x", "ops": "oidc:ops"}
OWN = {"pay": {"pay-ns", "pay-jobs"}, "pay-x": {"pay-x-ns"}, "ops": {"edge"}}
NAMESPACES = ["pay-ns", "pay-jobs", "pay-x-ns", "edge", STACK_NAMESPACE, "kube-system", "default"]
VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]
#: (apiGroup, resource) probes: everything the roles grant, plus what they never may
PROBES = sorted(
    {(g, r) for g, resources, _ in TEAM_RULES for r in resources}
    | {("", "secrets"), ("", "configmaps"), ("", "pods/exec"), ("", "serviceaccounts/token")}
    | {("rbac.authorization.k8s.io", "roles"), ("apps", "deployments/scale")}
)


def _render(tmp_path: Path, text: str = CATALOG) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    render(load_catalog(path), tmp_path / "out", only=["manifests"], use_cache=False)
    return tmp_path / "out" / "manifests"


@pytest.fixture
def manifests(tmp_path) -> Path:
    return _render(tmp_path)


def _objects(root: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all((root / "platform" / "access.yaml").read_text()) if d]


def can(objects, group: str, verb: str, resource: tuple[str, str], namespace: str | None) -> bool:
    req = Request(verb=verb, resource=resource[1], api_group=resource[0], namespace=namespace)
    return allowed(objects, req, user=f"someone-in-{group}", groups=[group, "system:authenticated"])


def test_a_team_reads_its_own_namespaces_only_and_never_writes_or_reads_secrets(manifests):
    objects = _objects(manifests)
    for team, group in GROUPS.items():
        grants = {
            (verb, probe, ns)
            for verb, probe, ns in itertools.product(VERBS, PROBES, [*NAMESPACES, None])
            if can(objects, group, verb, probe, ns)
        }
        reach = OWN[team] | ({STACK_NAMESPACE} if team == "ops" else set())
        assert {ns for _, _, ns in grants} == reach, team
        assert {verb for verb, _, _ in grants} == {"get", "list", "watch"}
        resources = {r for _, (_, r), _ in grants}
        assert not resources & {"secrets", "configmaps", "pods/exec", "serviceaccounts/token"}
        assert {"pods", "pods/log", "events", "deployments"} <= resources
    # the prefix team `pay-x` and `pay` never see each other's namespaces
    assert not can(objects, "oidc:pay", "get", ("", "pods"), "pay-x-ns")
    assert not can(objects, "oidc:pay-x", "list", ("", "pods"), "pay-ns")
    assert can(objects, "oidc:pay", "get", ("", "pods/log"), "pay-jobs")
    assert not can(objects, "oidc:pay", "list", ("", "pods"), STACK_NAMESPACE)
    assert not can(objects, "system:authenticated", "get", ("", "pods"), "pay-ns")


def test_no_rendered_rule_has_a_wildcard_and_platform_read_is_namespace_bound(manifests):
    objects = _objects(manifests)
    for role in (o for o in objects if o["kind"] in ("Role", "ClusterRole")):
        for rule in role["rules"]:
            assert "*" not in {*rule["verbs"], *rule["apiGroups"], *rule["resources"]}
    assert not [o for o in objects if o["kind"] == "ClusterRoleBinding"]
    (binding,) = [
        o for o in objects if o["kind"] == "RoleBinding" and o["roleRef"]["kind"] == "ClusterRole"
    ]
    assert binding["metadata"]["namespace"] == STACK_NAMESPACE
    assert binding["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "oidc:ops"}
    ]


def test_the_evaluator_follows_rbac_semantics_so_the_proofs_above_can_fail():
    """Grants the evaluator must see: a wildcard ClusterRoleBinding, ``*/log``, resourceNames."""
    wide = [
        {"kind": "ClusterRole", "metadata": {"name": "all"},
         "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
        {"kind": "ClusterRoleBinding", "metadata": {"name": "all"},
         "roleRef": {"kind": "ClusterRole", "name": "all"},
         "subjects": [{"kind": "Group", "name": "g"}]},
    ]  # fmt: skip
    assert can(wide, "g", "get", ("", "secrets"), "anywhere")
    assert can(wide, "g", "delete", ("apps", "deployments"), None)
    assert not can(wide, "h", "get", ("", "secrets"), "anywhere")
    logs = [
        {"kind": "Role", "metadata": {"name": "r", "namespace": "a"},
         "rules": [{"apiGroups": [""], "resources": ["*/log"], "verbs": ["get"]},
                   {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"],
                    "resourceNames": ["one"]}]},
        {"kind": "RoleBinding", "metadata": {"name": "r", "namespace": "a"},
         "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "Group", "name": "g"}]},
    ]  # fmt: skip
    assert can(logs, "g", "get", ("", "pods/log"), "a")
    assert not can(logs, "g", "get", ("", "pods/log"), "b")
    assert not can(logs, "g", "get", ("", "secrets"), "a")  # no name: not that secret
    assert allowed(logs, Request("get", "secrets", "a", name="one"), groups=["g"])


def test_access_objects_validate_and_kustomize_builds(manifests, kubectl):
    objects = _objects(manifests)
    assert {o["kind"] for o in objects} == {
        "ClusterRole", "ConfigMap", "Job", "NetworkPolicy", "Role", "RoleBinding", "Secret"
    }  # fmt: skip
    for obj in objects:
        assert core_errors(obj) == [], obj["metadata"]["name"]
    proc = subprocess.run([kubectl, "kustomize", str(manifests)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    built = {(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(proc.stdout) if d}
    assert {(o["kind"], o["metadata"]["name"]) for o in objects} <= built


def _admits(policies, pod_labels: dict, from_ns: str, port: int) -> bool:
    """NetworkPolicy semantics (ingress): isolated when selected; allowed when a rule admits."""
    selected = [
        p for p in policies
        if (p["spec"]["podSelector"].get("matchLabels") or {}).items() <= pod_labels.items()
    ]  # fmt: skip
    if not selected:
        return True
    for policy in selected:
        for rule in policy["spec"].get("ingress") or []:
            peers = rule.get("from")
            ports = rule.get("ports")
            ok_port = not ports or any(p["port"] == port for p in ports)
            ok_peer = not peers or any(
                ("podSelector" in peer and "namespaceSelector" not in peer and from_ns == "monitoring")
                or (peer.get("namespaceSelector", {}).get("matchLabels", {})
                    .get("kubernetes.io/metadata.name") == from_ns)
                for peer in peers
            )  # fmt: skip
            if ok_port and ok_peer:
                return True
    return False


def test_monitoring_network_policies_keep_out_what_does_not_need_in(manifests):
    policies = [o for o in _objects(manifests) if o["kind"] == "NetworkPolicy"]
    assert {p["metadata"]["namespace"] for p in policies} == {STACK_NAMESPACE}
    prometheus = {"app.kubernetes.io/name": "prometheus"}
    grafana = {"app.kubernetes.io/name": "grafana"}
    jaeger = {"app.kubernetes.io/name": "jaeger"}
    assert _admits(policies, prometheus, "monitoring", 9090)
    assert not _admits(policies, prometheus, "pay-ns", 9090)
    assert not _admits(policies, prometheus, "ingress-nginx", 9090)
    assert _admits(policies, grafana, "ingress-nginx", 3000)
    assert not _admits(policies, grafana, "pay-ns", 3000)
    assert _admits(policies, jaeger, "pay-ns", 4317)  # checkout sends traces
    assert not _admits(policies, jaeger, "pay-jobs", 4317)  # refunds does not
    assert not _admits(policies, jaeger, "pay-ns", 16686)


def es_matches(pattern: str, index: str) -> bool:
    """Elasticsearch role index names: ``/.../`` is a Lucene regexp (whole name), else ``*``."""
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        return re.fullmatch(pattern[1:-1], index) is not None
    return fnmatch.fnmatchcase(index, pattern)


def test_elasticsearch_roles_restrict_each_team_to_its_pattern(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG)
    catalog = load_catalog(path)
    roles = roles_document(catalog)
    by_ns, by_app = routing(catalog)
    assert by_app == {}
    indices = {ns: f"logs-{team}.{ns}-2026.12.02" for ns, team in by_ns.items()}
    indices |= {f"events-{t}": f"logs-events.{t}-2026.12.02" for t in GROUPS}
    for team in GROUPS:
        (grant,) = roles[f"obskit-logs-{team}"]["indices"]
        assert set(grant["privileges"]) == {"read", "view_index_metadata"}
        readable = {
            key for key, index in indices.items()
            if any(es_matches(pattern, index) for pattern in grant["names"])
        }  # fmt: skip
        assert readable == OWN[team] | {f"events-{team}"}, team
        assert roles[f"obskit-logs-{team}"]["cluster"] == []
    secret = next(o for o in _objects(_render(tmp_path)) if o["kind"] == "Secret")
    assert yaml.safe_load(secret["stringData"]["roles.yml"]) == roles


def test_grafana_folder_permissions_view_for_all_edit_for_the_owner(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG)
    perms = team_folder_permissions(load_catalog(path))
    assert sorted(perms) == ["ops", "pay", "pay-x"]
    items = yaml.safe_load(perms["pay"])["items"]
    assert {"permission": 1, "role": "Viewer"} in items
    assert {"permission": 1, "role": "Editor"} in items
    assert [i for i in items if i.get("permission") == 2] == [
        {"permission": 2, "team": "pay", "teamGroup": "oidc:pay"}
    ]


def test_access_off_renders_no_access_file(tmp_path):
    text = CATALOG.replace("enabled: true", "enabled: false")
    root = _render(tmp_path, text)
    assert not (root / "platform" / "access.yaml").exists()
    assert "platform/access.yaml" not in (root / "kustomization.yaml").read_text()


def test_a_reserved_team_name_is_refused_with_access_on(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(
        CATALOG.replace("name: pay-x,", "name: events,").replace("team: pay-x", "team: events")
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert [p.path for p in info.value.problems] == ["teams[1].name"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "platformTeam: ops",
            "platformTeam: opz",
            ":7:19: metadata.access.platformTeam: team `opz`",
        ),
        ("    platformTeam: ops\n", "", ":6:14: metadata.access.enabled: access rendering needs"),
        ("group: oidc:pay}", "group: 'oidc pay'}", ":12:33: teams[0].access.group"),
    ],
)
def test_bad_access_input_names_file_line_and_field(tmp_path, old, new, expected):
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG.replace(old, new, 1))
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert any(expected in str(p) and str(path) in str(p) for p in info.value.problems), [
        str(p) for p in info.value.problems
    ]
    assert not (tmp_path / "out").exists()


def test_example_catalog_has_access_on(example_catalog):
    assert example_catalog.metadata.access and example_catalog.metadata.access.enabled
    assert all(t.access and t.access.group for t in example_catalog.teams)


def test_mimir_push_and_grafana_operator_get_through_the_default_deny(tmp_path):
    """Review finding: with access on, the default deny blocked the other clusters' pushes
    into the Mimir gateway and grafana-operator's calls to Grafana."""
    text = CATALOG.replace(
        "  access:\n", "  dashboards: {delivery: grafana-operator}\n  access:\n", 1
    ) + (
        "environments:\n  staging:\n    clusters: [{name: a}, {name: b}]\n"
        "    central: {kind: mimir, url: 'https://mimir.example.com/api/v1/push'}\n"
    )
    policies = [o for o in _objects(_render(tmp_path, text)) if o["kind"] == "NetworkPolicy"]
    gateway = {"app.kubernetes.io/name": "mimir", "app.kubernetes.io/component": "gateway"}
    # pushes come through an Ingress or LoadBalancer: any source, the gateway port only
    assert _admits(policies, gateway, "anywhere", 8080)
    assert not _admits(policies, gateway, "anywhere", 9095)
    (operator,) = [p for p in policies if p["metadata"]["name"] == "obskit-allow-grafana-operator"]
    assert operator["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "grafana"}
    (rule,) = operator["spec"]["ingress"]
    assert rule["ports"] == [{"port": 3000, "protocol": "TCP"}]
    assert rule["from"] == [
        {
            "namespaceSelector": {},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "grafana-operator"}},
        }
    ]
    (tmp_path / "plain").mkdir()
    plain = [o for o in _objects(_render(tmp_path / "plain")) if o["kind"] == "NetworkPolicy"]
    assert not _admits(plain, gateway, "anywhere", 8080)
    assert "obskit-allow-grafana-operator" not in {p["metadata"]["name"] for p in plain}
