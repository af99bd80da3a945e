"""The metric check against series shaped like real libraries, on a real Prometheus 2.42.

tests/library_expositions.py backfills (promtool) what prometheus-fastapi-instrumentator
8.1, prometheus-flask-exporter 0.23, starlette-exporter 0.24, OpenTelemetry Python (legacy and
stable semconv), py-grpc-prometheus, go-grpc-prometheus and Go promhttp export. With the
right preset every check passes; with a wrong one the check fails (exit 1) and names the
metric and label the job really writes and the preset that reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from library_expositions import JOB, JOBS
from preview_support import PrometheusServer
from typer.testing import CliRunner

from obskit.catalog.loader import load_catalog
from obskit.cli import app
from obskit.detect import catalog_presets, gather, rank, suggest
from obskit.preview.connection import Server, Transport
from obskit.preview.metric_check import check_service

pytestmark = pytest.mark.prometheus

#: a latency threshold that is a bucket bound of the preset (the catalog refuses others)
THRESHOLD = {"fastapi-instrumentator": "500ms"}


def catalog_file(
    path: Path, presets: dict[str, str], own: list[dict] | None = None, overrides=None
) -> Path:
    """A catalog with one service per job: ``presets`` maps the job to its preset."""
    services = []
    for job, preset in presets.items():
        metrics: dict = {"preset": preset}
        selector = {"job": job}
        if JOB[job].namespace:
            selector["namespace"] = JOB[job].namespace
        metrics["selector"] = selector
        if overrides and job in overrides:
            metrics["overrides"] = overrides[job]
        services.append(
            {
                "name": job,
                "namespace": JOB[job].namespace or "default",
                "metrics": metrics,
                "slos": [
                    {"name": "availability", "objective": 99},
                    {
                        "name": "latency",
                        "objective": 99,
                        "threshold": THRESHOLD.get(preset, "250ms"),
                    },
                ],
            }
        )
    doc = {
        "apiVersion": "obskit/v1",
        "kind": "ServiceCatalog",
        "metadata": {"name": "libraries"},
        "defaults": {"team": "shop"},
        "teams": [{"name": "shop"}],
        "presets": own or [],
        "services": services,
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def preview(prom: PrometheusServer, catalog: Path, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(
        app,
        [
            "preview",
            str(catalog),
            "--prometheus",
            prom.url,
            "--since",
            "0",
            "--output",
            "json",
            *args,
        ],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout)


def checks_of(doc: dict, name: str) -> dict[str, dict]:
    svc = next(s for s in doc["services"] if s["service"] == name)
    return {c["check"]: c for c in svc["checks"]}


RIGHT = {j.job: j.preset for j in JOBS if j.preset}


def test_right_presets_pass_every_check(libprom: PrometheusServer, tmp_path: Path) -> None:
    code, doc = preview(libprom, catalog_file(tmp_path / "c.yaml", RIGHT))
    failed = {
        s["service"]: {c["check"]: c["detail"] for c in s["checks"] if c["status"] != "ok"}
        for s in doc["services"]
    }
    assert all(not v for v in failed.values()), failed
    assert doc["failedChecks"] == [] and code == 0, doc["criticalFiring"]
    # the python gRPC library writes upper-case codes: the grpc preset reads them
    grpc = checks_of(doc, "grpc-py")
    assert grpc["status values"]["detail"] == "grpc_code values INTERNAL, OK fit [A-Za-z_]+"
    fastapi = checks_of(doc, "fastapi-app")
    assert fastapi["status values"]["detail"] == "status values 2xx, 5xx fit [1-5]([0-9][0-9]|xx)"
    assert fastapi["latency bucket (latency)"]["detail"] == 'le="0.5" matches le="0.5"'
    otel = checks_of(doc, "otel-app")
    assert otel["latency bucket (latency)"]["detail"] == r'le=~"250(\\.0)?" matches le="250.0"'


WRONG = [
    # (job, preset written in the catalog, the failing check, its detail, the suggestion)
    (
        "fastapi-app",
        "prometheus-http",
        "status label",
        'no series of http_requests_total{job="fastapi-app", namespace="shop", '
        'handler!~"/metrics|/health.*|/livez|/readyz|/ready|/live"} has the label "code" '
        "(its labels: handler, instance, job, method, namespace, status)",
        "job fastapi-app writes http_requests_total{status} (values 2xx, 5xx): "
        "use preset fastapi-instrumentator",
    ),
    (
        "flask-app",
        "prometheus-http",
        "requests",
        '/ready|/live"}: job="flask-app" has series, but none named http_requests_total',
        "job flask-app writes flask_http_request_duration_seconds_count{status} "
        "(values 200, 500): use preset flask-exporter",
    ),
    (
        "go-app",
        "fastapi-instrumentator",
        "status label",
        'has the label "status"',
        "job go-app writes http_requests_total{code} (values 200, 500): use preset prometheus-http",
    ),
    (
        "otel-app",
        "otel-http",
        "requests",
        "0 series of http_server_request_duration_seconds_count",
        "job otel-app writes http_server_duration_milliseconds_count{http_status_code} "
        "(values 200, 500): use preset otel-http-legacy",
    ),
    (
        "starlette-app",
        "flask-exporter",
        "requests",
        "0 series of flask_http_request_duration_seconds_count",
        "job starlette-app writes starlette_requests_total{status_code} (values 200, 500): "
        "use preset starlette-exporter",
    ),
]


@pytest.mark.parametrize(
    ("job", "preset", "check", "detail", "fix"), WRONG, ids=[w[0] for w in WRONG]
)
def test_wrong_preset_fails_and_names_the_fix(
    libprom: PrometheusServer,
    tmp_path: Path,
    job: str,
    preset: str,
    check: str,
    detail: str,
    fix: str,
) -> None:
    code, doc = preview(libprom, catalog_file(tmp_path / "c.yaml", {job: preset}))
    checks = checks_of(doc, job)
    assert checks[check]["status"] == "fail"
    assert detail in checks[check]["detail"]
    assert checks["preset"] == {"check": "preset", "status": "fail", "detail": fix, "series": None}
    assert code == doc["exitCode"] == 1
    assert f"{job}/preset" in doc["failedChecks"]


def test_table_output_names_the_fix(libprom: PrometheusServer, tmp_path: Path) -> None:
    catalog = catalog_file(tmp_path / "c.yaml", {"fastapi-app": "prometheus-http"})
    result = CliRunner().invoke(
        app, ["preview", str(catalog), "--prometheus", libprom.url, "--since", "0"]
    )
    assert result.exit_code == 1
    out = " ".join(result.stdout.split())
    assert "use preset fastapi-instrumentator" in out
    # the catalog's 250ms is not a bound of fastapi's histogram (0.1, 0.5, 1) either
    assert (
        "metric checks failed: fastapi-app/status label, fastapi-app/latency bucket (latency), "
        "fastapi-app/preset"
    ) in out


def test_case_sensitive_error_regex_fails_on_upper_case_codes(
    libprom: PrometheusServer, tmp_path: Path
) -> None:
    """A catalog preset with Go's spelling only: py-grpc-prometheus' INTERNAL would count as a
    success. The check says so and suggests the built-in grpc preset."""
    own = [
        {
            "name": "grpc-go-only",
            "requests": "grpc_server_handled_total",
            "statusLabel": "grpc_code",
            "errorRegex": "Internal|Unavailable",
            "statusShape": "[A-Za-z_]+",
            "protocol": "grpc",
            "histogram": "grpc_server_handling_seconds",
            "buckets": ["100ms", "250ms", "500ms", "1s"],
        }
    ]
    code, doc = preview(
        libprom, catalog_file(tmp_path / "c.yaml", {"grpc-py": "grpc-go-only"}, own)
    )
    checks = checks_of(doc, "grpc-py")
    assert checks["status values"]["status"] == "fail"
    assert checks["status values"]["detail"] == (
        "grpc_code values INTERNAL are errors that the error regex Internal|Unavailable misses "
        "by case: they count as successes"
    )
    assert checks["preset"]["detail"] == (
        "job grpc-py writes grpc_server_handled_total{grpc_code} (values INTERNAL, OK): "
        "use preset grpc"
    )
    assert code == 1
    # the Go library's spelling passes with the same preset
    code, doc = preview(
        libprom, catalog_file(tmp_path / "d.yaml", {"grpc-go": "grpc-go-only"}, own)
    )
    assert code == 0, checks_of(doc, "grpc-go")


def test_catalog_presets_are_suggested(libprom: PrometheusServer, tmp_path: Path) -> None:
    own = [{"name": "shop-fastapi", "extends": "fastapi-instrumentator", "description": "ours"}]
    code, doc = preview(
        libprom, catalog_file(tmp_path / "c.yaml", {"fastapi-app": "prometheus-http"}, own)
    )
    assert checks_of(doc, "fastapi-app")["preset"]["detail"].endswith("use preset shop-fastapi")
    assert code == 1


def test_broken_overrides_are_named(libprom: PrometheusServer, tmp_path: Path) -> None:
    catalog = catalog_file(
        tmp_path / "c.yaml",
        {"go-app": "prometheus-http"},
        overrides={"go-app": {"statusLabel": "status"}},
    )
    code, doc = preview(libprom, catalog)
    assert checks_of(doc, "go-app")["preset"]["detail"] == (
        "job go-app writes http_requests_total{code} (values 200, 500): preset prometheus-http "
        "fits without the service's metrics.overrides"
    )
    assert code == 1


def test_library_entry_points(libprom: PrometheusServer, tmp_path: Path) -> None:
    """check_service and detect.gather/suggest, as tests/conformance/ calls them."""
    catalog = load_catalog(catalog_file(tmp_path / "c.yaml", {"flask-app": "prometheus-http"}))
    with Server(Transport(libprom.url)) as server:
        checks = check_service(server, catalog.service("flask-app"), catalog_presets(catalog))
        assert any(c.status == "fail" for c in checks)
        for job in JOBS:
            matchers = [f'job="{job.job}"']
            exported = gather(server, matchers)
            best = suggest(exported)
            if job.preset is None:
                assert best is None, (job.job, best)
                continue
            assert best is not None and best.name == job.preset, (job.job, rank(exported)[:2])
            assert best.bounds_seconds == pytest.approx(job.bounds)
