"""Overviews: a constant number of panels for any number of services."""

from __future__ import annotations

import pytest
from dashboards_support import catalog_from_text, exprs, panels, parse, render, selectors

PRESETS = ["prometheus-http", "grpc", "istio", "otel-http", "micrometer", "nginx-ingress", "none"]
TIERS = ["critical", "standard", "low"]


def _catalog(tmp_path, count):
    services = []
    for i in range(count):
        preset = PRESETS[i % len(PRESETS)]
        slos = "" if preset == "none" else "\n    slos: [{name: availability, objective: 99.5}]"
        services.append(
            f"  - name: svc-{i}\n    team: team-{i % 2}\n    tier: {TIERS[i % 3]}\n"
            f"    metrics: {{preset: {preset}}}{slos}"
        )
    text = (
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: fleet}\n"
        "teams: [{name: team-0}, {name: team-1}]\nservices:\n" + "\n".join(services) + "\n"
    )
    (tmp_path / str(count)).mkdir()
    return catalog_from_text(tmp_path / str(count), text)


def _shape(dash):
    return [(p["type"], p["title"], p["gridPos"]["w"], p["gridPos"]["h"]) for p in panels(dash)]


def test_overview_panels_do_not_grow_with_services(tmp_path):
    small = render(_catalog(tmp_path, 3))
    large = render(_catalog(tmp_path, 50))
    for kind in ("fleet", "slos", "team-team-0", "team-team-1"):
        path = f"dashboards/overview/{kind}.json"
        assert _shape(small[path]) == _shape(large[path]), kind
    assert len(large) == 50 + 4


def test_overview_queries_read_recording_rules(example_catalog):
    from obskit import slo_names

    rendered = render(example_catalog)
    fleet = rendered["dashboards/overview/fleet.json"]
    names = {sel.name for e in exprs(fleet) for sel, _ in selectors(parse(e))}
    assert {
        slo_names.SERVICE_REQUESTS_RATE,
        slo_names.SERVICE_ERROR_RATIO,
        slo_names.SERVICE_LATENCY_P99,
        slo_names.BUDGET_REMAINING,
    } <= names
    slos = rendered["dashboards/overview/slos.json"]
    names = {sel.name for e in exprs(slos) for sel, _ in selectors(parse(e))}
    assert {
        slo_names.OBJECTIVE,
        slo_names.CURRENT_BURN_RATE,
        "slo:sli_error:ratio_rate30d",
    } <= names


def test_fleet_tables_are_tier_sorted_and_team_overviews_filtered(example_catalog):
    rendered = render(example_catalog)
    fleet = rendered["dashboards/overview/fleet.json"]
    tables = [p for p in panels(fleet) if p["type"] == "table"]
    assert [t["title"] for t in tables] == [
        "Tier critical: services",
        "Tier standard: services",
        "Tier low: services",
    ]
    critical = tables[0]["targets"][0]["expr"]
    assert 'tier="critical"' in critical and "service=~" not in critical
    # the recording rules the tables read carry that label (alerts renderer)
    from obskit.render.registry import load_renderer

    rules = next(
        u for u in load_renderer("alerts").units(example_catalog) if u.key == "service/checkout"
    ).produce()["alerts/checkout.rules.yaml"]
    assert b"tier: critical" in rules
    team = rendered["dashboards/overview/team-payments.json"]
    for expr in exprs(team):
        assert 'team="payments"' in expr


@pytest.mark.parametrize("kind", ["fleet", "slos"])
def test_overview_tables_merge_and_link(example_catalog, kind):
    dash = render(example_catalog)[f"dashboards/overview/{kind}.json"]
    for table in (p for p in panels(dash) if p["type"] == "table"):
        assert [t["id"] for t in table["transformations"]] == ["merge", "organize"]
        assert all(t["instant"] and t["format"] == "table" for t in table["targets"])
        url = table["fieldConfig"]["defaults"]["links"][0]["url"]
        assert url.startswith("/d/online-shop-${__data.fields.service}")


@pytest.mark.parametrize("kind", ["fleet", "slos"])
def test_overview_tables_order_by_the_names_before_renaming(example_catalog, kind):
    """Grafana's ``organize`` orders, then excludes, then renames: its indexByName names the
    fields as merge yields them (labels, ``Value #A`` ...), not as renameByName shows them.
    Keyed by the shown names, the value columns matched nothing and kept their query order."""
    dash = render(example_catalog)[f"dashboards/overview/{kind}.json"]
    for table in (p for p in panels(dash) if p["type"] == "table"):
        options = table["transformations"][1]["options"]
        values = [f"Value #{t['refId']}" for t in table["targets"]]
        assert set(options["renameByName"]) == set(values)
        index = options["indexByName"]
        assert [name for name in sorted(index, key=index.get)][-len(values) :] == values
        assert not set(index) & set(options["renameByName"].values())
