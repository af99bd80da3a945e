"""Series shaped like real instrumentation libraries, backfilled into a real Prometheus.

Each :class:`Job` writes exactly the metric names and label sets of one library's
``/metrics`` (the source library and version are named on each job; the shapes were recorded
from the real libraries for tests/conformance/recorded/, and tests/test_library_expositions.py
holds every job to its recording), plus the target labels a scrape
adds (``job``, ``instance`` and, for most, ``namespace``). Every job serves ``RPS`` requests
per second with ``ERROR_RATIO`` errors and an exponential latency distribution (mean
``MEAN_LATENCY``), for ``HOURS`` hours ending now. Three jobs are infrastructure (Prometheus
itself, a node exporter, kube-state-metrics): discover skips them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HOURS = 3
STEP = 30  # seconds between samples
RPS = 10.0
ERROR_RATIO = 0.01
MEAN_LATENCY = 0.05  # seconds

#: le values as the libraries write them
GO_DEF = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10")
PY_DEF = (
    "0.005",
    "0.01",
    "0.025",
    "0.05",
    "0.075",
    "0.1",
    "0.25",
    "0.5",
    "0.75",
    "1.0",
    "2.5",
    "5.0",
    "7.5",
    "10.0",
)
FASTAPI = ("0.1", "0.5", "1.0")
OTEL_STABLE = ("0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1")
OTEL_STABLE += ("2.5", "5", "7.5", "10")
OTEL_LEGACY_MS = ("0.0", "5.0", "10.0", "25.0", "50.0", "75.0", "100.0", "250.0", "500.0")
OTEL_LEGACY_MS += ("750.0", "1000.0", "2500.0", "5000.0", "7500.0", "10000.0")


def share_below(bound_seconds: float) -> float:
    """Cumulative share of requests at most ``bound_seconds``."""
    return 1.0 - math.exp(-bound_seconds / MEAN_LATENCY)


@dataclass(frozen=True)
class Counter:
    family: str  # without _total
    #: label sets of the successful and of the failing requests
    ok: dict[str, str]
    error: dict[str, str]


@dataclass(frozen=True)
class Histogram:
    family: str
    les: tuple[str, ...]
    ok: dict[str, str]
    error: dict[str, str]
    #: le values are milliseconds
    ms: bool = False


@dataclass(frozen=True)
class Job:
    job: str
    source: str
    namespace: str | None = "shop"
    counter: Counter | None = None
    histogram: Histogram | None = None
    #: other series: (family, type, labels, value as a function of elapsed seconds)
    extra: tuple[tuple[str, str, dict[str, str], Callable[[float], float]], ...] = ()
    #: the preset that fits (None: infrastructure, discover skips it)
    preset: str | None = None
    #: finite bucket bounds in seconds
    bounds: tuple[float, ...] = field(default=())


def _ms(les: tuple[str, ...]) -> tuple[float, ...]:
    return tuple(round(float(x) / 1000, 9) for x in les)


OTEL_LEGACY_LABELS = {
    "http_flavor": "1.1",
    "http_host": "10.0.0.5:8080",
    "http_method": "GET",
    "http_scheme": "http",
    "http_server_name": "0.0.0.0",
    "net_host_name": "10.0.0.5:8080",
    "net_host_port": "8080",
    "otel_scope_name": "opentelemetry.instrumentation.flask",
    "otel_scope_schema_url": "https://opentelemetry.io/schemas/1.11.0",
    "otel_scope_version": "0.66b1",
}
OTEL_STABLE_LABELS = {
    "http_request_method": "GET",
    "network_protocol_version": "1.1",
    "otel_scope_name": "opentelemetry.instrumentation.flask",
    "otel_scope_schema_url": "https://opentelemetry.io/schemas/1.21.0",
    "otel_scope_version": "0.66b1",
    "url_scheme": "http",
}
GRPC = {"grpc_method": "GetCart", "grpc_service": "shop.Cart"}
ISTIO_LE = ("0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000")
ISTIO_LE += ("10000", "30000", "60000", "300000", "600000", "1800000", "3600000")


def istio(workload: str, code: str) -> dict[str, str]:
    """Istio standard metric labels, destination-reported, as the documented exposition
    (tests/conformance/recorded/istio--documented.prom) writes them."""
    return {
        "reporter": "destination",
        "source_workload": "frontend",
        "source_canonical_service": "frontend",
        "source_canonical_revision": "latest",
        "source_workload_namespace": "shop",
        "source_principal": "spiffe://cluster.local/ns/shop/sa/frontend",
        "source_app": "frontend",
        "source_version": "unknown",
        "source_cluster": "Kubernetes",
        "destination_workload": workload,
        "destination_workload_namespace": "shop",
        "destination_principal": f"spiffe://cluster.local/ns/shop/sa/{workload}",
        "destination_app": workload,
        "destination_version": "v1",
        "destination_service": f"{workload}.shop.svc.cluster.local",
        "destination_canonical_service": workload,
        "destination_canonical_revision": "v1",
        "destination_service_name": workload,
        "destination_service_namespace": "shop",
        "destination_cluster": "Kubernetes",
        "request_protocol": "http",
        "response_code": code,
        "response_flags": "-",
        "connection_security_policy": "mutual_tls",
    }


JOBS: tuple[Job, ...] = (
    Job(
        "fastapi-app",
        "prometheus-fastapi-instrumentator 8.1",
        counter=Counter(
            "http_requests",
            {"handler": "/ok", "method": "GET", "status": "2xx"},
            {"handler": "/fail", "method": "GET", "status": "5xx"},
        ),
        histogram=Histogram(
            "http_request_duration_seconds",
            FASTAPI,
            {"handler": "/ok", "method": "GET"},
            {"handler": "/fail", "method": "GET"},
        ),
        preset="fastapi-instrumentator",
        bounds=(0.1, 0.5, 1.0),
    ),
    Job(
        "flask-app",
        "prometheus-flask-exporter 0.23",
        counter=Counter(
            "flask_http_request",
            {"method": "GET", "status": "200"},
            {"method": "GET", "status": "500"},
        ),
        histogram=Histogram(
            "flask_http_request_duration_seconds",
            PY_DEF,
            {"method": "GET", "path": "/ok", "status": "200"},
            {"method": "GET", "path": "/fail", "status": "500"},
        ),
        preset="flask-exporter",
        bounds=tuple(float(x) for x in PY_DEF),
    ),
    Job(
        "starlette-app",
        "starlette-exporter 0.24",
        counter=Counter(
            "starlette_requests",
            {"app_name": "starlette", "method": "GET", "path": "/ok", "status_code": "200"},
            {"app_name": "starlette", "method": "GET", "path": "/fail", "status_code": "500"},
        ),
        histogram=Histogram(
            "starlette_request_duration_seconds",
            PY_DEF,
            {"app_name": "starlette", "method": "GET", "path": "/ok", "status_code": "200"},
            {"app_name": "starlette", "method": "GET", "path": "/fail", "status_code": "500"},
        ),
        preset="starlette-exporter",
        bounds=tuple(float(x) for x in PY_DEF),
    ),
    Job(
        "otel-app",
        "OpenTelemetry Python 1.45 / opentelemetry-instrumentation-flask 0.66b1 (default, "
        "legacy semconv)",
        histogram=Histogram(
            "http_server_duration_milliseconds",
            OTEL_LEGACY_MS,
            {**OTEL_LEGACY_LABELS, "http_status_code": "200", "http_target": "/ok"},
            {**OTEL_LEGACY_LABELS, "http_status_code": "500", "http_target": "/fail"},
            ms=True,
        ),
        preset="otel-http-legacy",
        bounds=_ms(OTEL_LEGACY_MS),
    ),
    Job(
        "otel-stable-app",
        "OpenTelemetry Python 1.45 / opentelemetry-instrumentation-flask 0.66b1 with "
        "OTEL_SEMCONV_STABILITY_OPT_IN=http",
        histogram=Histogram(
            "http_server_request_duration_seconds",
            OTEL_STABLE,
            {**OTEL_STABLE_LABELS, "http_response_status_code": "200", "http_route": "/ok"},
            {**OTEL_STABLE_LABELS, "http_response_status_code": "500", "http_route": "/fail"},
        ),
        preset="otel-http",
        bounds=tuple(float(x) for x in OTEL_STABLE),
    ),
    Job(
        "grpc-py",
        "py-grpc-prometheus 0.8",
        counter=Counter(
            "grpc_server_handled",
            {"grpc_code": "OK", **GRPC, "grpc_type": "UNARY"},
            {"grpc_code": "INTERNAL", **GRPC, "grpc_type": "UNARY"},
        ),
        histogram=Histogram(
            "grpc_server_handling_seconds",
            PY_DEF,
            {**GRPC, "grpc_type": "UNARY"},
            {**GRPC, "grpc_type": "UNARY"},
        ),
        preset="grpc",
        bounds=tuple(float(x) for x in PY_DEF),
    ),
    Job(
        "grpc-go",
        "go-grpc-prometheus 1.2 (EnableHandlingTimeHistogram)",
        namespace=None,
        counter=Counter(
            "grpc_server_handled",
            {"grpc_code": "OK", **GRPC, "grpc_type": "unary"},
            {"grpc_code": "Internal", **GRPC, "grpc_type": "unary"},
        ),
        histogram=Histogram(
            "grpc_server_handling_seconds",
            GO_DEF,
            {**GRPC, "grpc_type": "unary"},
            {**GRPC, "grpc_type": "unary"},
        ),
        extra=(
            (
                "grpc_server_handled",
                "counter",
                {"grpc_code": "Unavailable", **GRPC, "grpc_type": "unary"},
                lambda _: 0.0,
            ),
        ),
        preset="grpc",
        bounds=tuple(float(x) for x in GO_DEF),
    ),
    Job(
        "go-app",
        "client_golang 1.x promhttp InstrumentHandlerCounter / InstrumentHandlerDuration",
        counter=Counter(
            "http_requests",
            {"code": "200", "handler": "/ok", "method": "get"},
            {"code": "500", "handler": "/fail", "method": "get"},
        ),
        histogram=Histogram(
            "http_request_duration_seconds",
            GO_DEF,
            {"code": "200", "handler": "/ok", "method": "get"},
            {"code": "500", "handler": "/fail", "method": "get"},
        ),
        preset="prometheus-http",
        bounds=tuple(float(x) for x in GO_DEF),
    ),
    Job(
        "istio-mesh",
        "Istio 1.2x standard metrics (documented exposition; not run here): the sidecars of "
        "two workloads, cart and reviews, scraped as one job",
        counter=Counter("istio_requests", istio("cart", "200"), istio("cart", "503")),
        histogram=Histogram(
            "istio_request_duration_milliseconds",
            ISTIO_LE,
            istio("cart", "200"),
            istio("cart", "503"),
            ms=True,
        ),
        extra=(
            ("istio_requests", "counter", istio("reviews", "200"), lambda s: s * RPS * 0.99),
            ("istio_requests", "counter", istio("reviews", "503"), lambda s: s * RPS * 0.01),
        ),
        preset="istio",
        bounds=_ms(ISTIO_LE),
    ),
    Job(
        "prometheus",
        "Prometheus 2.42 (itself)",
        namespace="monitoring",
        extra=(
            ("prometheus_build_info", "gauge", {"version": "2.42.0"}, lambda _: 1.0),
            (
                "prometheus_http_requests",
                "counter",
                {"code": "200", "handler": "/api/v1/query"},
                lambda s: s * 0.5,
            ),
        ),
    ),
    Job(
        "node-exporter",
        "node_exporter 1.5",
        namespace="monitoring",
        extra=(
            ("node_exporter_build_info", "gauge", {"version": "1.5.0"}, lambda _: 1.0),
            ("node_cpu_seconds", "counter", {"cpu": "0", "mode": "idle"}, lambda s: s * 0.9),
        ),
    ),
)
#: kube-state-metrics: one healthy Deployment per app job (namespace "default" without one)
JOBS += (
    Job(
        "kube-state-metrics",
        "kube-state-metrics 2.8",
        namespace="monitoring",
        extra=tuple(
            (
                metric,
                "gauge",
                {"deployment": j.job, "namespace": j.namespace or "default"},
                lambda _: 2.0,
            )
            for metric in (
                "kube_deployment_spec_replicas",
                "kube_deployment_status_replicas_available",
            )
            for j in JOBS
            if j.preset
        ),
    ),
)
JOB = {j.job: j for j in JOBS}


def _labels(labels: dict[str, str]) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def write_openmetrics(path: Path, end: float) -> float:
    """All jobs' series for ``HOURS`` hours ending at ``end``; returns the last timestamp."""
    end = float(int(end) - int(end) % STEP)
    times = [end - HOURS * 3600 + i * STEP for i in range(HOURS * 3600 // STEP + 1)]
    families: dict[str, tuple[str, list[str]]] = {}

    def add(family: str, kind: str, lines: list[str]) -> None:
        families.setdefault(family, (kind, []))[1].extend(lines)

    for n, job in enumerate(JOBS):
        target = {"instance": f"10.0.0.{n + 1}:8080", "job": job.job}
        if job.namespace:
            target["namespace"] = job.namespace
        add("up", "gauge", [f"up{_labels(target)} 1 {t:.0f}" for t in times])
        counts = [
            (i * STEP * RPS * (1 - ERROR_RATIO), i * STEP * RPS * ERROR_RATIO)
            for i in range(len(times))
        ]
        if job.counter:
            c = job.counter
            for labels, which in ((c.ok, (0,)), (c.error, (1,))):
                name = f"{c.family}_total{_labels({**labels, **target})}"
                add(
                    c.family,
                    "counter",
                    [
                        f"{name} {sum(v[w] for w in which):.3f} {t:.0f}"
                        for t, v in zip(times, counts, strict=True)
                    ],
                )
        if job.histogram:
            h = job.histogram
            # a histogram without a status label (grpc, fastapi): one series for both
            kinds = ((h.ok, (0,)), (h.error, (1,))) if h.ok != h.error else ((h.ok, (0, 1)),)
            for labels, which in kinds:
                lines = []
                for le in (*h.les, "+Inf"):
                    bound = float(le) / (1000 if h.ms else 1) if le != "+Inf" else math.inf
                    share = 1.0 if le == "+Inf" else share_below(bound)
                    sel = _labels({**labels, **target, "le": le})
                    lines += [
                        f"{h.family}_bucket{sel} {sum(v[w] for w in which) * share:.3f} {t:.0f}"
                        for t, v in zip(times, counts, strict=True)
                    ]
                sel = _labels({**labels, **target})
                lines += [
                    f"{h.family}_count{sel} {sum(v[w] for w in which):.3f} {t:.0f}"
                    for t, v in zip(times, counts, strict=True)
                ]
                scale = 1000 if h.ms else 1
                lines += [
                    f"{h.family}_sum{sel} {sum(v[w] for w in which) * MEAN_LATENCY * scale:.3f} {t:.0f}"
                    for t, v in zip(times, counts, strict=True)
                ]
                add(h.family, "histogram", lines)
        for family, kind, labels, value in job.extra:
            name = family + ("_total" if kind == "counter" else "")
            sel = (
                _labels({**labels, **target})
                if "namespace" not in labels
                else _labels({**target, **labels})
            )
            add(family, kind, [f"{name}{sel} {value(t - times[0]):.3f} {t:.0f}" for t in times])
    out: list[str] = []
    for family, (kind, lines) in families.items():
        out.append(f"# TYPE {family} {kind}")
        out += lines
    out.append("# EOF")
    path.write_text("\n".join(out) + "\n")
    return end
