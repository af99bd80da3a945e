"""The rendered RBAC asked of Kubernetes' own RBAC authorizer, and obskit's evaluator
(obskit/renderers/access/authorizer.py, used where Go is absent) checked against it."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from k8s_rbac import RealAuthorizer, build, unavailable
from test_manifests_access import GROUPS, NAMESPACES, OWN, PROBES, VERBS, _objects, _render

from obskit.renderers.access.authorizer import Request, allowed
from obskit.stack import STACK_NAMESPACE

REPO = Path(__file__).resolve().parents[1]
WHY = unavailable()
pytestmark = pytest.mark.skipif(WHY is not None, reason=WHY or "")


@pytest.fixture(scope="module")
def k8s(tmp_path_factory) -> RealAuthorizer:
    return RealAuthorizer(build(tmp_path_factory.mktemp("rbaccheck")))


def _asks(groups: dict[str, str], namespaces: list[str]) -> list[tuple[Request, str, tuple]]:
    return [
        (Request(verb, res, ns, api_group=grp), f"someone-in-{g}", (g, "system:authenticated"))
        for g, verb, (grp, res), ns in itertools.product(
            groups.values(), VERBS, PROBES, [*namespaces, None]
        )
    ]


def _agree(k8s: RealAuthorizer, objects, asks) -> list[tuple[Request, str, tuple]]:
    """The asks the real authorizer allows, after checking obskit's evaluator says the same."""
    real = k8s.decide(objects, asks)
    ours = [allowed(objects, r, user=u, groups=g) for r, u, g in asks]
    differ = [(a, x) for a, x, y in zip(asks, real, ours, strict=True) if x != y]
    assert not differ, differ[:5]
    return [a for a, ok in zip(asks, real, strict=True) if ok]


def test_kubernetes_authorizer_lets_each_team_read_only_its_own_namespaces(k8s, tmp_path):
    objects = _objects(_render(tmp_path))
    asks = _asks(GROUPS, NAMESPACES)
    granted = _agree(k8s, objects, asks)
    assert len(asks) > 3000
    for team, group in GROUPS.items():
        mine = [r for r, _, g in granted if g[0] == group]
        reach = OWN[team] | ({STACK_NAMESPACE} if team == "ops" else set())
        assert {r.namespace for r in mine} == reach, team
        assert {r.verb for r in mine} == {"get", "list", "watch"}
        read = {r.resource for r in mine}
        assert not read & {"secrets", "configmaps", "pods/exec", "serviceaccounts/token", "roles"}
        assert {"pods", "pods/log", "events", "deployments"} <= read
    # what `kubectl auth can-i --list -n pay-ns` would list for pay, and for pay-x (nothing)
    pay = k8s.rules_for(objects, "u", ("oidc:pay",), "pay-ns")
    assert ("list", "", "pods") in pay and ("get", "", "pods/log") in pay
    assert {v for v, _, _ in pay} == {"get", "list", "watch"}
    assert not {r for _, _, r in pay} & {"secrets", "configmaps", "*"}
    assert k8s.rules_for(objects, "u", ("oidc:pay-x",), "pay-ns") == []


def test_kubernetes_authorizer_on_the_example_output(k8s):
    """The committed example (manifests/platform/access.yaml) as Kubernetes decides it."""
    path = REPO / "manifests" / "platform" / "access.yaml"
    objects = [d for d in yaml.safe_load_all(path.read_text()) if d]
    groups = {t: f"shop-{t}" for t in ("storefront", "payments", "fulfilment", "platform")}
    namespaces = ["shop", "ingress-nginx", STACK_NAMESPACE, "kube-system", "default"]
    granted = _agree(k8s, objects, _asks(groups, namespaces))
    by_group = {g: {r.namespace for r, _, gs in granted if gs[0] == g} for g in groups.values()}
    assert by_group == {
        "shop-storefront": {"shop"},
        "shop-payments": {"shop"},
        "shop-fulfilment": {"shop"},
        "shop-platform": {"ingress-nginx", STACK_NAMESPACE},
    }
    assert not [r for r, _, _ in granted if r.resource == "secrets" or r.verb == "delete"]


#: RBAC corners obskit renders none of, so the evaluator is checked on them too
CONTROLS = [
    {"kind": "ClusterRole", "metadata": {"name": "wide"},
     "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
    {"kind": "ClusterRoleBinding", "metadata": {"name": "wide"},
     "roleRef": {"kind": "ClusterRole", "name": "wide"},
     "subjects": [{"kind": "Group", "name": "admins"}]},
    {"kind": "Role", "metadata": {"name": "logs", "namespace": "a"},
     "rules": [{"apiGroups": [""], "resources": ["*/log"], "verbs": ["get"]},
               {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"],
                "resourceNames": ["one"]},
               {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["update"]}]},
    {"kind": "RoleBinding", "metadata": {"name": "logs", "namespace": "a"},
     "roleRef": {"kind": "Role", "name": "logs"},
     "subjects": [{"kind": "Group", "name": "g"}, {"kind": "User", "name": "alice"},
                  {"kind": "ServiceAccount", "name": "bot"}]},
    {"kind": "ClusterRole", "metadata": {"name": "urls"},
     "rules": [{"nonResourceURLs": ["/healthz", "/api/*"], "verbs": ["get"]},
               {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]},
    {"kind": "ClusterRoleBinding", "metadata": {"name": "urls"},
     "roleRef": {"kind": "ClusterRole", "name": "urls"},
     "subjects": [{"kind": "ServiceAccount", "name": "mon", "namespace": "b"}]},
    {"kind": "RoleBinding", "metadata": {"name": "urls-in-a", "namespace": "a"},
     "roleRef": {"kind": "ClusterRole", "name": "urls"},
     "subjects": [{"kind": "User", "name": "bob"}]},
    {"kind": "ClusterRoleBinding", "metadata": {"name": "role-ref-ignored"},
     "roleRef": {"kind": "Role", "name": "logs"},
     "subjects": [{"kind": "User", "name": "carol"}]},
    {"kind": "ClusterRole", "metadata": {"name": "aggregated"},
     "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]},
     "rules": [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["watch"]}]},
    {"kind": "ClusterRoleBinding", "metadata": {"name": "aggregated"},
     "roleRef": {"kind": "ClusterRole", "name": "aggregated"},
     "subjects": [{"kind": "User", "name": "dave"}]},
]  # fmt: skip
USERS = [
    ("alice", ()), ("bob", ()), ("carol", ()), ("dave", ()), ("eve", ("admins",)),
    ("x", ("g",)), ("system:serviceaccount:a:bot", ()), ("system:serviceaccount:b:bot", ()),
    ("system:serviceaccount:b:mon", ()), ("system:serviceaccount:a:mon", ()),
]  # fmt: skip
RESOURCES = [
    ("", "pods"), ("", "pods/log"), ("", "nodes/log"), ("", "secrets"), ("apps", "deployments"),
    ("apps", "deployments/scale"), ("batch", "jobs"), ("", "log"),
]  # fmt: skip
PATHS = ["/healthz", "/healthz/ready", "/api", "/api/v1", "/apis", "/metrics"]


def test_evaluator_matches_kubernetes_on_rbac_corners(k8s):
    """Wildcards, */subresource, resourceNames, nonResourceURLs with a trailing *, User /
    Group / ServiceAccount subjects (namespace defaulted from the RoleBinding), a
    ClusterRoleBinding to a Role (grants nothing), an aggregated ClusterRole's rules."""
    asks = [
        (Request(verb, res, ns, api_group=grp, name=name), user, groups)
        for (user, groups), verb, (grp, res), ns, name in itertools.product(
            USERS, ["get", "list", "watch", "update"], RESOURCES, ["a", "b", None], [None, "one"]
        )
    ] + [
        (Request(verb, "", None, path=path), user, groups)
        for (user, groups), verb, path in itertools.product(USERS, ["get", "post"], PATHS)
    ]
    granted = _agree(k8s, CONTROLS, asks)
    # the controls do exercise both answers, for every corner
    said = {(u, r.verb, r.resource or r.path, r.namespace, r.name) for r, u, _ in granted}
    assert ("eve", "update", "secrets", None, None) in said
    assert ("x", "get", "nodes/log", "a", None) in said
    assert ("x", "get", "pods/log", "b", None) not in said
    assert ("x", "get", "secrets", "a", "one") in said
    assert ("x", "get", "secrets", "a", None) not in said
    assert ("system:serviceaccount:a:bot", "get", "pods/log", "a", None) in said
    assert ("system:serviceaccount:b:bot", "get", "pods/log", "a", None) not in said
    assert ("system:serviceaccount:b:mon", "get", "/api/v1", None, None) in said
    assert ("system:serviceaccount:b:mon", "get", "/apis", None, None) not in said
    assert ("bob", "list", "pods", "a", None) in said
    assert ("bob", "get", "/healthz", None, None) not in said  # a RoleBinding: no URLs
    assert not [u for u, *_ in said if u == "carol"]
    assert ("dave", "watch", "jobs", "b", None) in said
