"""obskit import backstage, and --merge of imported services into an existing catalog."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from obskit.adapters import backstage
from obskit.adapters.source import parse_documents
from obskit.catalog.loader import load_catalog
from obskit.cli import app

from conftest import EXAMPLE_CATALOG

CATALOG_INFO = """\
# The payments team's components
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ledger
  description: Books every payment
  annotations:
    backstage.io/kubernetes-namespace: money
    github.com/project-slug: acme/ledger
  tags: [go]
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
  system: shop
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
spec:
  owner: payments
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
spec:
  owner: payments
"""


def test_components_become_services() -> None:
    imported = backstage.import_documents(parse_documents(CATALOG_INFO, "ci.yaml"))
    assert imported.services == [
        {
            "name": "ledger",
            "team": "payments",
            "namespace": "money",
            "description": "Books every payment",
        },
        {"name": "checkout", "team": "payments"},
    ]
    report = {(u.line, u.field): u.why for u in imported.unmapped}
    assert set(report) == {
        (9, "metadata.annotations.github.com/project-slug"),
        (10, "metadata.tags"),
        (12, "spec.type"),
        (13, "spec.lifecycle"),
        (15, "spec.system"),
        (25, "kind"),
    }
    assert "only Components become services" in report[(25, "kind")]


def test_owner_prefixes_are_dropped() -> None:
    assert backstage.owner_team("group:default/payments") == "payments"
    assert backstage.owner_team("user:jane") == "jane"


def test_merge_adds_new_services_text_preserving_and_reports_conflicts(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    original = EXAMPLE_CATALOG.read_text()
    catalog.write_text(original)
    info = tmp_path / "catalog-info.yaml"
    info.write_text(CATALOG_INFO)
    result = CliRunner().invoke(app, ["import", "backstage", str(info), "--merge", str(catalog)])
    assert result.exit_code == 0, result.output
    assert f"conflict: service `checkout` is already in {catalog}" in result.output
    merged = catalog.read_text()
    # every original line is still there, in order; only lines were added
    lines = iter(merged.splitlines())
    assert all(any(line == m for m in lines) for line in original.splitlines())
    loaded = load_catalog(catalog)
    ledger = loaded.service("ledger")
    assert (ledger.team, ledger.namespace) == ("payments", "money")
    assert len(loaded.services) == len(load_catalog(EXAMPLE_CATALOG).services) + 1
    # strict: the conflict fails the run and nothing changes
    before = catalog.read_text()
    again = CliRunner().invoke(
        app, ["import", "backstage", str(info), "--merge", str(catalog), "--strict"]
    )
    assert again.exit_code == 1
    assert catalog.read_text() == before


def test_merge_with_out_leaves_the_catalog_alone(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(EXAMPLE_CATALOG.read_text())
    info = tmp_path / "ci.yaml"
    info.write_text(CATALOG_INFO)
    out = tmp_path / "merged.yaml"
    result = CliRunner().invoke(
        app, ["import", "backstage", str(info), "--merge", str(catalog), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert catalog.read_text() == EXAMPLE_CATALOG.read_text()
    assert "ledger" in {s.name for s in load_catalog(out).services}


def test_not_backstage_is_bad_input(tmp_path: Path) -> None:
    info = tmp_path / "ci.yaml"
    info.write_text("version: prometheus/v1\nservice: x\n")
    result = CliRunner().invoke(app, ["import", "backstage", str(info)])
    assert result.exit_code == 2
    assert "ci.yaml:1:1: apiVersion: not a Backstage entity (apiVersion None)" in result.output
    assert "Traceback" not in result.output
