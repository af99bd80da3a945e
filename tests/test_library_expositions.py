"""The hand-built library series (tests/library_expositions.py) against the recordings.

Preview and discover tests backfill a real Prometheus with series built in
``library_expositions.JOBS``. Those series are only proof if they are what the libraries
write: here every job's counter and histogram must have exactly the label names, and the
histogram exactly the ``le`` bounds, of the same metric in the exposition recorded from the
real library (tests/conformance/recorded/, by scripts/record_expositions.py; Istio from its
documentation). A job that drifts from its library fails here, not silently in preview.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from library_expositions import JOB
from prometheus_client.parser import text_string_to_metric_families

RECORDED = Path(__file__).parent / "conformance" / "recorded"
#: job -> the recording of the library it imitates
RECORDING = {
    "fastapi-app": "fastapi-instrumentator--prometheus-fastapi-instrumentator.prom",
    "flask-app": "flask-exporter--prometheus-flask-exporter.prom",
    "starlette-app": "starlette-exporter--starlette-exporter.prom",
    "otel-app": "otel-http-legacy--opentelemetry-instrumentation-flask.prom",
    "otel-stable-app": "otel-http--opentelemetry-instrumentation-flask.prom",
    "grpc-py": "grpc--py-grpc-prometheus.prom",
    "grpc-go": "grpc--go-grpc-prometheus.prom",
    "go-app": "prometheus-http--client_golang.prom",
    "istio-mesh": "istio--documented.prom",
}
#: labels the scrape adds; recordings made off a scrape may carry them
SCRAPE = {"job", "instance", "namespace"}


def _recorded(name: str) -> dict[str, list[dict[str, str]]]:
    """Sample name -> label sets, from one recording."""
    out: dict[str, list[dict[str, str]]] = {}
    for family in text_string_to_metric_families((RECORDED / name).read_text()):
        for s in family.samples:
            out.setdefault(s.name, []).append(dict(s.labels))
    return out


def _names(label_sets: list[dict[str, str]]) -> set[frozenset[str]]:
    return {frozenset(k for k, v in labels.items() if v != "") - SCRAPE for labels in label_sets}


def test_every_app_job_names_a_recording():
    apps = {name for name, job in JOB.items() if job.preset}
    assert apps == set(RECORDING), "map each preset job to the recording of its library"


@pytest.mark.parametrize("job_name", sorted(RECORDING))
def test_job_writes_what_its_library_writes(job_name: str):
    job = JOB[job_name]
    recorded = _recorded(RECORDING[job_name])
    if job.counter:
        name = f"{job.counter.family}_total"
        assert name in recorded, f"{RECORDING[job_name]} has no {name}"
        for labels in (job.counter.ok, job.counter.error):
            assert frozenset(labels) in _names(recorded[name]), (
                f"{job_name}: {name} labels {sorted(labels)} are not a label set the "
                f"library writes: {sorted(map(sorted, _names(recorded[name])))}"
            )
    if job.histogram:
        h = job.histogram
        for suffix in ("_count", "_bucket"):
            name = h.family + suffix
            assert name in recorded, f"{RECORDING[job_name]} has no {name}"
        for labels in (h.ok, h.error):
            assert frozenset(labels) in _names(recorded[h.family + "_count"]), (
                f"{job_name}: {h.family}_count labels {sorted(labels)} are not written by "
                f"the library: {sorted(map(sorted, _names(recorded[h.family + '_count'])))}"
            )
        les = {b["le"] for b in recorded[h.family + "_bucket"]} - {"+Inf"}
        assert {float(x) for x in h.les} == {float(x) for x in les}, (
            f"{job_name}: le bounds {h.les} differ from the library's {sorted(les, key=float)}"
        )
