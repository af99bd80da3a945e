"""Preset detection without a server: expositions as the real libraries write them.

Each snippet is a verbatim excerpt (label sets and le spellings) of a ``/metrics`` page
recorded from the named library on this machine (tests/conformance/recorded/ on the
conformance branch), with a request counted as a success and one as a failure.
"""

from __future__ import annotations

import pytest

from obskit.catalog.presets import PRESETS
from obskit.detect import Exported, case_misses, rank, score, shape_misfits, suggest

#: prometheus-fastapi-instrumentator 8.1
FASTAPI = """\
# TYPE http_requests_total counter
http_requests_total{handler="/ok",method="GET",status="2xx"} 5.0
http_requests_total{handler="/fail",method="GET",status="5xx"} 2.0
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{handler="/ok",le="0.1",method="GET"} 5.0
http_request_duration_seconds_bucket{handler="/ok",le="0.5",method="GET"} 5.0
http_request_duration_seconds_bucket{handler="/ok",le="1.0",method="GET"} 5.0
http_request_duration_seconds_bucket{handler="/ok",le="+Inf",method="GET"} 5.0
http_request_duration_seconds_count{handler="/ok",method="GET"} 5.0
http_request_duration_seconds_sum{handler="/ok",method="GET"} 0.01
"""
#: client_golang promhttp
PROMHTTP = """\
# TYPE http_requests_total counter
http_requests_total{code="200",handler="/ok",method="get"} 5
http_requests_total{code="500",handler="/fail",method="get"} 2
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{code="200",handler="/ok",method="get",le="0.25"} 5
http_request_duration_seconds_bucket{code="200",handler="/ok",method="get",le="1"} 5
http_request_duration_seconds_bucket{code="200",handler="/ok",method="get",le="+Inf"} 5
http_request_duration_seconds_count{code="200",handler="/ok",method="get"} 5
http_request_duration_seconds_sum{code="200",handler="/ok",method="get"} 0.01
"""
#: prometheus-flask-exporter 0.23
FLASK = """\
# TYPE flask_http_request_total counter
flask_http_request_total{method="GET",status="200"} 5.0
flask_http_request_total{method="GET",status="500"} 2.0
# TYPE flask_http_request_duration_seconds histogram
flask_http_request_duration_seconds_bucket{le="0.25",method="GET",path="/ok",status="200"} 5.0
flask_http_request_duration_seconds_bucket{le="+Inf",method="GET",path="/ok",status="200"} 5.0
flask_http_request_duration_seconds_count{method="GET",path="/ok",status="200"} 5.0
flask_http_request_duration_seconds_sum{method="GET",path="/ok",status="200"} 0.01
flask_http_request_duration_seconds_bucket{le="0.25",method="GET",path="/fail",status="500"} 2.0
flask_http_request_duration_seconds_bucket{le="+Inf",method="GET",path="/fail",status="500"} 2.0
flask_http_request_duration_seconds_count{method="GET",path="/fail",status="500"} 2.0
flask_http_request_duration_seconds_sum{method="GET",path="/fail",status="500"} 0.01
"""
#: starlette-exporter 0.24
STARLETTE = """\
# TYPE starlette_requests_total counter
starlette_requests_total{app_name="starlette",method="GET",path="/ok",status_code="200"} 5.0
starlette_requests_total{app_name="starlette",method="GET",path="/fail",status_code="500"} 2.0
# TYPE starlette_request_duration_seconds histogram
starlette_request_duration_seconds_bucket{app_name="starlette",le="0.25",method="GET",path="/ok",status_code="200"} 5.0
starlette_request_duration_seconds_bucket{app_name="starlette",le="+Inf",method="GET",path="/ok",status_code="200"} 5.0
starlette_request_duration_seconds_count{app_name="starlette",method="GET",path="/ok",status_code="200"} 5.0
starlette_request_duration_seconds_sum{app_name="starlette",method="GET",path="/ok",status_code="200"} 0.01
"""
#: OpenTelemetry Python 1.45 / opentelemetry-instrumentation-flask 0.66b1, default (legacy)
OTEL_LEGACY = """\
# TYPE http_server_duration_milliseconds histogram
http_server_duration_milliseconds_bucket{http_method="GET",http_status_code="500",http_target="/fail",le="250.0"} 2.0
http_server_duration_milliseconds_bucket{http_method="GET",http_status_code="500",http_target="/fail",le="+Inf"} 2.0
http_server_duration_milliseconds_count{http_method="GET",http_status_code="500",http_target="/fail"} 2.0
http_server_duration_milliseconds_sum{http_method="GET",http_status_code="500",http_target="/fail"} 3.0
"""
#: the same with OTEL_SEMCONV_STABILITY_OPT_IN=http
OTEL_STABLE = """\
# TYPE http_server_request_duration_seconds histogram
http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/ok",le="0.25"} 5.0
http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/ok",le="+Inf"} 5.0
http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/ok"} 5.0
http_server_request_duration_seconds_sum{http_request_method="GET",http_response_status_code="200",http_route="/ok"} 0.01
"""
#: py-grpc-prometheus 0.8
GRPC_PY = """\
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_code="OK",grpc_method="Ok",grpc_service="conformance.Probe",grpc_type="UNARY"} 5.0
grpc_server_handled_total{grpc_code="INTERNAL",grpc_method="Fail",grpc_service="conformance.Probe",grpc_type="UNARY"} 2.0
"""
#: go-grpc-prometheus 1.2
GRPC_GO = """\
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_code="OK",grpc_method="Ok",grpc_service="conformance.Probe",grpc_type="unary"} 5
grpc_server_handled_total{grpc_code="Internal",grpc_method="Fail",grpc_service="conformance.Probe",grpc_type="unary"} 2
grpc_server_handled_total{grpc_code="DataLoss",grpc_method="Fail",grpc_service="conformance.Probe",grpc_type="unary"} 0
"""
#: Micrometer (documented exposition)
MICROMETER = """\
# TYPE http_server_requests_seconds summary
http_server_requests_seconds_count{exception="None",method="GET",outcome="SUCCESS",status="200",uri="/ok"} 5.0
http_server_requests_seconds_sum{exception="None",method="GET",outcome="SUCCESS",status="200",uri="/ok"} 0.01
"""
#: Istio (documented exposition)
ISTIO = """\
# TYPE istio_requests_total counter
istio_requests_total{reporter="destination",response_code="503",destination_workload="cart",destination_workload_namespace="shop"} 2
"""

CASES = [
    ("fastapi-instrumentator", FASTAPI),
    ("prometheus-http", PROMHTTP),
    ("flask-exporter", FLASK),
    ("starlette-exporter", STARLETTE),
    ("otel-http-legacy", OTEL_LEGACY),
    ("otel-http", OTEL_STABLE),
    ("grpc", GRPC_PY),
    ("grpc", GRPC_GO),
    ("micrometer", MICROMETER),
    ("istio", ISTIO),
]


@pytest.mark.parametrize(
    ("want", "text"), CASES, ids=[f"{w}-{i}" for i, (w, _) in enumerate(CASES)]
)
def test_each_library_gets_its_preset(want: str, text: str) -> None:
    exported = Exported.from_exposition(text)
    best = suggest(exported)
    assert best is not None, rank(exported)[:2]
    assert best.name == want, [(c.name, c.fits, c.score, c.reasons) for c in rank(exported)[:3]]
    # and exactly one built-in fits (grpc: both spellings, one preset)
    assert [c.name for c in rank(exported) if c.fits] == [want]


def test_fastapi_and_promhttp_are_told_apart_by_label_and_shape() -> None:
    fastapi = Exported.from_exposition(FASTAPI)
    promhttp = Exported.from_exposition(PROMHTTP)
    wrong = score(PRESETS["prometheus-http"], fastapi)
    assert not wrong.fits
    assert "no label code on it (labels: handler, method, status)" in wrong.reasons
    wrong = score(PRESETS["fastapi-instrumentator"], promhttp)
    assert not wrong.fits and any(r.startswith("no label status") for r in wrong.reasons)
    # the same label name with the other shape: status="200" still fits fastapi (ungrouped
    # status codes), status="2xx" does not fit a numeric shape
    grouped = Exported.from_exposition(FASTAPI.replace('status="', 'code="'))
    assert shape_misfits(PRESETS["prometheus-http"], ["2xx", "5xx", "200"]) == ["2xx", "5xx"]
    assert not score(PRESETS["prometheus-http"], grouped).fits


def test_bucket_bounds_are_in_seconds() -> None:
    best = suggest(Exported.from_exposition(OTEL_LEGACY))
    assert best is not None and best.bounds_seconds == (0.25,)
    best = suggest(Exported.from_exposition(FASTAPI))
    assert best is not None and best.bounds_seconds == (0.1, 0.5, 1.0) and best.has_histogram


def test_case_of_grpc_codes() -> None:
    go_only = PRESETS["grpc"].model_copy(update={"error_regex": "Internal|Unavailable"})
    assert case_misses(go_only, ["OK", "INTERNAL", "Internal"]) == ["INTERNAL"]
    assert case_misses(PRESETS["grpc"], ["INTERNAL"]) == []
    custom = go_only.model_copy(update={"name": "grpc-go-only"})
    # the catalog's case-sensitive preset does not fit Python's codes; the built-in does
    ranked = rank(Exported.from_exposition(GRPC_PY), [custom])
    assert [c.name for c in ranked if c.fits] == ["grpc"]
    assert [c.name for c in rank(Exported.from_exposition(GRPC_GO), [custom]) if c.fits] == [
        "grpc-go-only",  # a catalog preset wins a tie
        "grpc",
    ]


def test_nothing_fits() -> None:
    exported = Exported.from_exposition("# TYPE foo_total counter\nfoo_total 1\n")
    assert suggest(exported) is None
    assert all(c.score == 0 for c in rank(exported))
