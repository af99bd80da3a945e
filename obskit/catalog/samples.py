"""Label sets the real instrumentation libraries emit, per built-in preset.

``obskit/data/preset-samples.json`` is derived by ``scripts/derive_preset_samples.py`` from
the expositions recorded from the real libraries (``tests/conformance/recorded/``). Generated
promtool tests take their input series' labels from here, not from the preset definition, so
a preset that disagrees with its library fails its own tests. A preset without a recording (a
catalog's own) gets a sample made from its fields.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from obskit.catalog.presets import Preset

_ERROR_CANDIDATES = ("500", "5xx", "Internal", "INTERNAL", "Unavailable", "error", "ERROR", "true")
_OK_CANDIDATES = ("200", "2xx", "OK", "Ok", "success", "SUCCESS", "false")


@dataclass(frozen=True)
class Sample:
    """One library's series labels (without ``job``/``instance``/``le``) for one preset."""

    library: str
    #: labels of a successful request's counter series
    ok: dict[str, str]
    #: labels of a failed request's counter series
    error: dict[str, str]
    #: labels of a histogram series (``le`` added per bucket)
    histogram: dict[str, str] = field(default_factory=dict)
    #: where the labels come from
    source: str = ""


@cache
def _recorded() -> dict[str, tuple[Sample, ...]]:
    try:
        text = resources.files("obskit").joinpath("data/preset-samples.json").read_text()
    except FileNotFoundError:
        return {}
    data = json.loads(text)
    return {
        preset: tuple(Sample(**entry) for entry in entries)
        for preset, entries in data["presets"].items()
    }


def status_values(preset: Preset) -> tuple[str, str]:
    """(ok, error) values of the status label for a preset without a recording."""
    if preset.test_values is not None:
        return preset.test_values.ok, preset.test_values.error
    err = next((v for v in _ERROR_CANDIDATES if preset.is_error(v)), None)
    ok = next((v for v in _OK_CANDIDATES if not preset.is_error(v)), None)
    if err is None or ok is None:
        raise ValueError(
            f"preset `{preset.name}`: no example error value matches {preset.error_regex!r}; "
            "set the preset's `testValues: {ok: ..., error: ...}`"
        )
    return ok, err


def samples_for(preset: Preset) -> tuple[Sample, ...]:
    """The recorded samples of a built-in preset, else one made from the preset's fields.

    A recording is used whenever it carries the preset's status label, whatever the error
    regex says: a regex that misses the library's real error value then fails the outage
    test instead of being papered over.
    """
    recorded = tuple(
        s
        for s in _recorded().get(preset.builtin or "", ())
        if preset.status_label in s.ok and preset.status_label in s.error
    )
    if recorded:
        return recorded
    ok, err = status_values(preset)
    return (
        Sample(
            library=f"preset {preset.name}",
            ok={preset.status_label: ok},
            error={preset.status_label: err},
            histogram={},
            source="made from the preset's fields (no recording)",
        ),
    )
