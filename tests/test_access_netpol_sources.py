"""Every Pod label, namespace label and port the monitoring NetworkPolicies select is listed,
with its source in the charts' templates or the operators' code, in
obskit/data/networkpolicy-sources.json; what the pinned reference charts can decide (values
keys and defaults, chart names behind the name helpers) is checked against them, and
obskit's rendered Helm values must override none of it."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_manifests_access import CATALOG

from obskit import load_catalog, render

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "charts"
SOURCES = json.loads(
    resources.files("obskit").joinpath("data/networkpolicy-sources.json").read_text()
)
#: access on with every optional policy: proxy UIs, traced services, Mimir, grafana-operator
FULL = CATALOG.replace(
    "  access:\n", "  dashboards: {delivery: grafana-operator}\n  access:\n", 1
) + (
    "environments:\n  staging:\n    clusters: [{name: a}, {name: b}]\n"
    "    central: {kind: mimir, url: 'https://mimir.example.com/api/v1/push'}\n"
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("netpol")
    (root / "catalog.yaml").write_text(FULL)
    render(load_catalog(root / "catalog.yaml"), root / "out", use_cache=False)
    return root / "out"


def _policies(out: Path) -> list[dict[str, Any]]:
    docs = yaml.safe_load_all((out / "manifests" / "platform" / "access.yaml").read_text())
    return [d for d in docs if d and d["kind"] == "NetworkPolicy"]


def _get(data: Any, path: str) -> Any:
    for key in [k for k in path.split(".") if k]:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _selected(policies) -> tuple[set, set, set]:
    """(pod labels, namespace label keys, (pod selector, port)) the policies use."""
    pods, namespaces, ports = set(), set(), set()
    for p in policies:
        own = p["spec"]["podSelector"].get("matchLabels") or {}
        pods |= set(own.items())
        for rule in p["spec"].get("ingress") or []:
            for peer in rule.get("from") or []:
                pods |= set((peer.get("podSelector") or {}).get("matchLabels", {}).items())
                namespaces |= set((peer.get("namespaceSelector") or {}).get("matchLabels", {}))
            for port in rule.get("ports") or []:
                ports.add((tuple(sorted(own.items())), port["port"]))
    return pods, namespaces, ports


def test_every_selector_and_port_is_listed_with_its_source(rendered):
    pods, namespaces, ports = _selected(_policies(rendered))
    assert len(ports) >= 9 and len(pods) >= 9  # every optional policy is on
    listed = {(e["label"], e["value"]) for e in SOURCES["labels"]}
    assert pods <= listed, pods - listed
    assert namespaces <= {e["label"] for e in SOURCES["namespaceLabels"]}
    listed_ports = {(tuple(sorted(e["pods"].items())), e["port"]) for e in SOURCES["ports"]}
    assert ports <= listed_ports, ports - listed_ports
    assert all(e["source"] for e in [*SOURCES["labels"], *SOURCES["ports"]])


def _claims() -> list[tuple[str, dict[str, Any]]]:
    """Entries the pinned reference can decide (the rest name an operator's code or a template
    the reference does not hold)."""
    return [(f"{e.get('label', e.get('port'))}={e.get('value', '')}", e) for e in (
        *SOURCES["labels"], *SOURCES["ports"]) if {"name", "values", "valuesText"} & set(e)]  # fmt: skip


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"pinned reference charts absent: {REFERENCE}")
@pytest.mark.parametrize("entry", [e for _, e in _claims()], ids=[i for i, _ in _claims()])
def test_the_pinned_charts_confirm_the_listed_source(entry):
    chart = entry["chart"]
    name = entry.get("name")
    if name and "dependencyOf" in name:
        parent = yaml.safe_load((REFERENCE / name["dependencyOf"] / "Chart.yaml").read_text())
        assert name["chartName"] in {d["name"] for d in parent["dependencies"]}
        values = yaml.safe_load((REFERENCE / name["dependencyOf"] / "values.yaml").read_text())
        assert not _get(values, name["nameOverride"])
    elif name:
        if "chartName" in name:
            meta = yaml.safe_load((REFERENCE / chart / "Chart.yaml").read_text())
            assert meta["name"] == name["chartName"]
            assert entry["value"] == name["chartName"] + name.get("suffix", "")
        values = yaml.safe_load((REFERENCE / chart / "values.yaml").read_text())
        assert not _get(values, name["nameOverride"])
    if entry.get("values") or entry.get("valuesText"):
        text = (REFERENCE / chart / "values.yaml").read_text()
        for path, want in (entry.get("values") or {}).items():
            assert _get(yaml.safe_load(text), path) == want, path
        assert entry.get("valuesText", "") in text


def _overridden(values: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    prefix = entry.get("valuesPrefix", "")
    paths = list(entry.get("values") or {})
    if entry.get("name"):
        paths.append(entry["name"]["nameOverride"].removeprefix(f"{prefix}."))
    out = []
    for path in paths:
        full = f"{prefix}.{path}" if prefix else path
        got = _get(values, full)
        if got is not None and got != (entry.get("values") or {}).get(path):
            out.append(full)
    return out


def test_obskit_helm_values_override_none_of_it(rendered):
    files = sorted((rendered / "helm-values").rglob("*.yaml"))
    by_stem: dict[str, list[Path]] = {}
    for f in files:
        by_stem.setdefault(f.stem, []).append(f)
    checked = set()
    for entry in [*SOURCES["labels"], *SOURCES["ports"]]:
        stem = entry["valuesFile"]
        for f in by_stem.get(stem or "", []):
            values = yaml.safe_load(f.read_text()) or {}
            assert not _overridden(values, entry), (f, entry)
            checked.add(stem)
    assert checked == {e["valuesFile"] for e in SOURCES["ports"]}
    # and the check sees an override when there is one
    entry = next(e for e in SOURCES["labels"] if e["value"] == "grafana")
    assert _overridden({"grafana": {"nameOverride": "g"}}, entry) == ["grafana.nameOverride"]
