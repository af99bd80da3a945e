"""Environments: sizing defaults by name, catalog fields, overrides, flags; the YAML emitter."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from obskit.catalog.loader import load_catalog
from obskit.catalog.model import Environment
from obskit.renderers.helm import render_all
from obskit.renderers.helm.commented import Values, dump_commented
from obskit.renderers.helm.keyindex import unknown_keys
from obskit.renderers.helm.prometheus import retention_size
from obskit.renderers.helm.sizing import profile_of

HEAD = """apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {name: shop}
teams: [{name: web}]
services: [{name: api, team: web}]
"""


def _render(tmp_path, environments: str = "") -> dict[str, dict]:
    path = tmp_path / "catalog.yaml"
    path.write_text(HEAD + environments)
    files = render_all(load_catalog(path))
    return {p.removeprefix("helm-values/"): yaml.safe_load(b) for p, b in files.items()}


@pytest.mark.parametrize(
    ("name", "profile"),
    [
        ("prod", "production"),
        ("production", "production"),
        ("prod-eu-1", "production"),
        ("eu-prod", "production"),
        ("live", "production"),
        ("staging", "staging"),
        ("dev", "staging"),
        ("preprod", "staging"),
        ("product-demo", "staging"),
        ("default", "staging"),
    ],
)
def test_profile_from_environment_name(name, profile):
    assert profile_of(name, Environment()) == profile


def test_explicit_profile_wins():
    assert profile_of("dev", Environment(profile="production")) == "production"


def test_no_environments_renders_default_with_staging_sizes(tmp_path):
    files = _render(tmp_path)
    assert {p.split("/")[0] for p in files} == {"default", "helmfile.yaml"}
    spec = files["default/kube-prometheus-stack.yaml"]["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "3d" and spec["replicas"] == 1
    assert spec["externalLabels"] == {"cluster": "default", "environment": "default"}


def test_catalog_values_override_the_profile_defaults(tmp_path):
    files = _render(
        tmp_path,
        """environments:
  prod:
    prometheus:
      retention: 30d
      resources: {requests: {memory: 12Gi}}
    elasticsearch: {replicas: 5, storage: 1Ti}
    jaeger: {replicas: 4, samplingProbability: 0.25}
    grafana: {replicas: 2}
    alertmanager: {storage: 2Gi}
    storageClass: fast-ssd
    cluster: eu-1
""",
    )
    kps = files["prod/kube-prometheus-stack.yaml"]
    spec = kps["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "30d"
    assert spec["replicas"] == 2  # production default
    assert spec["resources"]["requests"] == {"cpu": "1", "memory": "12Gi"}
    assert spec["storageSpec"]["volumeClaimTemplate"]["spec"]["storageClassName"] == "fast-ssd"
    assert spec["externalLabels"]["cluster"] == "eu-1"
    am = kps["alertmanager"]["alertmanagerSpec"]["storage"]["volumeClaimTemplate"]["spec"]
    assert am["resources"]["requests"]["storage"] == "2Gi"
    assert kps["grafana"]["replicas"] == 2
    nodeset = files["prod/eck-stack.yaml"]["eck-elasticsearch"]["nodeSets"][0]
    assert nodeset["count"] == 5
    assert nodeset["volumeClaimTemplates"][0]["spec"]["storageClassName"] == "fast-ssd"
    jaeger = files["prod/jaeger.yaml"]
    assert jaeger["jaeger"]["replicas"] == 4
    sampling = jaeger["userconfig"]["extensions"]["remote_sampling"]["file"]
    assert sampling["default_sampling_probability"] == 0.25
    assert files["helmfile.yaml"]["releases"][0]["kubeContext"] == "eu-1"


def test_self_managed_control_plane_is_scraped(tmp_path):
    files = _render(tmp_path, "environments:\n  lab:\n    managed: false\n")
    kps = files["lab/kube-prometheus-stack.yaml"]
    for job in ("kubeEtcd", "kubeScheduler", "kubeControllerManager"):
        assert kps[job]["enabled"] is True
    assert "defaultRules" not in kps


def test_fluent_bit_replaces_fluentd_when_enabled(tmp_path):
    files = _render(tmp_path, "environments:\n  dev:\n    fluentBit: {enabled: true}\n")
    installed = {r["name"]: r["installed"] for r in files["helmfile.yaml"]["releases"]}
    assert installed["fluent-bit"] is True and installed["fluentd"] is False
    assert unknown_keys("fluent-bit", files["dev/fluent-bit.yaml"]) == []


def test_overrides_are_merged_and_commented(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(
        HEAD
        + """environments:
  prod:
    overrides:
      kube-prometheus-stack:
        prometheus: {prometheusSpec: {retention: 90d, scrapeInterval: 15s}}
        grafana: {ingress: {enabled: true, hosts: [grafana.example.com]}}
      jaeger:
        jaeger: {nodeSelector: {pool: tracing}}
"""
    )
    files = render_all(load_catalog(path))
    text = files["helm-values/prod/kube-prometheus-stack.yaml"].decode()
    kps = yaml.safe_load(text)
    spec = kps["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "90d" and spec["scrapeInterval"] == "15s"
    assert spec["replicas"] == 2  # untouched rendered value survives the merge
    assert kps["grafana"]["ingress"]["hosts"] == ["grafana.example.com"]
    assert "# environments.prod.overrides.kube-prometheus-stack in the catalog" in text
    jaeger = yaml.safe_load(files["helm-values/prod/jaeger.yaml"])
    assert jaeger["jaeger"]["nodeSelector"] == {"pool": "tracing"}


def test_retention_size_is_85_percent_of_the_volume():
    assert retention_size("200Gi") == "170GB"
    assert retention_size("20Gi") == "17GB"
    assert retention_size("2Ti") == "1TB"
    assert retention_size("500Mi") == "425MB"
    assert retention_size("20G") is None


def test_comments_sit_above_their_keys():
    values = Values()
    values.set("a.b", 1, why="why b")
    values.set("a.c", {"d": [1, 2]}, why="why c\nsecond line")
    text = values.dump(header="head").decode()
    assert text == (
        "# head\na:\n  # why b\n  b: 1\n  # why c\n  # second line\n"
        "  c:\n    d:\n    - 1\n    - 2\n"
    )


keys = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8)
#: floats with few digits: serialize.format_float rounds to 12 significant digits by design
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.floats(min_value=-1e6, max_value=1e6).map(lambda f: round(f, 4))
)
trees = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=12,
)


comment_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.just("\n"),
    max_size=120,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(keys, trees, max_size=4), st.data())
def test_emitter_round_trips_any_tree(data, draw):
    comments = {}
    for key in data:
        if draw.draw(st.booleans()):
            comments[(key,)] = draw.draw(comment_text)
    text = dump_commented(data, comments, header="h")
    assert yaml.safe_load(text) == (data or None)
    assert dump_commented(data, comments, header="h") == text


def test_docs_sizing_table_matches_the_defaults():
    from pathlib import Path

    from obskit.renderers.helm.sizing import DEFAULTS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "helm.md").read_text()
    rows = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in DEFAULTS["staging"]:
            rows[(cells[0], cells[1])] = (cells[2], cells[3])

    def shown(value) -> str:
        if isinstance(value, dict):
            req, lim = value["requests"], value["limits"]
            return f"{req['cpu']} / {req['memory']}, {lim['memory']}"
        return str(value)

    count = 0
    for component, settings_ in DEFAULTS["staging"].items():
        for setting in settings_:
            label = "requests cpu / memory, limit memory" if setting == "resources" else setting
            expected = (
                shown(DEFAULTS["staging"][component][setting]),
                shown(DEFAULTS["production"][component][setting]),
            )
            assert rows[(component, label)] == expected, (component, setting)
            count += 1
    assert count == len(rows)
