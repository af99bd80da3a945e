"""grafana-operator delivery: GrafanaDashboard / GrafanaFolder CRs instead of sidecar ConfigMaps."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from k8s_schemas import crd_errors
from manifests_fakes import FakeDashboards, dashboard, install
from typer.testing import CliRunner

from obskit.catalog.errors import CatalogError
from obskit.catalog.loader import load_catalog
from obskit.catalog.model import with_dashboard_delivery
from obskit.cli import app
from obskit.render.pipeline import render
from obskit.render.registry import load_renderer
from obskit.renderers.helm import chart_values
from obskit.renderers.helm.keyindex import unknown_keys
from obskit.renderers.manifests.names import ManifestError
from obskit.renderers.manifests.objects import FOLDER_UID_MAX, folder_uid
from obskit.stack import GRAFANA_DASHBOARD_LABEL, OVERVIEW_FOLDER, STACK_NAMESPACE

REPO = Path(__file__).resolve().parent.parent
OPERATOR_KINDS = ("GrafanaDashboard", "GrafanaFolder")


@pytest.fixture
def fakes(monkeypatch):
    install(monkeypatch)


@pytest.fixture
def operator_catalog(example_catalog):
    return with_dashboard_delivery(example_catalog, "grafana-operator")


def render_manifests(catalog, out: Path):
    outcome = render(catalog, out, only=["manifests"], use_cache=False)
    assert not outcome.conflicts
    return outcome


def objects(root: Path) -> list[dict]:
    found = []
    for path in sorted((root / "manifests").rglob("*.yaml")):
        if path.name != "kustomization.yaml":
            found += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return found


def kustomize(kubectl: str, root: Path) -> list[dict]:
    proc = subprocess.run(
        [kubectl, "kustomize", str(root / "manifests")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def sidecar_config_maps(objs: list[dict]) -> list[dict]:
    return [
        o
        for o in objs
        if o["kind"] == "ConfigMap"
        and GRAFANA_DASHBOARD_LABEL in (o["metadata"].get("labels") or {})
    ]


def test_crs_replace_the_config_maps_one_folder_per_team(fakes, operator_catalog, tmp_path):
    render_manifests(operator_catalog, tmp_path)
    objs = objects(tmp_path)
    assert sidecar_config_maps(objs) == []
    boards = [o for o in objs if o["kind"] == "GrafanaDashboard"]
    folders = {o["spec"]["uid"]: o for o in objs if o["kind"] == "GrafanaFolder"}
    assert len(boards) == 13 + 1 + 4  # one per service, fleet, one per team
    teams = {s.team for s in operator_catalog.services}
    assert {f["spec"]["title"] for f in folders.values()} == {*teams, OVERVIEW_FOLDER}
    assert {f["metadata"]["namespace"] for f in folders.values()} == {STACK_NAMESPACE}
    for board in boards:
        spec = board["spec"]
        assert spec["instanceSelector"] == {"matchLabels": {"dashboards": "grafana"}}
        assert spec["folderUID"] in folders  # every dashboard lands in an emitted folder
        assert not {"folder", "folderRef"} & set(spec)  # the CRD's CEL rule: one of them
    by_name = {o["metadata"]["name"]: o for o in boards}
    checkout = operator_catalog.service("checkout")
    assert by_name["checkout-dashboard"]["metadata"]["namespace"] == checkout.namespace
    team_folder = folders[by_name["checkout-dashboard"]["spec"]["folderUID"]]
    assert team_folder["spec"]["title"] == checkout.team
    assert folders[by_name["obskit-overview-fleet"]["spec"]["folderUID"]]["spec"]["title"] == (
        OVERVIEW_FOLDER
    )


def test_same_names_and_folders_as_the_sidecar_config_maps(fakes, example_catalog, tmp_path):
    """Switching delivery keeps each dashboard's object name, namespace and folder title."""
    render_manifests(example_catalog, tmp_path / "sidecar")
    render_manifests(with_dashboard_delivery(example_catalog, "grafana-operator"), tmp_path / "op")
    sidecar = {
        (o["metadata"]["namespace"], o["metadata"]["name"]): o["metadata"]["annotations"][
            "grafana_folder"
        ]
        for o in sidecar_config_maps(objects(tmp_path / "sidecar"))
    }
    op_objs = objects(tmp_path / "op")
    titles = {o["spec"]["uid"]: o["spec"]["title"] for o in op_objs if o["kind"] == "GrafanaFolder"}
    operator = {
        (o["metadata"]["namespace"], o["metadata"]["name"]): titles[o["spec"]["folderUID"]]
        for o in op_objs
        if o["kind"] == "GrafanaDashboard"
    }
    assert operator == sidecar and len(operator) == 18


def test_dashboard_json_is_unchanged_with_the_real_renderer(operator_catalog, tmp_path):
    upstream: dict[str, bytes] = {}
    for unit in load_renderer("dashboards").units(operator_catalog):
        upstream.update(unit.produce())
    render_manifests(operator_catalog, tmp_path)
    embedded = sorted(
        o["spec"]["json"] for o in objects(tmp_path) if o["kind"] == "GrafanaDashboard"
    )
    assert embedded == sorted(data.decode() for data in upstream.values())
    # and the committed dashboards are those files: the JSON is the sidecar's, byte for byte
    assert upstream["dashboards/checkout.json"] == (REPO / "dashboards/checkout.json").read_bytes()


def test_crs_validate_against_the_pinned_crds(fakes, operator_catalog, tmp_path, shared_reference):
    render_manifests(operator_catalog, tmp_path)
    custom = [o for o in objects(tmp_path) if o["kind"] in OPERATOR_KINDS]
    assert {o["kind"] for o in custom} == set(OPERATOR_KINDS)
    for obj in custom:
        assert crd_errors(shared_reference / "crds", obj) == [], obj["metadata"]


def test_crd_validation_of_operator_kinds_can_fail(
    fakes, operator_catalog, tmp_path, shared_reference
):
    crds = shared_reference / "crds"
    render_manifests(operator_catalog, tmp_path)
    objs = objects(tmp_path)
    folder = next(o for o in objs if o["kind"] == "GrafanaFolder")
    folder["spec"]["uid"] = "x" * 41 + ":"
    folder["spec"]["color"] = "red"
    errors = "\n".join(crd_errors(crds, folder))
    assert "too long" in errors and "does not match" in errors and "color" in errors
    board = next(o for o in objs if o["kind"] == "GrafanaDashboard")
    del board["spec"]["instanceSelector"]
    board["spec"]["json"] = {"title": "not a string"}
    errors = "\n".join(crd_errors(crds, board))
    assert "instanceSelector" in errors and "is not of type 'string'" in errors


def test_kustomize_builds_and_the_kustomization_lists_the_folders(
    fakes, operator_catalog, tmp_path, kubectl
):
    render_manifests(operator_catalog, tmp_path)
    kust = yaml.safe_load((tmp_path / "manifests/kustomization.yaml").read_text())
    assert "platform/grafana-folders.yaml" in kust["resources"]
    built = kustomize(kubectl, tmp_path)
    kinds = [o["kind"] for o in built]
    assert kinds.count("GrafanaDashboard") == 18 and kinds.count("GrafanaFolder") == 5
    assert sidecar_config_maps(built) == []
    for obj in built:
        assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "obskit"


def test_switching_modes_prunes_the_other_delivery(fakes, example_catalog, tmp_path, kubectl):
    folders = tmp_path / "manifests/platform/grafana-folders.yaml"
    render_manifests(example_catalog, tmp_path)
    assert len(sidecar_config_maps(kustomize(kubectl, tmp_path))) == 18 and not folders.exists()
    outcome = render_manifests(
        with_dashboard_delivery(example_catalog, "grafana-operator"), tmp_path
    )
    built = kustomize(kubectl, tmp_path)
    assert sidecar_config_maps(built) == [] and folders.exists()
    assert sum(o["kind"] == "GrafanaDashboard" for o in built) == 18
    assert "manifests/platform/grafana-folders.yaml" in outcome.written
    outcome = render_manifests(example_catalog, tmp_path)
    assert not folders.exists() and "manifests/platform/grafana-folders.yaml" in outcome.removed
    built = kustomize(kubectl, tmp_path)
    assert not any(o["kind"] in OPERATOR_KINDS for o in built)
    assert len(sidecar_config_maps(built)) == 18


def catalog_with(tmp_path: Path, dashboards: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\n"
        f"metadata:\n  name: tiny\n  dashboards: {dashboards}\n"
        "teams: [{name: core}]\n"
        "services:\n  - {name: api, team: core, namespace: apps}\n"
    )
    return path


def test_catalog_field_sets_delivery_and_instance_labels(fakes, tmp_path):
    path = catalog_with(
        tmp_path, "{delivery: grafana-operator, instanceLabels: {grafana.example.com/tier: main}}"
    )
    render_manifests(load_catalog(path), tmp_path / "out")
    crs = [o for o in objects(tmp_path / "out") if o["kind"] in OPERATOR_KINDS]
    assert len(crs) == 1 + 1 + 1 + 2  # api, fleet, team core; folders core + Overview
    for obj in crs:
        assert obj["spec"]["instanceSelector"] == {
            "matchLabels": {"grafana.example.com/tier": "main"}
        }


@pytest.mark.parametrize(
    ("dashboards", "needle"),
    [
        ("{delivery: operator}", "did you mean `grafana-operator`"),
        ("{delivery: grafana-operator, instanceLabels: {app: 'no spaces'}}", "label value"),
        ("{delivery: grafana-operator, instanceLabels: {'-bad': x}}", "label key"),
        ("{delivery: grafana-operator, instanceLabels: {}}", "at least 1"),
    ],
)
def test_bad_dashboards_settings_name_file_line_and_field(tmp_path, dashboards, needle):
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog_with(tmp_path, dashboards))
    text = str(info.value)
    assert "catalog.yaml:5" in text and "metadata.dashboards" in text and needle in text, text


def test_cli_flag_overrides_the_catalog(fakes, tmp_path, monkeypatch):
    monkeypatch.setenv("OBSKIT_CACHE_DIR", str(tmp_path / "cache"))
    path = catalog_with(tmp_path, "{delivery: grafana-operator}")
    runner = CliRunner()
    out = tmp_path / "out"
    args = ["render", str(path), "-o", str(out), "--only", "manifests", "-q"]
    result = runner.invoke(app, [*args, "--dashboard-delivery", "sidecar"])
    assert result.exit_code == 0, result.output
    assert not (out / "manifests/platform/grafana-folders.yaml").exists()
    assert len(sidecar_config_maps(objects(out))) == 3
    result = runner.invoke(app, args)  # the cache must not keep the sidecar's files
    assert result.exit_code == 0, result.output
    assert (out / "manifests/platform/grafana-folders.yaml").exists()
    assert sidecar_config_maps(objects(out)) == []
    assert sum(o["kind"] == "GrafanaDashboard" for o in objects(out)) == 3
    result = runner.invoke(app, [*args, "--dashboard-delivery", "operator"])
    assert result.exit_code == 2 and "sidecar, grafana-operator" in result.stderr


def test_oversized_dashboard_is_refused_in_operator_mode(monkeypatch, operator_catalog, tmp_path):
    big = dashboard("checkout-huge", "Checkout Everything", ["obskit"], panels=6000)
    extra = {"checkout": {"dashboards/checkout-huge.json": json.dumps(big, indent=2).encode()}}
    install(monkeypatch, dashboards=FakeDashboards(extra=extra))
    with pytest.raises(ManifestError, match=r"checkout-huge\.json.*too large for one Grafana"):
        render_manifests(operator_catalog, tmp_path)
    assert not (tmp_path / "manifests").exists()


def test_folder_uids_fit_the_crd_limit():
    assert folder_uid(OVERVIEW_FOLDER) == "obskit-overview"
    assert folder_uid("payments") == "obskit-team-payments"
    long_a, long_b = "a" * 60 + "x", "a" * 60 + "y"
    assert len(folder_uid(long_a)) == FOLDER_UID_MAX
    assert folder_uid(long_a) != folder_uid(long_b)


def test_helm_values_have_one_delivery_path(example_catalog, operator_catalog):
    for env in example_catalog.environments:
        sidecar = chart_values(example_catalog, env)["kube-prometheus-stack"].data["grafana"]
        assert sidecar["sidecar"]["dashboards"]["enabled"] is True
        assert "operator" not in sidecar
        values = chart_values(operator_catalog, env)["kube-prometheus-stack"].data
        grafana = values["grafana"]
        assert grafana["sidecar"]["dashboards"] == {"enabled": False}
        assert grafana["operator"] == {
            "dashboardsConfigMapRefEnabled": True,
            "matchLabels": {"dashboards": "grafana"},
        }
        assert grafana["sidecar"]["datasources"]["enabled"] is True  # datasources unchanged
        assert unknown_keys("kube-prometheus-stack", values) == []


def test_grafana_operator_keys_exist_in_the_pinned_chart(shared_reference):
    chart = shared_reference / "charts/kube-prometheus-stack/values.yaml"
    operator = yaml.safe_load(chart.read_text())["grafana"]["operator"]
    assert operator["dashboardsConfigMapRefEnabled"] is False and operator["matchLabels"] == {}


def test_folders_carry_view_only_role_permissions_when_access_is_on(
    fakes, operator_catalog, tmp_path
):
    """Access on (the example): every folder replaces Grafana's default (every Editor edits
    every folder) with view for Viewer and Editor; a team changes its dashboards in git."""
    assert operator_catalog.metadata.access and operator_catalog.metadata.access.enabled
    render_manifests(operator_catalog, tmp_path)
    folders = [o for o in objects(tmp_path) if o["kind"] == "GrafanaFolder"]
    assert folders
    for folder in folders:
        items = json.loads(folder["spec"]["permissions"])["items"]
        assert sorted((i["role"], i["permission"]) for i in items) == [
            ("Editor", 1),
            ("Viewer", 1),
        ]
    closed = operator_catalog.model_copy(
        update={"metadata": operator_catalog.metadata.model_copy(update={"access": None})}
    )
    render_manifests(closed, tmp_path / "off")
    folders = [o for o in objects(tmp_path / "off") if o["kind"] == "GrafanaFolder"]
    assert folders and all("permissions" not in f["spec"] for f in folders)
