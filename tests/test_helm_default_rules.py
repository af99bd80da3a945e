"""kube-prometheus-stack: CRD upgrades on chart upgrade, per-alert disabling of default rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from obskit.catalog.errors import CatalogError
from obskit.catalog.loader import load_catalog
from obskit.renderers.helm import chart_values, render_environment
from obskit.renderers.helm.keyindex import unknown_keys

KPS = "kube-prometheus-stack"


def catalog(tmp_path: Path, environments: str):
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: tiny}\n"
        "teams: [{name: core}]\nservices:\n  - {name: api, team: core, namespace: apps}\n"
        f"environments:\n{environments}"
    )
    return load_catalog(path)


def kps(cat, env: str) -> dict:
    """The rendered file, read back (what Helm gets)."""
    files = render_environment(cat, env)
    return yaml.safe_load(files[f"helm-values/{env}/{KPS}.yaml"])


def test_crd_upgrade_job_is_enabled_in_every_environment(example_catalog):
    for env in example_catalog.environments:
        values = kps(example_catalog, env)
        assert values["crds"] == {"upgradeJob": {"enabled": True}}
        assert unknown_keys(KPS, values) == []


def test_crd_upgrade_job_key_is_the_pinned_charts(shared_reference):
    chart = yaml.safe_load((shared_reference / f"charts/{KPS}/values.yaml").read_text())
    job = chart["crds"]["upgradeJob"]
    assert job["enabled"] is False  # off by default upstream: obskit turns it on
    assert job["forceConflicts"] is True  # needed to take the CRDs over from Helm
    assert chart["defaultRules"]["disabled"] == {}


def test_an_override_can_turn_the_upgrade_job_off(tmp_path):
    cat = catalog(
        tmp_path,
        f"  prod:\n    overrides:\n      {KPS}: {{crds: {{upgradeJob: {{enabled: false}}}}}}\n",
    )
    assert kps(cat, "prod")["crds"]["upgradeJob"]["enabled"] is False


def test_disabled_default_rules_become_the_charts_map(tmp_path):
    cat = catalog(
        tmp_path,
        "  staging:\n    defaultRules: {disabled: [KubePodCrashLooping, CPUThrottlingHigh]}\n"
        "  prod: {}\n",
    )
    staging = kps(cat, "staging")
    assert staging["defaultRules"]["disabled"] == {
        "CPUThrottlingHigh": True,
        "KubePodCrashLooping": True,
    }
    assert list(staging["defaultRules"]["disabled"]) == sorted(staging["defaultRules"]["disabled"])
    assert "disabled" not in kps(cat, "prod").get("defaultRules", {})
    assert unknown_keys(KPS, staging) == []
    text = render_environment(cat, "staging")[f"helm-values/staging/{KPS}.yaml"].decode()
    assert "environments.staging.defaultRules.disabled in the catalog" in text


def test_the_example_catalog_disables_overcommit_alerts_in_staging(example_catalog):
    values = chart_values(example_catalog, "staging")[KPS].data
    assert values["defaultRules"]["disabled"] == {
        "KubeCPUOvercommit": True,
        "KubeMemoryOvercommit": True,
    }
    assert "disabled" not in chart_values(example_catalog, "production")[KPS].data["defaultRules"]


@pytest.mark.parametrize(
    ("names", "needle"),
    [
        ("[Kube-Pod-Crash]", "does not match"),
        ("['']", "does not match"),
        ("[KubePodCrashLooping, KubePodCrashLooping]", "listed twice: KubePodCrashLooping"),
        ("KubePodCrashLooping", "expected a list"),
    ],
)
def test_bad_rule_names_are_refused_with_file_line_and_field(tmp_path, names, needle):
    with pytest.raises(CatalogError) as info:
        catalog(tmp_path, f"  staging:\n    defaultRules: {{disabled: {names}}}\n")
    text = str(info.value)
    assert "catalog.yaml:9" in text and "environments.staging.defaultRules.disabled" in text
    assert needle in text, text
