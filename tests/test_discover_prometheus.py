"""``obskit discover --prometheus``: a starter catalog from the jobs of a real Prometheus 2.42.

The server holds series shaped like eight real libraries (tests/library_expositions.py:
prometheus-fastapi-instrumentator 8.1, prometheus-flask-exporter 0.23, starlette-exporter
0.24, OpenTelemetry Python legacy and stable semconv, py-grpc-prometheus, go-grpc-prometheus,
Go promhttp) and three infrastructure jobs. The written catalog must validate, name the right
preset per job, put latency thresholds on real bucket bounds, and its rendered SLI recording
rules must return values on that server.
"""

from __future__ import annotations

import math
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from library_expositions import JOB, JOBS
from preview_support import PrometheusServer, prometheus_binaries
from typer.testing import CliRunner

import obskit
from obskit.cli import app
from obskit.discover.prometheus import duration, nearest_bound, service_name
from obskit.preview.connection import Server, Transport

pytestmark = pytest.mark.prometheus

APPS = [j for j in JOBS if j.preset]
#: the istio job reports two workloads: one service each, not one for the job
MESH = JOB["istio-mesh"]
PER_JOB = [j for j in APPS if j is not MESH]
SERVICES = len(PER_JOB) + 2


def discover(*args: str):
    result = CliRunner().invoke(app, ["discover", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture(scope="module")
def written(libprom: PrometheusServer, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("discovered") / "catalog.yaml"
    result = discover("--prometheus", libprom.url, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out, result.stdout


def test_writes_a_valid_catalog_with_the_right_presets(written) -> None:
    out, report = written
    text = out.read_text()
    assert text.startswith("# Written by `obskit discover --prometheus`")
    catalog = obskit.load_catalog(out)
    presets = {s.name: s.metrics.preset for s in catalog.services}
    assert presets == {service_name(j.job): j.preset for j in PER_JOB} | {
        "cart": "istio",
        "reviews": "istio",
    }
    assert [t.name for t in catalog.teams] == ["unassigned"]
    assert {s.team for s in catalog.services} == {"unassigned"}
    # infrastructure jobs are skipped, and the report says why
    for line in (
        "- skipped job prometheus: Prometheus itself (prometheus_build_info)",
        "- skipped job node-exporter: a node exporter (node_exporter_build_info)",
        "- skipped job kube-state-metrics: kube-state-metrics (kube_deployment_spec_replicas)",
    ):
        assert line in report
    assert "+ service fastapi-app: job fastapi-app (namespace shop), team unassigned, preset " in (
        report
    )


def test_selectors_and_thresholds_are_real(written) -> None:
    out, _ = written
    catalog = obskit.load_catalog(out)
    # the mesh's workloads: the preset's own selector labels, scoped to the job
    for name in ("cart", "reviews"):
        svc = catalog.service(name)
        assert svc.metrics.selector == {
            "job": "istio-mesh",
            "destination_workload": name,
            "destination_workload_namespace": "shop",
        }
        assert svc.namespace == "shop"
    assert catalog.service("cart").slos[1].threshold == "250ms"  # le="250" (milliseconds)
    assert [s.name for s in catalog.service("reviews").slos] == ["availability"]  # no histogram
    for svc in catalog.services:
        if svc.name in ("cart", "reviews"):
            continue
        job = JOB[svc.name]
        want = {"job": job.job} | ({"namespace": job.namespace} if job.namespace else {})
        assert svc.metrics.selector == want
        assert svc.namespace == (job.namespace or "default")
        slos = {s.name: s for s in svc.slos}
        assert slos["availability"].objective == 99.9
        threshold = slos["latency"].threshold_seconds
        # a bucket bound the job really exports, the one nearest 300ms
        assert threshold in job.bounds, (svc.name, threshold, job.bounds)
        assert threshold == nearest_bound(job.bounds)
    thresholds = {s.name: s.slos[-1].threshold for s in catalog.services}
    assert thresholds["fastapi-app"] == "500ms"  # bounds 0.1, 0.5, 1: the tie goes up
    assert thresholds["otel-app"] == "250ms"  # milliseconds: le="250.0"
    assert thresholds["go-app"] == "250ms"


def test_rendered_sli_rules_return_values_on_the_server(
    written, libprom: PrometheusServer, tmp_path: Path
) -> None:
    out, _ = written
    catalog = obskit.load_catalog(out)
    # obskit.render is shadowed by the obskit.render package once any of its modules is
    # imported (see the report): the pipeline's function directly
    from obskit.render.pipeline import render

    render(catalog, tmp_path, only=["alerts"])
    files = sorted((tmp_path / "alerts").glob("*.rules.yaml"))
    assert len(files) == SERVICES
    promtool = prometheus_binaries()[1]  # type: ignore[index]
    check = subprocess.run(
        [promtool, "check", "rules", *map(str, files)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    at = datetime.fromtimestamp(libprom.end - 60, tz=UTC)
    values: dict[tuple[str, str], float] = {}
    with Server(Transport(libprom.url)) as server:
        for path in files:
            for group in yaml.safe_load(path.read_text())["groups"]:
                for rule in group["rules"]:
                    if rule.get("record") != "slo:sli_error:ratio_rate5m":
                        continue
                    result = server.query(rule["expr"], at=at)
                    key = (path.name.split(".")[0], rule["labels"]["slo"])
                    assert len(result) == 1, (key, rule["expr"], result)
                    values[key] = float(result[0]["value"][1])
    assert len(values) == 2 * SERVICES - 1  # reviews has no latency SLO
    for (service, slo), value in values.items():
        assert not math.isnan(value), (service, slo)
        if slo == "availability":
            # 1% of the requests fail in every job
            assert value == pytest.approx(0.01, rel=0.05), (service, value)
        else:
            assert 0 <= value < 0.01, (service, value)


def test_second_run_adds_nothing_and_merge_reports_a_wrong_preset(
    written, libprom: PrometheusServer, tmp_path: Path
) -> None:
    out, _ = written
    again = discover("--prometheus", libprom.url, "--out", str(out))
    assert again.exit_code == 0 and f"{out}: nothing to add" in again.stdout
    # a hand-written catalog with fastapi-app on the wrong preset: kept, difference reported
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: mine}\n"
        "teams:\n  - name: web\nservices:\n  - name: fastapi-app\n    team: web\n"
        "    namespace: shop\n    metrics: {preset: prometheus-http}\n"
    )
    result = discover("--prometheus", libprom.url, "--out", str(mine), "--write")
    assert result.exit_code == 0, result.output
    assert (
        "= service fastapi-app: in the catalog, kept as written; differs: preset "
        "prometheus-http in the catalog; discovery suggests fastapi-instrumentator"
    ) in result.stdout
    catalog = obskit.load_catalog(mine)
    assert catalog.service("fastapi-app").metrics.preset == "prometheus-http"
    assert catalog.service("flask-app").metrics.preset == "flask-exporter"


def test_stdout_and_namespace_filter(libprom: PrometheusServer) -> None:
    result = discover("--prometheus", libprom.url, "--namespace", "shop")
    assert result.exit_code == 0
    doc = yaml.safe_load(result.stdout)
    names = {s["name"] for s in doc["services"]}
    assert "grpc-go" not in names and "go-app" in names  # grpc-go has no namespace label


def test_bad_options_and_unreachable_server() -> None:
    result = discover("--prometheus", "localhost:9090")
    assert result.exit_code == 2 and "http://" in result.stderr
    result = discover("--prometheus", "http://127.0.0.1:9", "--context", "x")
    assert result.exit_code == 2
    result = discover("--prometheus", "http://127.0.0.1:9", "--timeout", "2")
    assert result.exit_code == 3
    assert result.stderr.startswith("obskit: error: ") and result.stderr.count("\n") == 1


def test_helpers() -> None:
    assert nearest_bound((0.1, 0.5, 1.0)) == 0.5
    assert nearest_bound((0.0, 0.25, 0.5)) == 0.25
    assert nearest_bound(()) is None
    assert [duration(b) for b in (0.005, 0.25, 1.0, 2.5, 10.0)] == [
        "5ms",
        "250ms",
        "1s",
        "2500ms",
        "10s",
    ]
    assert service_name("My_App.v2") == "my-app-v2"
