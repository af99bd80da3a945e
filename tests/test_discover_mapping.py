"""Discovery's mapping and merge, on real-shaped client model objects (no API server)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from discover_cluster import shop_cluster
from typer.testing import CliRunner

from obskit.catalog.loader import load_catalog
from obskit.cli import app
from obskit.discover import cluster
from obskit.discover.mapping import discover
from obskit.discover.merge import MergeError, make_plan, merged_text

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def snapshot(monkeypatch):
    snap = shop_cluster()

    def read(context=None, namespaces=(), kubeconfig=None):
        """The adapter's contract: only the namespaces asked for."""
        if not namespaces:
            return snap
        keep = [o for o in snap.deployments if o.metadata.namespace in namespaces]
        return cluster.ClusterSnapshot(
            deployments=keep,
            statefulsets=[o for o in snap.statefulsets if o.metadata.namespace in namespaces],
            daemonsets=[o for o in snap.daemonsets if o.metadata.namespace in namespaces],
            services=[o for o in snap.services if o.metadata.namespace in namespaces],
            namespace_labels={n: snap.namespace_labels[n] for n in namespaces},
            context=snap.context,
            namespaces=tuple(namespaces),
        )

    monkeypatch.setattr(cluster, "read_cluster", read)
    return snap


def run(*args: str):
    return CliRunner().invoke(app, ["discover", *args])


def test_mapping_guesses():
    found = {(d.namespace, d.workload): d for d in discover(shop_cluster())}
    expect = {
        ("shop", "frontend"): ("storefront", "prometheus-http", {"port": "http-metrics"}),
        ("shop", "checkout"): ("payments", "grpc", {"port": "metrics", "interval": "15s"}),
        ("shop", "catalog"): (
            "storefront",
            "micrometer",
            {"port": "management", "path": "/actuator/prometheus"},
        ),
        ("shop", "cart"): ("storefront", "otel-http", {"port": "http"}),
        ("shop", "payment"): ("payments", "istio", None),
        ("payments", "risk-scorer"): ("payments", "istio", None),
        ("payments", "fraud-batch"): ("payments", "none", None),
        ("shop", "order-worker"): ("fulfilment", "prometheus-http", None),
        ("shop", "cart-redis"): ("storefront", "none", None),
        ("cache", "redis"): ("unassigned", "none", None),
        ("ingress-nginx", "ingress-nginx-controller"): (
            "platform",
            "nginx-ingress",
            {"port": "metrics"},
        ),
    }
    assert {k: (d.team, d.preset, d.scrape) for k, d in found.items() if k in expect} == expect
    assert "istio-injection=enabled" in found["payments", "risk-scorer"].preset_reason
    assert found["shop", "payment"].preset_reason == "sidecar.istio.io/inject=true"
    assert "pod template label app.kubernetes.io/part-of" in found["shop", "catalog"].team_reason
    assert any("no Service selects" in n for n in found["shop", "order-worker"].notes)
    # the ServiceMonitor obskit renders selects app.kubernetes.io/name=<workload>
    assert any("app.kubernetes.io/name=cart" in n for n in found["shop", "cart"].notes)
    assert not found["shop", "checkout"].notes


def test_team_label_option_and_default_team():
    found = {d.workload: d for d in discover(shop_cluster(), ("app.kubernetes.io/part-of",), "ops")}
    assert found["catalog"].team == "storefront"
    assert found["frontend"].team == "ops"


def test_new_catalog_on_stdout_is_valid(snapshot, tmp_path):
    result = run()
    assert result.exit_code == 0, result.stderr
    path = tmp_path / "catalog.yaml"
    path.write_text(result.stdout)
    catalog = load_catalog(path)
    assert catalog.metadata.name == "prod-eu-1"
    names = {s.name for s in catalog.services}
    assert {"frontend", "checkout", "redis-cache", "redis-sessions"} <= names
    assert len(names) == 12
    ingress = catalog.service("ingress-nginx-controller")
    assert (ingress.workload.kind, ingress.metrics.preset) == ("DaemonSet", "nginx-ingress")
    assert catalog.service("redis-cache").workload.name == "redis"
    assert "+ service checkout" in result.stderr


def test_out_file_created_and_validates(snapshot, tmp_path):
    out = tmp_path / "new" / "catalog.yaml"
    assert run("--out", str(out), "--catalog-name", "shop").exit_code == 0
    validate = CliRunner().invoke(app, ["validate", str(out)])
    assert validate.exit_code == 0, validate.stderr
    text = out.read_text()
    assert "# discovered: Deployment shop/checkout" in text
    assert "# check: annotated for scraping but no Service selects its Pods" in text


def test_merge_keeps_the_human_catalog(snapshot, tmp_path):
    out = tmp_path / "catalog.yaml"
    shutil.copy(REPO / "catalog.yaml", out)
    original = out.read_text()
    before = load_catalog(out)

    dry = run("--out", str(out))
    assert dry.exit_code == 0, dry.stderr
    assert out.read_text() == original
    assert "would add" in dry.stdout and "--write" in dry.stdout
    # frontend, checkout, catalog, cart, payment, cart-redis are in the catalog already
    assert "+ service checkout" not in dry.stdout
    assert "= service checkout" not in dry.stdout  # grpc in both: nothing differs
    assert "= service payment" not in dry.stdout
    assert "+ service order-worker" in dry.stdout
    assert "? service ads" in dry.stdout  # in the catalog, not in the cluster
    assert "? service ingress" not in dry.stdout

    result = run("--out", str(out), "--write")
    assert result.exit_code == 0, result.stderr
    merged = out.read_text()
    ops = difflib.SequenceMatcher(None, original.splitlines(), merged.splitlines()).get_opcodes()
    assert {op for op, *_ in ops} == {"equal", "insert"}  # only lines added
    after = load_catalog(out)
    for svc in before.services:
        assert after.service(svc.name) == svc
    added = {s.name for s in after.services} - {s.name for s in before.services}
    # the catalog's `ingress` service is the DaemonSet ingress-nginx-controller
    assert added == {
        "order-worker",
        "fraud-batch",
        "risk-scorer",
        "redis-cache",
        "redis-sessions",
    }
    assert {t.name for t in after.teams} - {t.name for t in before.teams} == {"unassigned"}
    validate = CliRunner().invoke(app, ["validate", str(out)])
    assert validate.exit_code == 0

    again = run("--out", str(out), "--write")
    assert again.exit_code == 0 and "nothing to add" in again.stdout
    assert out.read_text() == merged


def test_merge_reports_differences_without_changing_them(snapshot, tmp_path):
    out = tmp_path / "catalog.yaml"
    marker = "description: Shopping cart (OpenTelemetry instrumented)\n    metrics:\n      preset: "
    text = (REPO / "catalog.yaml").read_text()
    assert marker + "otel-http" in text
    text = text.replace(marker + "otel-http", marker + "prometheus-http")
    out.write_text(text)
    result = run("--out", str(out), "--write")
    assert result.exit_code == 0, result.stderr
    assert (
        "= service cart: in the catalog, kept as written; differs: preset prometheus-http"
        in result.stdout
    )
    assert load_catalog(out).service("cart").metrics.preset == "prometheus-http"


MINIMAL = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata:
  name: shop
teams:
- name: storefront   # the web team
services:
- name: frontend
  team: storefront
  namespace: shop
  metrics:
    preset: prometheus-http
# - name: legacy   (kept for reference)
environments:
  production: {}
"""


def test_merge_text_at_column_zero_and_before_trailing_comments():
    catalog_path = "catalog.yaml"
    plan = make_plan(discover(shop_cluster()), None)
    plan.added = [d for d in plan.added if d.name in ("checkout", "redis-cache")]
    plan.new_teams = [("payments", "workload label team=payments")]
    text = merged_text(MINIMAL, plan, catalog_path)
    lines = text.splitlines()
    assert lines[lines.index("- name: storefront   # the web team") + 2] == "- name: payments"
    i = lines.index("- name: checkout")
    assert lines[i - 1].startswith("# discovered: Deployment shop/checkout")
    assert lines[i + 1 : i + 3] == ["  team: payments", "  namespace: shop"]
    assert text.index("- name: redis-cache") < text.index("# - name: legacy")
    ops = difflib.SequenceMatcher(None, MINIMAL.splitlines(), lines).get_opcodes()
    assert {op for op, *_ in ops} == {"equal", "insert"}


def test_merge_into_empty_and_missing_lists():
    import yaml

    plan = make_plan(discover(shop_cluster()), None)
    plan.added = plan.added[:2]
    plan.new_teams = [("payments", "label")]
    for text in (
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nteams: []\nservices:\n",
        "apiVersion: obskit/v1\nkind: ServiceCatalog\n",
        "apiVersion: obskit/v1\nkind: ServiceCatalog",
    ):
        data = yaml.safe_load(merged_text(text, plan, "x.yaml"))
        assert data["teams"] == [{"name": "payments"}]
        assert [s["name"] for s in data["services"]] == [d.name for d in plan.added]
        assert data["apiVersion"] == "obskit/v1"


def test_flow_style_list_is_refused_clearly():
    plan = make_plan(discover(shop_cluster()), None)
    text = MINIMAL.replace(
        "teams:\n- name: storefront   # the web team\n", "teams: [{name: storefront}]\n"
    )
    with pytest.raises(MergeError, match="flow-style list"):
        merged_text(text, plan, "catalog.yaml")


def test_directory_catalog_gets_discovered_yaml(snapshot, tmp_path):
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "shop.yaml").write_text(MINIMAL)
    result = run("--out", str(folder), "--write")
    assert result.exit_code == 0, result.stderr
    assert (folder / "shop.yaml").read_text() == MINIMAL
    catalog = load_catalog(folder)
    assert len(catalog.services) == 12
    assert (folder / "discovered.yaml").read_text().startswith("# Written by `obskit discover`")


def test_unseen_only_in_scanned_namespaces(snapshot, tmp_path):
    out = tmp_path / "catalog.yaml"
    shutil.copy(REPO / "catalog.yaml", out)
    result = run("--out", str(out), "-n", "ingress-nginx")
    assert result.exit_code == 0, result.stderr
    assert "? service" not in result.stdout
    assert "would add" not in result.stdout and "nothing to add" in result.stdout


def test_write_needs_out(snapshot):
    result = run("--write")
    assert result.exit_code == 2 and "--write needs --out" in result.stderr


def test_invalid_existing_catalog_is_exit_2(snapshot, tmp_path):
    out = tmp_path / "catalog.yaml"
    out.write_text("apiVersion: obskit/v1\nkind: ServiceCatalog\nbogus: 1\n")
    assert run("--out", str(out)).exit_code == 2
