"""Overview numbers computed by the real Prometheus engine (promtool), not read as strings.

The generated rule files are loaded into ``promtool test rules`` with raw request counters as
prometheus_client exposes them; the dashboard's own query (variables substituted as Grafana
does) is evaluated with ``promql_expr_test``. One Prometheus without a ``cluster`` label, and
a central store holding two clusters' series.
"""

from __future__ import annotations

import subprocess

import pytest
import yaml
from dashboards_support import panels, render

from obskit import load_catalog
from obskit import render as render_output
from obskit.renderers.alerts.series import counter, series_text
from obskit.report.variables import dashboard_values, substitute

from catalog_support import catalog_file

pytestmark = pytest.mark.promtool

#: ``web`` serves 1 req/s (1 in 61 fails); ``idle`` has its counters but no request in the
#: window: its SLI is 0/0 = NaN, and so is its recorded error budget remaining
BODY = """\
services:
  - {name: web, team: web, namespace: shop, slos: [{name: availability, objective: 99.9}]}
  - {name: idle, team: web, namespace: shop, slos: [{name: availability, objective: 99.5}]}
"""
MINUTES = 20
BUDGET = "slo:period_error_budget_remaining:ratio"
IDLE = {"service": "idle", "slo": "availability", "team": "web", "tier": "standard"}


def _requests(job: str, code: str, per_minute: float, cluster: str | None) -> dict[str, str]:
    labels = {"job": job, "namespace": "shop", "code": code, "handler": "/work", "method": "get"}
    if cluster:
        labels["cluster"] = cluster
    values = counter([(per_minute, MINUTES)]) if per_minute else f"5+0x{MINUTES}"
    return {"series": series_text("http_requests_total", labels), "values": values}


def _inputs(cluster: str | None) -> list[dict[str, str]]:
    return [
        _requests("web", "200", 60, cluster),
        _requests("web", "500", 1, cluster),
        _requests("idle", "200", 0, cluster),
    ]


def _slos_table_query(catalog, refid: str) -> str:
    dashboard = render(catalog)["dashboards/overview/slos.json"]
    table = next(p for p in panels(dashboard) if p["title"] == "SLOs" and "targets" in p)
    expr = next(t["expr"] for t in table["targets"] if t["refId"] == refid)
    return substitute(expr, dashboard_values(dashboard))


def _rows(objectives: dict[str, float], cluster: str | None) -> list[dict]:
    out = []
    for service, value in objectives.items():
        labels = {"service": service, "slo": "availability", "team": "web"}
        if cluster:
            labels["cluster"] = cluster
        out.append({"labels": series_text("", labels), "value": value})
    return out


def test_slo_table_objective_is_the_objective_also_for_an_idle_slo(tmp_path, promtool):
    """The objective column shows 99.5 for ``idle`` (its budget remaining is NaN): on one
    Prometheus, as before issue 13, and on each cluster's row of a central store."""
    path = catalog_file(tmp_path, BODY)
    catalog = load_catalog(path)
    out = tmp_path / "out"
    render_output(catalog, out, only=["alerts"])
    expr = _slos_table_query(catalog, "A")
    objectives = {"idle": 99.5, "web": 99.9}
    check = {"expr": expr, "eval_time": f"{MINUTES - 5}m"}
    tests = [
        {
            "name": "one Prometheus, no cluster label",
            "interval": "1m",
            "input_series": _inputs(None),
            "promql_expr_test": [
                {**check, "exp_samples": _rows(objectives, None)},
                # the premise: idle's budget remaining is NaN (NaN != NaN)
                {
                    "expr": f"{BUDGET}{{service='idle'}} != bool {BUDGET}{{service='idle'}}",
                    "eval_time": check["eval_time"],
                    "exp_samples": [{"labels": series_text("", IDLE), "value": 1}],
                },
            ],
        },
        {
            "name": "a central store with clusters a and b",
            "interval": "1m",
            "input_series": _inputs("a") + _inputs("b"),
            "promql_expr_test": [
                {**check, "exp_samples": _rows(objectives, "a") + _rows(objectives, "b")}
            ],
        },
    ]
    rules = [str(out / "alerts" / f"{s}.rules.yaml") for s in ("idle", "web")]
    test = tmp_path / "overview.test.yaml"
    test.write_text(yaml.safe_dump({"rule_files": rules, "tests": tests}, sort_keys=False))
    run = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
