"""Equal parts of a catalog held once: same values as before, shared only when exactly equal."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from obskit import load_catalog
from obskit.catalog.errors import CatalogError
from obskit.catalog.loader import read_file
from obskit.catalog.model import CatalogDocument, Metrics, Scrape
from obskit.catalog.shared import Sharing

REPO = Path(__file__).resolve().parent.parent
CATALOGS = [REPO / "catalog.yaml", REPO / "examples" / "multicluster" / "catalog.yaml"]

FLEET = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {name: fleet}
teams: [{name: web}]
services:
"""
SERVICE = """\
  - name: svc-{i}
    team: web
    metrics: {{scrape: {{port: metrics}}}}
    slos:
      - {{name: availability, objective: 99.9}}
      - {{name: latency, objective: {objective}, threshold: 250ms}}
"""


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: str(p.relative_to(REPO)))
def test_document_validated_service_by_service_equals_the_whole(path):
    """The quick path (one service at a time, raw data dropped) builds the same document."""
    loaded, problems = read_file(path)
    assert not problems and loaded is not None
    whole = CatalogDocument.model_validate(yaml.safe_load(path.read_text()))
    assert loaded.document == whole
    assert loaded.document.model_dump() == whole.model_dump()


def _fleet(tmp_path: Path, objectives: list[object]) -> Path:
    body = "".join(SERVICE.format(i=i, objective=o) for i, o in enumerate(objectives))
    path = tmp_path / "catalog.yaml"
    path.write_text(FLEET + body)
    return path


def test_equal_slos_and_settings_are_one_object(tmp_path):
    catalog = load_catalog(_fleet(tmp_path, [99, 99, 99.5]))
    a, b, c = catalog.services
    assert a.slos[0] is b.slos[0] is c.slos[0]
    assert a.slos[1] is b.slos[1]
    assert c.slos[1] is not a.slos[1] and c.slos[1].objective == 99.5
    assert a.metrics.scrape is b.metrics.scrape
    assert a.metrics.buckets is b.metrics.buckets
    assert a.__pydantic_fields_set__ is b.__pydantic_fields_set__
    # what differs stays each service's own
    assert a.workload.name == "svc-0" and b.workload.name == "svc-1"
    assert a.metrics.selector != b.metrics.selector


def test_an_invalid_service_after_valid_ones_is_still_located(tmp_path):
    """A problem found on the quick path is explained by the whole document's validation."""
    path = _fleet(tmp_path, [99, 99, 99])
    path.write_text(path.read_text() + "  - {name: bad, team: web, slos: [{objective: 99}]}\n")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    text = str(caught.value)
    assert "services[3].slos[0].name" in text and f"{path.name}:" in text


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"a": 1.0}, {"a": 1}),  # equal in Python, not in type
        ({"a": 0.0}, {"a": -0.0}),  # equal, but printed apart
        ({"a": 1}, {"a": True}),
        ({"a": "1", "b": "2"}, {"b": "2", "a": "1"}),  # order is rendered
    ],
)
def test_values_equal_only_loosely_are_not_shared(left, right):
    sharing = Sharing()
    assert sharing.value((left,)) is not sharing.value((right,))
    assert sharing.value((dict(left),)) is sharing.value((left,))


def test_models_with_other_fields_set_are_not_shared():
    sharing = Sharing()
    given = sharing.model(Scrape(port="metrics"))
    default = sharing.model(Scrape())
    assert given == default and given is not default
    assert given.model_fields_set == {"port"} and default.model_fields_set == set()


def test_models_holding_sub_models_with_other_fields_set_are_not_shared():
    """``overrides`` applies the fields it was given: an explicit default is not merged away."""
    sharing = Sharing()
    given = Metrics.model_validate({"overrides": {"statusLabel": "code", "histogram": None}})
    other = Metrics.model_validate({"overrides": {"statusLabel": "code"}})
    assert given == other
    first, second = sharing.model(sharing.tree(given)), sharing.model(sharing.tree(other))
    assert first is not second
    assert first.overrides.model_fields_set == {"status_label", "histogram"}
    assert second.overrides.model_fields_set == {"status_label"}
