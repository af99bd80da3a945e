"""The committed chart key index: derived from the pinned reference, and how it judges keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from obskit.renderers.helm.keyindex import available, load, unknown_key_messages, unknown_keys

from conftest import load_script

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "obskit" / "data" / "chart-keys"


def _script():
    return load_script("scripts/build_chart_key_index.py")


def test_committed_index_is_what_the_script_derives_from_the_reference(shared_reference):
    script = _script()
    derived = script.derive(shared_reference)
    committed = {p.name: p.read_text(encoding="utf-8") for p in DATA.glob("*.json")}
    assert set(derived) == set(committed)
    for name, document in derived.items():
        assert script.dump(document) == committed[name], f"{name} is stale: run the script"


def test_index_versions_are_the_reference_chart_versions(shared_reference):
    import yaml

    for chart, version in available().items():
        meta = yaml.safe_load((shared_reference / "charts" / chart / "Chart.yaml").read_text())
        assert str(meta["version"]) == version


def test_subchart_defaults_are_merged_under_their_aliases():
    kps = load("kube-prometheus-stack")
    assert kps.subcharts == {
        "grafana": "12.11.1",
        "kube-state-metrics": "8.4.0",
        "prometheus-node-exporter": "4.56.1",
    }
    # grafana's own defaults (not in kube-prometheus-stack's values.yaml)
    assert "folderAnnotation" in kps.keys["grafana"]["sidecar"]["dashboards"]
    assert "metricLabelsAllowlist" in kps.keys["kube-state-metrics"]
    assert unknown_keys("eck-stack", {"eck-elasticsearch": {"nodeSets": [], "http": {}}}) == []
    assert load("eck-stack").subcharts == {"eck-elasticsearch": "0.20.0", "eck-kibana": "0.20.0"}


def test_typo_gets_the_message_and_a_suggestion():
    values = {"prometheus": {"prometheusSpec": {"retension": "10d"}}}
    assert unknown_keys("kube-prometheus-stack", values) == [
        ("prometheus.prometheusSpec.retension", "retention")
    ]
    assert unknown_key_messages("kube-prometheus-stack", values) == [
        "`prometheus.prometheusSpec.retension`: no such key in kube-prometheus-stack 88.5.3;"
        " did you mean `retention`?"
    ]
    assert unknown_key_messages("jaeger", {"nothingLikeIt": 1}) == [
        "`nothingLikeIt`: no such key in jaeger 4.11.1"
    ]


@pytest.mark.parametrize(
    ("chart", "values"),
    [
        ("kube-prometheus-stack", {"commonLabels": {"anything": "x"}}),
        ("kube-prometheus-stack", {"alertmanager": {"config": {"route": {"x": 1}}}}),
        ("kube-prometheus-stack", {"prometheus": {"prometheusSpec": {"externalLabels": {"a": 1}}}}),
        (
            "kube-prometheus-stack",
            {"prometheus": {"prometheusSpec": {"additionalScrapeConfigs": []}}},
        ),
        ("kube-prometheus-stack", {"grafana": {"grafana.ini": {"server": {"root_url": "x"}}}}),
        ("kube-prometheus-stack", {"grafana": {"datasources": {"datasources.yaml": {}}}}),
        ("jaeger", {"userconfig": {"service": {"anything": True}}}),
        ("fluentd", {"podAnnotations": {"a": "b"}, "fileConfigs": {"x.conf": "y"}}),
        ("eck-operator", {"resources": {"requests": {"cpu": "1"}}}),
    ],
)
def test_free_form_maps_accept_any_key(chart, values):
    assert unknown_keys(chart, values) == []


def test_structured_maps_reject_unknown_keys():
    assert unknown_keys("kube-prometheus-stack", {"grafana": {"sidecar": {"dashbords": {}}}}) == [
        ("grafana.sidecar.dashbords", "dashboards")
    ]
    assert unknown_keys("fluent-bit", {"config": {"output": "x"}}) == [("config.output", "outputs")]


def test_a_catalog_override_with_an_unknown_key_is_refused(tmp_path):
    from obskit.catalog.errors import CatalogError
    from obskit.catalog.loader import load_catalog

    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: shop}\n"
        "teams: [{name: web}]\nservices: [{name: api, team: web}]\n"
        "environments:\n  prod:\n    overrides:\n      kube-prometheus-stack:\n"
        "        prometheus: {prometheusSpec: {retension: 30d}}\n"
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog)
    text = str(info.value)
    assert "`prometheus.prometheusSpec.retension`: no such key in kube-prometheus-stack 88.5.3" in (
        text
    )
    assert "did you mean `retention`?" in text


def test_check_values_tree_reports_files_and_keys(tmp_path, example_catalog):
    from obskit.renderers.helm import render_all
    from obskit.renderers.helm.keyindex import check_values_tree

    for rel, data in render_all(example_catalog).items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    assert check_values_tree(tmp_path) == []
    edited = tmp_path / "helm-values/staging/jaeger.yaml"
    edited.write_text(edited.read_text() + "jaegr: {replicas: 2}\n")
    assert check_values_tree(tmp_path) == [
        "helm-values/staging/jaeger.yaml: `jaegr`: no such key in jaeger 4.11.1;"
        " did you mean `jaeger`?"
    ]
