"""Grafana logs datasources with team access on (docs/access.md): one per team, reading only
``logs-<team>.*``, and each service dashboard's "Logs (Grafana)" link opens its own team's."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml
from test_manifests_access import CATALOG

from obskit import load_catalog, render

#: every service ships logs (the dashboards then link them)
LOGGED = CATALOG.replace("namespace: ", "logs: {enabled: true}, namespace: ")
ACCESS_OFF = LOGGED.replace("    enabled: true\n", "    enabled: false\n", 1)
#: index names the collectors write (logs-<team>.<namespace>-YYYY.MM.DD) and events indices
INDICES = {
    "pay": ["logs-pay.pay-ns-2026.12.07", "logs-pay.pay-jobs-2026.12.07"],
    "pay-x": ["logs-pay-x.pay-x-ns-2026.12.07"],
    "ops": ["logs-ops.edge-2026.12.07"],
}
OTHERS = [
    "logs-unowned.kube-system-2026.12.07",
    "logs-events.pay-2026.12.07",
    "logs-edge-2026.12.07",
]


def _render(tmp_path: Path, text: str) -> Path:
    (tmp_path / "catalog.yaml").write_text(text)
    render(load_catalog(tmp_path / "catalog.yaml"), tmp_path / "out", use_cache=False)
    return tmp_path / "out"


def _datasources(out: Path) -> dict[str, dict]:
    values = yaml.safe_load((out / "helm-values/default/kube-prometheus-stack.yaml").read_text())
    return {d["uid"]: d for d in values["grafana"]["additionalDataSources"]}


def _links(out: Path) -> dict[str, list[dict]]:
    return {
        p.stem: json.loads(p.read_text())["links"]
        for p in (out / "dashboards").glob("*.json")
        if "links" in json.loads(p.read_text())
    }


def test_one_logs_datasource_per_team_reading_only_its_own_indices(tmp_path):
    sources = _datasources(_render(tmp_path, LOGGED))
    logs = {uid: d for uid, d in sources.items() if d["type"] == "elasticsearch"}
    assert set(logs) == {f"elasticsearch-logs-{t}" for t in INDICES}
    everything = [i for names in INDICES.values() for i in names] + OTHERS
    for team, own in INDICES.items():
        index = logs[f"elasticsearch-logs-{team}"]["jsonData"]["index"]
        # Elasticsearch expands the pattern like a shell glob over index names
        assert [i for i in everything if fnmatch.fnmatchcase(i, index)] == own, team
    for d in logs.values():
        assert d["secureJsonData"] == {"basicAuthPassword": "${ES_PASSWORD}"}
    # no trace -> logs link: a trace spans teams and there is no all-logs datasource
    assert "tracesToLogsV2" not in sources["jaeger"]["jsonData"]


def test_each_dashboard_links_its_own_teams_logs_datasource(tmp_path):
    out = _render(tmp_path, LOGGED)
    sources = _datasources(out)
    catalog = load_catalog(tmp_path / "catalog.yaml")
    seen = 0
    for service in catalog.services:
        (dashboard,) = [p for p in (out / "dashboards").glob("*.json") if p.stem == service.name]
        links = json.loads(dashboard.read_text())["links"]
        (link,) = [lk for lk in links if lk["title"] == "Logs (Grafana)"]
        url = urlsplit(link["url"])
        assert url.path == "/explore"
        pane = json.loads(parse_qs(url.query)["panes"][0])["logs"]
        (query,) = pane["queries"]
        uid = query["datasource"]["uid"]
        assert pane["datasource"] == uid and sources[uid]["type"] == "elasticsearch"
        assert sources[uid]["jsonData"]["index"] == f"logs-{service.team}.*"
        assert f'kubernetes.namespace_name:"{service.namespace}"' in query["query"]
        assert f'kubernetes.labels.app:"{service.name}"' in query["query"]
        assert pane["range"] == {"from": "${__from}", "to": "${__to}"}
        seen += 1
    assert seen == len(catalog.services)


def test_access_off_keeps_one_datasource_for_all_logs_and_no_grafana_link(tmp_path):
    out = _render(tmp_path, ACCESS_OFF)
    sources = _datasources(out)
    logs = [d for d in sources.values() if d["type"] == "elasticsearch"]
    assert [d["jsonData"]["index"] for d in logs] == ["logs-*"]
    assert sources["jaeger"]["jsonData"]["tracesToLogsV2"]["datasourceUid"] == logs[0]["uid"]
    titles = {lk["title"] for links in _links(out).values() for lk in links}
    assert "Logs (Kibana)" in titles and "Logs (Grafana)" not in titles
