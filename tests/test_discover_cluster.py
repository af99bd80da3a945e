"""The discovery adapter over HTTP: a stand-in API server serving real-shaped JSON.

No Kubernetes API server runs here. This server answers the list calls the adapter makes
with the JSON the API server would send (the client's own models serialised by its
``ApiClient``), in pages, or with 401/403 Status objects; the kubeconfig points at it.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from discover_cluster import shop_cluster, workload
from kubernetes import client as k
from typer.testing import CliRunner

from obskit.catalog.loader import load_catalog
from obskit.cli import app
from obskit.discover.cluster import DiscoveryError, read_cluster

LISTS = {
    "deployments": ("apps/v1", "DeploymentList", "deployments"),
    "statefulsets": ("apps/v1", "StatefulSetList", "statefulsets"),
    "daemonsets": ("apps/v1", "DaemonSetList", "daemonsets"),
    "services": ("v1", "ServiceList", "services"),
}


class FakeApi:
    """Objects, an optional failure per resource, and a log of the paths asked for."""

    def __init__(self):
        snap = shop_cluster()
        self.objects = {
            "deployments": [
                *snap.deployments,
                workload("Deployment", "kube-system", "coredns"),
            ],
            "statefulsets": snap.statefulsets,
            "daemonsets": snap.daemonsets,
            "services": snap.services,
        }
        self.namespaces = {**snap.namespace_labels, "kube-system": {}}
        self.fail: dict[str, int] = {}
        self.requests: list[str] = []
        self.serializer = k.ApiClient()

    def list_body(self, resource, namespace, token):
        api, kind, attr = LISTS[resource]
        items = [o for o in self.objects[attr] if namespace in (None, o.metadata.namespace)]
        # two pages when listing everything, to exercise `continue`
        half = len(items) // 2 if namespace is None else len(items)
        page, cont = (
            (items[half:], None)
            if token
            else (items[:half], "page-2" if half < len(items) else None)
        )
        return {
            "apiVersion": api,
            "kind": kind,
            "metadata": {"resourceVersion": "1", **({"continue": cont} if cont else {})},
            "items": self.serializer.sanitize_for_serialization(page),
        }

    def namespace_obj(self, name):
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": self.namespaces[name]},
        }


def status(code, reason, message):
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "message": message,
        "code": code,
    }


@pytest.fixture
def fake_api(tmp_path):
    api = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            url = urlparse(self.path)
            api.requests.append(self.path)
            parts = url.path.strip("/").split("/")
            query = parse_qs(url.query)
            resource = parts[-1]
            code, body = 404, status(404, "NotFound", "not found")
            for kind in (
                resource,
                "namespaces" if "namespaces" in parts and resource not in LISTS else None,
            ):
                if kind in api.fail:
                    c = api.fail[kind]
                    code, body = (
                        c,
                        status(
                            c,
                            "Forbidden" if c == 403 else "Unauthorized",
                            f'{kind} is forbidden: User "system:serviceaccount:ci:obskit" '
                            "cannot list resource",
                        ),
                    )
                    break
            else:
                if resource in LISTS:
                    ns = parts[parts.index("namespaces") + 1] if "namespaces" in parts else None
                    code, body = 200, api.list_body(resource, ns, query.get("continue", [None])[0])
                elif parts[-1] == "namespaces":
                    code = 200
                    body = {
                        "apiVersion": "v1",
                        "kind": "NamespaceList",
                        "metadata": {},
                        "items": [api.namespace_obj(n) for n in api.namespaces],
                    }
                elif parts[-2] == "namespaces" and parts[-1] in api.namespaces:
                    code, body = 200, api.namespace_obj(parts[-1])
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.kubeconfig = write_kubeconfig(
        tmp_path / "kubeconfig", f"http://127.0.0.1:{server.server_port}"
    )
    yield api
    server.shutdown()
    server.server_close()


def write_kubeconfig(path: Path, server: str) -> str:
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: test\n  cluster: {{server: '{server}'}}\n"
        "users:\n- name: ci\n  user: {token: not-a-real-token}\n"
        "contexts:\n- name: test\n  context: {cluster: test, user: ci}\n"
        "- name: other\n  context: {cluster: test, user: ci}\n"
        "current-context: test\n"
    )
    return str(path)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def no_ambient_cluster(monkeypatch, tmp_path):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent-kubeconfig"))


def one_error_line(result, code=3) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("obskit: error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def discover(*args):
    return CliRunner().invoke(app, ["discover", *args])


def test_reads_all_kinds_in_pages_and_skips_system_namespaces(fake_api):
    snap = read_cluster(kubeconfig=fake_api.kubeconfig)
    names = sorted(d.metadata.name for d in snap.deployments)
    assert "coredns" not in names and len(names) == 8
    assert all(isinstance(d, k.V1Deployment) for d in snap.deployments)
    assert isinstance(snap.services[0].spec.ports[0], k.V1ServicePort)
    assert {d.metadata.name for d in snap.daemonsets} == {"ingress-nginx-controller"}
    assert snap.namespace_labels["payments"] == {"istio-injection": "enabled"}
    assert snap.context == "test"
    deployment_calls = [r for r in fake_api.requests if "/deployments" in r]
    assert len(deployment_calls) == 2 and "continue=page-2" in deployment_calls[1]
    assert all("limit=500" in r for r in deployment_calls)


def test_namespaced_reads(fake_api):
    snap = read_cluster("other", ["shop"], kubeconfig=fake_api.kubeconfig)
    assert {d.metadata.namespace for d in snap.deployments} == {"shop"}
    assert snap.context == "other"
    assert all("/namespaces/shop" in r for r in fake_api.requests)
    assert snap.namespace_labels == {"shop": {}}


def test_namespaces_forbidden_is_a_note(fake_api):
    fake_api.fail["namespaces"] = 403
    snap = read_cluster(kubeconfig=fake_api.kubeconfig)
    assert snap.namespace_labels is None
    assert "istio-injection" in snap.notes[0]
    assert len(snap.deployments) == 8


def test_cli_end_to_end_over_http(fake_api, tmp_path):
    out = tmp_path / "catalog.yaml"
    result = discover("--kubeconfig", fake_api.kubeconfig, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    catalog = load_catalog(out)
    assert catalog.metadata.name == "test"
    assert catalog.service("checkout").metrics.preset == "grpc"
    assert catalog.service("risk-scorer").metrics.preset == "istio"
    assert "coredns" not in {s.name for s in catalog.services}


def test_rbac_forbidden(fake_api):
    fake_api.fail["deployments"] = 403
    line = one_error_line(discover("--kubeconfig", fake_api.kubeconfig))
    assert "403" in line and "RBAC" in line and "deployments in all namespaces" in line
    with pytest.raises(DiscoveryError):
        read_cluster(kubeconfig=fake_api.kubeconfig)


def test_unauthorized(fake_api):
    fake_api.fail["services"] = 401
    line = one_error_line(discover("--kubeconfig", fake_api.kubeconfig, "-n", "shop"))
    assert "rejected the credentials (401" in line


def test_unreachable_cluster(tmp_path):
    kubeconfig = write_kubeconfig(tmp_path / "kc", f"https://127.0.0.1:{closed_port()}")
    line = one_error_line(discover("--kubeconfig", kubeconfig))
    assert "cannot reach the Kubernetes API at https://127.0.0.1:" in line
    assert "connection refused" in line


def test_missing_kubeconfig(tmp_path):
    line = one_error_line(discover())
    assert "no kubeconfig" in line and "absent-kubeconfig" in line
    assert "not running inside a cluster" in line


def test_unknown_context(fake_api):
    line = one_error_line(discover("--kubeconfig", fake_api.kubeconfig, "--context", "prod"))
    assert "context 'prod' is not in" in line and "test, other" in line


def test_broken_kubeconfig(tmp_path):
    bad = tmp_path / "kc"
    bad.write_text("clusters: [\n")
    line = one_error_line(discover("--kubeconfig", str(bad)))
    assert "cannot read kubeconfig" in line
