"""obskit export backstage: annotations that match what obskit writes, as snippets or merged
into catalog-info.yaml without touching anything else."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from obskit.adapters.backstage_export import annotations, merge
from obskit.cli import app
from obskit.render.pipeline import render

from conftest import EXAMPLE_CATALOG

CATALOG_INFO = """\
# catalog-info.yaml of the shop
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout   # the service name in obskit's catalog
  annotations:
    # where its code lives
    github.com/project-slug: acme/checkout
    grafana/alert-label-selector: 'service=old'
  description: Places orders
spec:
  owner: payments   # team
  type: service
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: cart
  description: Holds carts
spec:
  owner: storefront
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: not-in-catalog
spec: {owner: x}
"""


def test_annotations_match_rendered_dashboards_and_alerts(example_catalog, tmp_path: Path) -> None:
    render(example_catalog, tmp_path, only=["dashboards", "alerts"], use_cache=False)
    for service in example_catalog.services:
        notes = annotations(example_catalog, service)
        dashboard = json.loads((tmp_path / "dashboards" / f"{service.name}.json").read_text())
        tags = dashboard.get("dashboard", dashboard)["tags"]
        # the Grafana plugin's selector: every `tags @> 'x'` term is a tag of the dashboard
        terms = [t.split("'")[1] for t in notes["grafana/dashboard-selector"].split("&&")]
        assert terms and all(t in tags for t in terms)
        rules = yaml.safe_load((tmp_path / "alerts" / f"{service.name}.rules.yaml").read_text())
        alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
        assert notes["prometheus.io/alert"].split(",") == [a["alert"] for a in alerts]
        selector = dict(p.split("=") for p in notes["grafana/alert-label-selector"].split(","))
        for alert in alerts:
            assert {k: alert["labels"][k] for k in selector} == selector
        assert notes["prometheus.io/labels"] == f"service={service.name}"
        if service.slos:
            records = {r["record"] for g in rules["groups"] for r in g["rules"] if "record" in r}
            for part in notes["prometheus.io/rule"].split(","):
                query, _, group = part.partition("|")
                assert query.split("{")[0] in records and group == "slo"


def test_merge_keeps_every_other_line(example_catalog) -> None:
    result = merge(CATALOG_INFO, example_catalog, "catalog-info.yaml")
    assert result.unknown == ["not-in-catalog"]
    assert set(result.changed) == {"checkout", "cart"}
    docs = list(yaml.safe_load_all(result.text))
    for doc in docs[:2]:
        service = example_catalog.service(doc["metadata"]["name"])
        wanted = annotations(example_catalog, service)
        assert {k: doc["metadata"]["annotations"][k] for k in wanted} == wanted
    assert docs[0]["metadata"]["annotations"]["github.com/project-slug"] == "acme/checkout"
    assert docs[2] == yaml.safe_load(CATALOG_INFO.split("---\n")[2])
    # only annotation lines were added or replaced; comments and order kept
    original = [line for line in CATALOG_INFO.splitlines() if "grafana/alert-label" not in line]
    merged = iter(result.text.splitlines())
    assert all(any(line == m for m in merged) for line in original)
    assert "    # where its code lives\n    github.com/project-slug" in result.text
    # cart had no annotations: the block goes inside its metadata, after its last key
    assert (
        "  description: Holds carts\n  annotations:\n    grafana/dashboard-selector:" in result.text
    )
    # a second merge changes nothing
    again = merge(result.text, example_catalog, "catalog-info.yaml")
    assert again.text == result.text and again.changed == {}


def test_flow_style_annotations_are_refused(tmp_path: Path) -> None:
    info = tmp_path / "catalog-info.yaml"
    text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\n  annotations: {a: b}\n"
    info.write_text(text)
    result = CliRunner().invoke(
        app, ["export", "backstage", str(EXAMPLE_CATALOG), "--merge", str(info)]
    )
    assert result.exit_code == 2
    assert f"{info}:5: metadata.annotations is not a block mapping" in result.output
    assert info.read_text() == text


def test_snippets_per_service(tmp_path: Path, example_catalog) -> None:
    result = CliRunner().invoke(
        app, ["export", "backstage", str(EXAMPLE_CATALOG), "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted(f"{s.name}.annotations.yaml" for s in example_catalog.services)
    snippet = yaml.safe_load((tmp_path / "checkout.annotations.yaml").read_text())
    checkout = example_catalog.service("checkout")
    assert snippet == {"metadata": {"annotations": annotations(example_catalog, checkout)}}
