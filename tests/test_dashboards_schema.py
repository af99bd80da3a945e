"""Every rendered dashboard validates against Grafana's pinned dashboard JSON Schema."""

from __future__ import annotations

import json

import pytest
from dashboards_support import SCHEMA, catalog_from_text, render


@pytest.fixture(scope="module")
def validator(shared_reference):
    from jsonschema import Draft7Validator

    schema = json.loads((shared_reference / SCHEMA).read_text())
    return Draft7Validator(schema)


def _errors(validator, dashboard):
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(dashboard)
    ]


def test_every_example_dashboard_validates(validator, example_catalog):
    rendered = render(example_catalog)
    services = {f"dashboards/{s.name}.json" for s in example_catalog.services}
    overviews = {
        "dashboards/overview/fleet.json",
        "dashboards/overview/slos.json",
        *(f"dashboards/overview/team-{t.name}.json" for t in example_catalog.teams),
    }
    assert set(rendered) == services | overviews
    problems = {path: _errors(validator, d) for path, d in rendered.items()}
    assert {p: e for p, e in problems.items() if e} == {}


def test_schema_version_is_what_the_schema_expects(validator, example_catalog, shared_reference):
    schema = json.loads((shared_reference / SCHEMA).read_text())
    expected = schema["definitions"]["Dashboard"]["properties"]["schemaVersion"]["default"]
    for dashboard in render(example_catalog).values():
        assert dashboard["schemaVersion"] == expected == 42


def test_the_validator_catches_grafanalib_raw_output(validator, example_catalog):
    """Guard: without the normaliser, grafanalib's output is refused (the test can fail)."""
    import grafanalib.core as G

    from obskit.renderers.dashboards.normalize import to_plain

    raw = to_plain(G.Dashboard(title="x", panels=[G.TimeSeries(title="t")]).auto_panel_ids())
    assert _errors(validator, raw)


def test_edge_case_catalog_validates(validator, tmp_path):
    """No cluster, long names, every workload kind, a service without SLOs or links."""
    long = "a-very-long-service-name-that-goes-past-forty-characters"
    catalog = catalog_from_text(
        tmp_path,
        f"""
apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {{name: edge-cases-catalog-with-a-long-name}}
teams: [{{name: solo}}]
services:
  - name: {long}
    team: solo
    metrics: {{preset: grpc}}
    workload: {{kind: StatefulSet}}
  - name: ds
    team: solo
    metrics: {{preset: istio}}
    workload: {{kind: DaemonSet}}
    slos: [{{name: latency, objective: 99.5, threshold: 100ms}}]
    dependsOn: [{long}]
  - name: bare
    team: solo
    metrics: {{preset: none}}
""",
    )
    rendered = render(catalog)
    problems = {path: _errors(validator, d) for path, d in rendered.items()}
    assert {p: e for p, e in problems.items() if e} == {}
    cluster = next(
        v for v in rendered["dashboards/ds.json"]["templating"]["list"] if v["name"] == "cluster"
    )
    assert cluster["current"] == {"selected": True, "text": "All", "value": "$__all"}


def test_normaliser_handles_other_grafanalib_panels(validator):
    """Plugins may return any grafanalib panel: legacy ones normalise to valid JSON too."""
    import grafanalib.core as G

    from obskit.renderers.dashboards.normalize import normalize_dashboard

    legacy = [
        G.Graph(title="g", targets=[G.Target(expr="up")], gridPos=G.GridPos(h=8, w=12, x=0, y=0)),
        G.GaugePanel(title="gauge"),
        G.Stat(title="stat"),
        G.BarGauge(title="bar"),
        G.Text(title="text", content="hello"),
        G.Table(title="table", targets=[G.Target(expr="up")]),
    ]
    dashboard = G.Dashboard(title="legacy", uid="legacy", panels=legacy).auto_panel_ids()
    assert _errors(validator, normalize_dashboard(dashboard)) == []
