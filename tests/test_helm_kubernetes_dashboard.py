"""Kubernetes Dashboard values (docs/access.md): only behind the catalog's proxy, no admin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from test_manifests_access import CATALOG

from obskit import load_catalog
from obskit.renderers.helm import render_all
from obskit.renderers.helm.keyindex import unknown_keys

REPO = Path(__file__).resolve().parent.parent


def test_example_dashboard_sits_behind_the_auth_proxy(example_catalog):
    files = render_all(example_catalog)
    for env in example_catalog.environments:
        values = yaml.safe_load(files[f"helm-values/{env}/kubernetes-dashboard.yaml"])
        assert unknown_keys("kubernetes-dashboard", values) == []
        ingress = values["app"]["ingress"]
        assert ingress["hosts"] == [f"dashboard.{env}.shop.example.com"]
        assert ingress["ingressClassName"] == "nginx"
        assert ingress["annotations"]["nginx.ingress.kubernetes.io/auth-url"] == (
            "https://auth.shop.example.com/oauth2/auth"
        )
        assert ingress["annotations"]["nginx.ingress.kubernetes.io/auth-response-headers"] == (
            "Authorization"
        )
        assert values["kong"]["proxy"]["type"] == "ClusterIP"
    helmfile = yaml.safe_load(files["helm-values/helmfile.yaml"])
    releases = [r for r in helmfile["releases"] if r["name"] == "kubernetes-dashboard"]
    assert [r["labels"]["environment"] for r in releases] == sorted(example_catalog.environments)
    assert all(r["installed"] and r["version"] == "7.13.0" for r in releases)


def test_no_admin_user_or_cluster_admin_binding_anywhere(example_catalog):
    for path in (REPO / "manifests").rglob("*.yaml"):
        assert "cluster-admin" not in path.read_text(), path
    for path in (REPO / "helm-values").rglob("kubernetes-dashboard.yaml"):
        text = path.read_text()
        assert "admin" not in text and "ServiceAccount" not in text, path
    for doc in yaml.safe_load_all((REPO / "manifests/platform/access.yaml").read_text()):
        if doc and doc["kind"] in ("ClusterRoleBinding", "ServiceAccount"):
            raise AssertionError(f"unexpected {doc['kind']} {doc['metadata']['name']}")


def test_without_a_proxy_no_dashboard_is_rendered(tmp_path):
    text = CATALOG.replace(
        "    proxy:\n      host: k8s.{environment}.example.com\n"
        "      authURL: https://auth.example.com/oauth2/auth\n",
        "",
    )
    assert "proxy" not in text
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    files = render_all(load_catalog(path))
    assert not [p for p in files if "kubernetes-dashboard" in p]
    assert "kubernetes-dashboard" not in files["helm-values/helmfile.yaml"].decode()


def test_the_key_index_script_covers_the_pinned_chart(shared_reference):
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_chart_key_index.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (REPO / "obskit/data/chart-keys/kubernetes-dashboard-7.13.0.json").is_file()
