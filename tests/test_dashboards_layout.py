"""dashboard-linter's panel rules, grid layout, rows per preset."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from dashboards_support import panels, render


@pytest.fixture(scope="module")
def rendered(example_catalog):
    return render(example_catalog)


def test_every_panel_has_title_description_and_unit(rendered):
    """grafana/dashboard-linter: panel-title-description-rule and panel-units-rule."""
    for path, dash in rendered.items():
        for panel in panels(dash):
            assert panel.get("title"), f"{path}: panel {panel['id']} without title"
            if panel["type"] == "row":
                continue
            assert panel.get("description"), f"{path}: {panel['title']} without description"
            unit = panel["fieldConfig"]["defaults"].get("unit")
            assert unit, f"{path}: {panel['title']} without unit"


def test_every_query_panel_uses_the_datasource_variable(rendered):
    """dashboard-linter: template-datasource-rule / panel-datasource-rule."""
    for dash in rendered.values():
        names = [v["name"] for v in dash["templating"]["list"]]
        assert names[:2] == ["datasource", "cluster"]
        for panel in panels(dash):
            for target in panel.get("targets", []):
                assert panel["datasource"]["uid"] == "${datasource}"
                assert target["datasource"]["uid"] == "${datasource}"


def _boxes(dash):
    for p in dash["panels"]:
        g = p["gridPos"]
        yield p["id"], g["x"], g["y"], g["w"], g["h"]


def test_grid_positions_do_not_overlap(rendered):
    for path, dash in rendered.items():
        boxes = list(_boxes(dash))
        for i, (id_a, xa, ya, wa, ha) in enumerate(boxes):
            assert xa >= 0 and xa + wa <= 24 and wa > 0 and ha > 0
            for id_b, xb, yb, wb, hb in boxes[i + 1 :]:
                overlap = xa < xb + wb and xb < xa + wa and ya < yb + hb and yb < ya + ha
                assert not overlap, f"{path}: panels {id_a} and {id_b} overlap"


def test_panel_ids_unique_and_in_layout_order(rendered):
    for dash in rendered.values():
        ids = [p["id"] for p in panels(dash)]
        assert ids == list(range(1, len(ids) + 1))
        ys = [p["gridPos"]["y"] for p in dash["panels"]]
        assert ys == sorted(ys)


def _row_titles(dash):
    return [p["title"] for p in dash["panels"] if p["type"] == "row"]


def test_preset_none_has_workload_rows_only(rendered, example_catalog):
    for service in example_catalog.services:
        dash = rendered[f"dashboards/{service.name}.json"]
        rows = _row_titles(dash)
        if service.metrics.preset == "none":
            assert rows == [
                f"Workload: {service.workload.kind} {service.workload_name}",
                "Resources",
            ]
            assert {p["type"] for p in panels(dash)} <= {"row", "timeseries", "stat"}
        else:
            assert rows[:2] == ["Alerts and links", f"Golden signals ({service.metrics.preset})"]
            assert sum(r.startswith("SLO ") for r in rows) == len(service.slos)
            assert rows[-2:] == [
                f"Workload: {service.workload.kind} {service.workload_name}",
                "Resources",
            ]


def test_alert_list_is_filtered_to_the_service(rendered):
    dash = rendered["dashboards/checkout.json"]
    alert = next(p for p in panels(dash) if p["type"] == "alertlist")
    assert alert["options"]["alertInstanceLabelFilter"] == '{service="checkout"}'


def test_links(rendered, example_catalog):
    from obskit.renderers.dashboards import dashboard_uid

    frontend = {
        link["title"]: link["url"] for link in rendered["dashboards/frontend.json"]["links"]
    }
    # access is on in the example: ES|QL over the team's own index pattern (docs/access.md)
    kibana = unquote(frontend["Logs (Kibana)"])
    assert "/app/discover#/" in kibana and "dataSource:(type:esql)" in kibana
    assert (
        'FROM logs-storefront.* | WHERE kubernetes.namespace_name == "shop"'
        ' AND kubernetes.labels.app == "frontend"'
    ) in kibana
    checkout = {
        link["title"]: link["url"] for link in rendered["dashboards/checkout.json"]["links"]
    }
    assert "FROM logs-payments.* |" in unquote(checkout["Logs (Kibana)"])
    assert "/search?service=frontend&" in frontend["Traces (Jaeger)"]
    assert frontend["Runbook"] == "https://runbooks.example.com/frontend"
    for dep in example_catalog.service("frontend").depends_on:
        assert frontend[f"→ {dep}"] == f"/d/{dashboard_uid(example_catalog, dep)}"
    links = {link["title"]: link["url"] for link in rendered["dashboards/catalog.json"]["links"]}
    # no runbook in the catalog entry: metadata.runbooks' pattern fills it
    assert links["Runbook"] == "https://runbooks.example.com/catalog"
    assert "service=product-catalog" in links["Traces (Jaeger)"]  # traces.service wins
    ads = [link["title"] for link in rendered["dashboards/ads.json"]["links"]]
    assert ads == ["Runbook"]  # no logs, no traces, no dependencies


def test_link_base_urls_come_from_the_catalog(tmp_path):
    from dashboards_support import catalog_from_text

    catalog = catalog_from_text(
        tmp_path,
        """
apiVersion: obskit/v1
kind: ServiceCatalog
metadata:
  name: shop
  links: {kibana: "https://logs.example.com/", jaeger: /jaeger}
teams: [{name: a}]
services:
  - {name: web, team: a, logs: {enabled: true}, traces: {enabled: true}}
""",
    )
    links = {link["title"]: link["url"] for link in render(catalog)["dashboards/web.json"]["links"]}
    assert links["Logs (Kibana)"].startswith("https://logs.example.com/app/discover#/")
    # access off: the KQL filter over the default data view, as before
    assert "kubernetes.namespace_name%3A%22default%22" in links["Logs (Kibana)"]
    assert "esql" not in links["Logs (Kibana)"]
    assert links["Traces (Jaeger)"].startswith("/jaeger/search?service=web&")
