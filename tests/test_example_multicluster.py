"""examples/multicluster/catalog.yaml (issue 13): two clusters, central Mimir, central rules.

Its output is not committed: rendered here into a temp dir, linted, its rule files (alerts/
and the Mimir ruler's) checked and its generated promtool tests run with the real promtool,
and every dashboard query held to keeping ``cluster``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from dashboards_support import cluster_losses

from obskit import load_catalog
from obskit.lint import run_checks
from obskit.lint.base import context_from_catalog
from obskit.render.pipeline import render

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "multicluster" / "catalog.yaml"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(EXAMPLE)


@pytest.fixture(scope="module")
def out(catalog, tmp_path_factory):
    out = tmp_path_factory.mktemp("multicluster")
    render(catalog, out)
    return out


def test_it_validates_lints_clean_and_renders_both_clusters_and_the_central_stack(catalog, out):
    assert run_checks(context_from_catalog(catalog)) == []
    values = out / "helm-values" / "production"
    for cluster in ("prod-eu-1", "prod-us-1"):
        assert (values / cluster / "kube-prometheus-stack.yaml").is_file()
    assert (values / "mimir-distributed.yaml").is_file()
    assert sorted(p.name for p in (out / "mimir-rules" / "production").iterdir()) == [
        "payments.yaml",
        "storefront.yaml",
    ]


def test_every_dashboard_query_keeps_cluster(out):
    dashboards = sorted((out / "dashboards").rglob("*.json"))
    assert len(dashboards) == 3 + 4
    losses = {p.name: cluster_losses(json.loads(p.read_text())) for p in dashboards}
    assert {name: lost for name, lost in losses.items() if lost} == {}


@pytest.mark.promtool
@pytest.mark.slow
def test_rules_pass_promtool_check_and_the_generated_tests(out, promtool, tmp_path):
    ruler = []
    for path in sorted((out / "mimir-rules" / "production").iterdir()):
        doc = yaml.safe_load(path.read_text())
        plain = tmp_path / path.name
        plain.write_text(yaml.safe_dump({"groups": doc["groups"]}))
        ruler.append(str(plain))
    rules = sorted(str(p) for p in (out / "alerts").glob("*.rules.yaml"))
    check = subprocess.run(
        [promtool, "check", "rules", *rules, *ruler], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    tests = sorted(p.name for p in (out / "alerts" / "tests").glob("*.test.yaml"))
    # steady and workload tests on the 5m grid, outage tests on 1m (docs/alerts.md)
    assert tests == [
        f"{svc}.{kind}test.yaml"
        for svc in ("checkout", "frontend", "payouts")
        for kind in ("outages.", "")
    ]
    run = subprocess.run(
        [promtool, "test", "rules", *tests],
        cwd=out / "alerts" / "tests",
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    silent = (out / "alerts" / "tests" / "frontend.outages.test.yaml").read_text()
    assert "goes silent" in silent
