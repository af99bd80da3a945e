"""The recorded expositions (tests/conformance/recorded/) against obskit's presets.

Fast and static: no app runs. Each ``<preset>--<library>.prom`` file must parse as the
Prometheus text format, and the preset it is named after must fit it: the request counter
and the status label exist, both a success and an error value occur and are told apart by
the preset's error regex, the handler label exists and excludes exactly the probes and
``/metrics``, and every histogram bucket bound the
preset accepts as a latency threshold is one the library really writes. The
``*--documented.prom`` files are written from the projects' documentation and source (their
headers say where from); the others are recorded by scripts/record_expositions.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conformance_harness import APPS, RECORDED_DIR

pytestmark = pytest.mark.conformance

RECORDED = sorted(RECORDED_DIR.glob("*.prom"))
DOCUMENTED_PRESETS = ("micrometer", "istio", "nginx-ingress")
#: presets whose buckets are whatever the service configures (the preset lists common
#: choices): every bound the exposition has must be one the preset accepts, not all of them
CONFIGURED_BUCKETS = {"micrometer"}
#: labels a Prometheus scrape renames when the target has its own (honor_labels: false)
SCRAPE_RENAMED = {"exported_namespace": "namespace", "exported_service": "service"}
#: labels the scrape adds (job, instance; namespace from Kubernetes service discovery)
SCRAPE_ADDED = {"job", "instance", "namespace"}
_SAMPLE_NAME = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", re.MULTILINE)

#: handler values of the recordings that are probes or the exporter's own endpoint
PROBE_HANDLERS = {"/metrics", "/healthz"}

_HEADER = re.compile(r"# obskit conformance recording: preset (\S+), library (\S+)$")


def _id(path: Path) -> str:
    return path.stem


def _samples(path: Path) -> list[tuple[str, dict[str, str], float]]:
    """(name as written, labels, value); prometheus_client's parser appends ``_total`` to
    counters written without it (ingress-nginx's ``..._requests``): undo that."""
    text = path.read_text()
    written = set(_SAMPLE_NAME.findall(text))
    out = []
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            name = s.name
            if name not in written and name.removesuffix("_total") in written:
                name = name.removesuffix("_total")
            out.append((name, dict(s.labels), float(s.value)))
    return out


def test_every_app_and_documented_preset_has_a_recording():
    names = {p.name for p in RECORDED}
    expected = {a.recorded_name for a in APPS} | {
        f"{p}--documented.prom" for p in DOCUMENTED_PRESETS
    }
    assert sorted(expected - names) == [], "run scripts/record_expositions.py"


@pytest.mark.parametrize("path", RECORDED, ids=_id)
def test_recorded_file_parses_and_names_its_library(path: Path):
    text = path.read_text()
    families = list(text_string_to_metric_families(text))
    assert families and any(f.samples for f in families), f"{path.name}: no samples"
    first = text.splitlines()[0]
    m = _HEADER.match(first)
    assert m, f"{path.name}: first line must be the recording header, is {first!r}"
    preset, library = path.stem.split("--", 1)
    assert m.groups() == (preset, library), f"{path.name}: header names {m.groups()}"
    assert any(line.startswith("# versions: ") for line in text.splitlines()[:3])


@pytest.mark.parametrize("path", RECORDED, ids=_id)
def test_preset_fits_the_exposition(path: Path):
    from obskit.catalog.presets import PRESETS

    preset_name, library = path.stem.split("--", 1)
    assert preset_name in PRESETS, f"{path.name}: obskit has no preset {preset_name!r}"
    preset = PRESETS[preset_name]
    samples = _samples(path)
    names = {name for name, _, _ in samples}

    requests = [(labels, v) for name, labels, v in samples if name == preset.requests]
    assert requests, (
        f"{path.name}: no {preset.requests} (preset {preset.name}); has {sorted(names)}"
    )

    for label, op, value in preset.fixed_matchers:
        assert op == "=", "only equality matchers are checked here"
        assert any(labels.get(label) == value for labels, _ in requests), (
            f"{path.name}: no {preset.requests} series with {label}={value!r}"
        )

    status = preset.status_label
    missing = [labels for labels, _ in requests if status not in labels]
    assert not missing, f"{path.name}: {preset.requests} series without {status}: {missing[:2]}"
    values = {labels[status] for labels, v in requests if v > 0}
    assert all(preset.has_status_shape(v) for v in values), f"{path.name}: {status} {values}"
    errors = {v for v in values if preset.is_error(v)}
    assert errors, f"{path.name}: no {status} value with traffic matches {preset.error_regex!r}"
    assert any(preset.is_success(v) for v in values - errors), (
        f"{path.name}: no success among {sorted(values - errors)}"
    )

    if preset.handler_label:
        handler = preset.handler_label
        assert all(handler in labels for labels, _ in requests), (
            f"{path.name}: {preset.requests} lacks the handler label {handler}"
        )
        handlers = {labels[handler] for labels, v in requests if v > 0}
        excluded = {h for h in handlers if preset.excludes_handler(h)}
        probes = {h for h in handlers if h in PROBE_HANDLERS or h.startswith("/actuator/")}
        assert probes <= excluded, (
            f"{path.name}: {handler} values {sorted(probes - excluded)} are probes or the "
            f"exporter's own endpoint but count as requests (excluded: {preset.exclude_handlers})"
        )
        assert handlers - excluded, f"{path.name}: every {handler} value is excluded: {handlers}"

    for label in preset.selector:
        if label in SCRAPE_ADDED:
            continue
        plain = SCRAPE_RENAMED.get(label, label)
        assert all(plain in labels for labels, _ in requests), (
            f"{path.name}: {preset.requests} lacks selector label {plain}"
        )

    if not preset.has_histogram:
        return
    buckets = [labels for name, labels, _ in samples if name == preset.histogram]
    assert buckets, f"{path.name}: no {preset.histogram}; has {sorted(names)}"
    scale = 1000.0 if preset.unit == "ms" else 1.0
    written = {round(float(b["le"]), 9) for b in buckets if b["le"] != "+Inf"}
    accepted = {round(s * scale, 9) for s in preset.buckets_seconds}
    if preset.name in CONFIGURED_BUCKETS:
        extra = sorted(written - accepted)
        assert not extra, f"{path.name}: bounds {extra} are not among the preset's buckets"
    else:
        absent = sorted(accepted - written)
        assert not absent, (
            f"{path.name}: preset {preset.name} accepts latency thresholds at {absent} "
            f"({preset.unit}) that {library} does not write (it writes {sorted(written)}): "
            "an SLO with such a threshold gets no latency SLI (its le matcher selects nothing)"
        )
