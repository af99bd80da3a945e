"""obskit export openslo: valid against the pinned OpenSLO v1 schemas, deterministic, and
read back by obskit import openslo into the same SLIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from obskit import queries
from obskit.adapters import openslo
from obskit.adapters.openslo_export import documents
from obskit.adapters.source import parse_documents
from obskit.catalog.rules import WINDOW_PLACEHOLDER
from obskit.cli import app

from conftest import EXAMPLE_CATALOG, SHARED_REFERENCE

SCHEMAS = SHARED_REFERENCE / "openslo" / "schemas" / "v1"


@pytest.fixture(scope="module")
def validator():
    if not SCHEMAS.is_dir():
        pytest.skip("../shared/reference/openslo/schemas/v1 is absent (pinned OpenSLO schemas)")
    jsonschema = pytest.importorskip("jsonschema")
    from referencing import Registry, Resource

    resources = []
    for path in sorted(SCHEMAS.rglob("*.schema.json")):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    root = json.loads((SCHEMAS / "openslo.schema.json").read_text())
    return jsonschema.Draft7Validator(root, registry=registry)


def test_every_document_validates(example_catalog, validator) -> None:
    per_service = documents(example_catalog)
    docs = [d for ds in per_service.values() for d in ds]
    assert {d["kind"] for d in docs} == {"Service", "SLO"}
    assert sum(d["kind"] == "SLO" for d in docs) == sum(
        len(s.slos) for s in example_catalog.services
    )
    for doc in docs:
        errors = [e.message for e in validator.iter_errors(doc)]
        assert not errors, (doc["metadata"]["name"], errors)


def test_schema_refuses_a_broken_export(example_catalog, validator) -> None:
    """The validation can fail: a percent where OpenSLO wants a ratio is refused."""
    slo = next(d for ds in documents(example_catalog).values() for d in ds if d["kind"] == "SLO")
    slo["spec"]["objectives"][0]["target"] = 99.9
    assert not validator.is_valid(slo)


def test_queries_are_obskits_sli_parts(example_catalog) -> None:
    service = next(s for s in example_catalog.services if s.slos)
    slo = service.slos[0]
    doc = documents(example_catalog)[service.name][1]
    parts = queries.sli_parts(service, slo, WINDOW_PLACEHOLDER)
    ratio = doc["spec"]["indicator"]["spec"]["ratioMetric"]
    assert ratio[parts.kind]["metricSource"]["spec"]["query"] == parts.events.strip()
    assert ratio["total"]["metricSource"]["spec"]["query"] == parts.total.strip()
    assert doc["spec"]["objectives"][0]["target"] == pytest.approx(slo.objective / 100)
    assert doc["spec"]["timeWindow"] == [{"duration": slo.window, "isRolling": True}]


def test_round_trip_through_import(example_catalog) -> None:
    per_service = documents(example_catalog)
    text = "".join("---\n" + yaml.safe_dump(d) for ds in per_service.values() for d in ds)
    imported = openslo.import_documents(parse_documents(text, "x.yaml"))
    assert [s["name"] for s in imported.services] == list(per_service)
    for entry in imported.services:
        service = example_catalog.service(entry["name"])
        assert entry["team"] == service.team
        assert [s["name"] for s in entry["slos"]] == [
            f"{service.name}-{s.name}" for s in service.slos
        ]
        for got, slo in zip(entry["slos"], service.slos, strict=True):
            parts = queries.sli_parts(service, slo, WINDOW_PLACEHOLDER)
            key = "errorQuery" if parts.kind == "bad" else "goodQuery"
            assert got["sli"] == {key: parts.events.strip(), "totalQuery": parts.total.strip()}
            assert got["objective"] == pytest.approx(slo.objective)
            assert got["window"] == slo.window


def test_cli_is_deterministic(tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["export", "openslo", str(EXAMPLE_CATALOG)])
    second = runner.invoke(app, ["export", "openslo", str(EXAMPLE_CATALOG)])
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout
    result = runner.invoke(app, ["export", "openslo", str(EXAMPLE_CATALOG), "-o", str(tmp_path)])
    assert result.exit_code == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert "checkout.openslo.yaml" in files
    joined = "".join((tmp_path / f).read_text().split("\n", 1)[1] for f in files)
    assert len(list(yaml.safe_load_all(joined))) == len(list(yaml.safe_load_all(first.stdout)))


def test_bad_catalog_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text("apiVersion: obskit/v1\nkind: ServiceCatalog\nservices: 3\n")
    result = CliRunner().invoke(app, ["export", "openslo", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
