"""Preset detection: which metric preset fits what a job really exports.

:class:`Exported` holds what one job writes (metric names, each candidate metric's label
names, the values of its status-like labels, the ``le`` values of its histograms); it is
gathered from a live Prometheus by :func:`gather` or parsed from an exposition by
:meth:`Exported.from_exposition`. :func:`rank` scores every preset against it (built-ins
and a catalog's own), :func:`suggest` returns the best one that fits. A preset *fits* when
its request counter exists, carries the status label, and every observed status value has
the preset's ``status_shape`` (case-insensitively when the error regex is ``(?i)``) and is
not an error the error regex misses only by case. ``fastapi-instrumentator`` and
``prometheus-http`` share ``http_requests_total``: the first writes ``status="2xx"``, the
second ``code="200"``, so only one of them fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from obskit.catalog.presets import PRESETS, Preset

if TYPE_CHECKING:
    from obskit.catalog.model import Catalog
    from obskit.preview.connection import Server

#: how far back a series counts as existing
LOOKBACK_SECONDS = 3600.0
#: at most this many values are named in a reason
SHOW = 6


@dataclass(frozen=True)
class Exported:
    """What one job exports (all fields keyed by metric name)."""

    #: every metric name the job writes
    names: frozenset[str] = frozenset()
    #: label names of the candidate metrics (presets' counters and histograms)
    labels: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: ``(metric, label) -> values`` of status-like labels on the candidate counters
    values: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    #: ``le`` values of the candidate ``_bucket`` series, as written
    les: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_exposition(cls, text: str) -> Exported:
        """From Prometheus text / OpenMetrics exposition (e.g. a recorded ``/metrics``)."""
        from prometheus_client.parser import text_string_to_metric_families

        names: set[str] = set()
        labels: dict[str, set[str]] = {}
        values: dict[tuple[str, str], set[str]] = {}
        les: dict[str, set[str]] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                names.add(sample.name)
                labels.setdefault(sample.name, set()).update(
                    k for k, v in sample.labels.items() if v != ""
                )
                for label, value in sample.labels.items():
                    if label in STATUS_LABELS and value != "":
                        values.setdefault((sample.name, label), set()).add(value)
                if sample.name.endswith("_bucket") and "le" in sample.labels:
                    les.setdefault(sample.name, set()).add(sample.labels["le"])
        return cls(
            names=frozenset(names),
            labels={k: frozenset(v) for k, v in labels.items()},
            values={k: tuple(sorted(v)) for k, v in values.items()},
            les={k: tuple(sorted(v, key=_le_key)) for k, v in les.items()},
        )


@dataclass(frozen=True)
class Candidate:
    """One preset scored against an :class:`Exported`."""

    preset: Preset
    #: the counter exists, carries the status label, and its values have the preset's shape
    fits: bool
    score: float
    #: why, one short phrase each, in check order
    reasons: tuple[str, ...]
    #: the status values seen on the counter
    status_values: tuple[str, ...] = ()
    #: finite histogram bucket bounds in seconds (empty: no histogram)
    bounds_seconds: tuple[float, ...] = ()
    has_histogram: bool = False
    #: True for a preset the catalog declares (``presets:``)
    from_catalog: bool = False

    @property
    def name(self) -> str:
        return self.preset.name

    @property
    def writes(self) -> str:
        """``http_requests_total{status}``: the counter and status label the job writes."""
        return f"{self.preset.requests}{{{self.preset.status_label}}}"


def _le_key(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("inf")


def _all_presets(presets: Iterable[Preset] | None) -> list[tuple[Preset, bool]]:
    """Built-ins first, then the given (catalog) presets; a given one replaces a built-in
    of the same name."""
    extra = list(presets or ())
    names = {p.name for p in extra}
    out = [(p, False) for p in PRESETS.values() if p.name not in names]
    out += [(p, p.name not in PRESETS) for p in extra]
    return out


def _presets_for_labels(presets: Iterable[Preset] | None) -> list[Preset]:
    return [p for p, _ in _all_presets(presets)]


#: every built-in preset's status label: the labels whose values are gathered
STATUS_LABELS: frozenset[str] = frozenset(p.status_label for p in PRESETS.values())


def shape_misfits(preset: Preset, values: Iterable[str]) -> list[str]:
    """Status values that do not have the preset's ``status_shape``."""
    return [v for v in values if not preset.has_status_shape(v)]


def case_misses(preset: Preset, values: Iterable[str]) -> list[str]:
    """Values the error regex matches only when case is ignored (``INTERNAL`` vs
    ``Internal``): errors the SLI would count as successes."""
    return [v for v in values if preset.misses_by_case(v)]


def _list(values: Sequence[str]) -> str:
    more = len(values) - SHOW
    return ", ".join(values[:SHOW]) + (f" (+{more} more)" if more > 0 else "")


def _bounds(preset: Preset, les: Sequence[str]) -> tuple[float, ...]:
    scale = 0.001 if preset.unit == "ms" else 1.0
    out = set()
    for le in les:
        value = _le_key(le)
        if value != float("inf"):
            out.add(round(value * scale, 9))
    return tuple(sorted(out))


def score(preset: Preset, exported: Exported, from_catalog: bool = False) -> Candidate:
    """How well ``preset`` describes ``exported`` (see the module docstring)."""
    reasons: list[str] = []
    total = 0.0
    counter, label = preset.requests, preset.status_label
    if counter not in exported.names:
        return Candidate(preset, False, 0.0, (f"no {counter}",), from_catalog=from_catalog)
    total += 4
    reasons.append(f"{counter} exists")
    labels = exported.labels.get(counter, frozenset())
    fits = True
    values: tuple[str, ...] = ()
    if label not in labels:
        fits = False
        others = sorted(labels - {"le", "job", "instance", "namespace"})
        reasons.append(f"no label {label} on it (labels: {_list(others) or 'none'})")
    else:
        total += 4
        values = exported.values.get((counter, label), ())
        wrong = shape_misfits(preset, values)
        missed = case_misses(preset, values)
        if not values:
            fits = False
            reasons.append(f"{label} has no values")
        elif wrong:
            fits = False
            reasons.append(f"{label} values {_list(wrong)} do not fit {preset.status_shape}")
        elif missed:
            fits = False
            reasons.append(
                f"{label} values {_list(missed)} are errors the case-sensitive error regex misses"
            )
        else:
            total += 4
            reasons.append(f"{label} values {_list(values)} fit {preset.status_shape}")
    for fixed in preset.matchers:
        if fixed in labels:
            total += 0.5
    if preset.handler_label and preset.handler_label in labels:
        total += 0.5
    bounds: tuple[float, ...] = ()
    has_histogram = False
    if preset.has_histogram:
        if preset.histogram in exported.names:
            has_histogram = True
            total += 2
            bounds = _bounds(preset, exported.les.get(preset.histogram, ()))
            shown = ", ".join(f"{b:g}" for b in bounds)
            reasons.append(f"{preset.histogram} exists (bounds {shown or 'none'} s)")
            defaults = set(preset.buckets_seconds)
            if defaults and bounds:
                total += len(defaults & set(bounds)) / len(defaults | set(bounds))
        else:
            reasons.append(f"no {preset.histogram}")
    return Candidate(
        preset,
        fits,
        total,
        tuple(reasons),
        status_values=values,
        bounds_seconds=bounds,
        has_histogram=has_histogram,
        from_catalog=from_catalog,
    )


def rank(exported: Exported, presets: Iterable[Preset] | None = None) -> list[Candidate]:
    """Every preset (built-ins and ``presets``), best first: fitting ones, then by score;
    on a tie a catalog's own preset first, then the built-in order."""
    scored = [score(p, exported, own) for p, own in _all_presets(presets)]
    order = {id(c): i for i, c in enumerate(scored)}
    return sorted(scored, key=lambda c: (not c.fits, -c.score, not c.from_catalog, order[id(c)]))


def suggest(exported: Exported, presets: Iterable[Preset] | None = None) -> Candidate | None:
    """The best fitting preset, or None when none fits."""
    best = rank(exported, presets)
    return best[0] if best and best[0].fits else None


def catalog_presets(catalog: Catalog) -> list[Preset]:
    """The presets a catalog declares (``presets:``), used by a service or not."""
    return list(catalog.presets)


# --- gathering from a live server ----------------------------------------------------------


def _match_params(selector: str, start: datetime, end: datetime) -> dict[str, str]:
    return {
        "match[]": selector,
        "start": f"{start.timestamp():.3f}",
        "end": f"{end.timestamp():.3f}",
    }


def gather(
    server: Server,
    matchers: Sequence[str],
    presets: Iterable[Preset] | None = None,
    at: datetime | None = None,
) -> Exported:
    """What the series under ``matchers`` (e.g. ``['job="api"']``) export, over the last
    hour: only the presets' counters and histograms are looked at in detail.

    Uses the metadata endpoints (``/api/v1/label/.../values`` and ``/api/v1/labels`` with
    ``match[]``), which touch no samples.
    """
    from datetime import UTC

    end = at or datetime.now(tz=UTC)
    start = end - timedelta(seconds=LOOKBACK_SECONDS)
    inner = ", ".join(matchers)
    names = frozenset(
        server.api_get("label/__name__/values", **_match_params("{" + inner + "}", start, end))
        or ()
    )
    candidates = _presets_for_labels(presets)
    counters = {p.requests for p in candidates} & names
    buckets = {p.histogram for p in candidates if p.has_histogram} & names
    status_labels = STATUS_LABELS | {p.status_label for p in candidates}
    labels: dict[str, frozenset[str]] = {}
    values: dict[tuple[str, str], tuple[str, ...]] = {}
    les: dict[str, tuple[str, ...]] = {}
    for metric in sorted(counters | buckets):
        sel = f"{metric}{{{inner}}}"
        labels[metric] = frozenset(server.api_get("labels", **_match_params(sel, start, end)) or ())
        if metric in counters:
            for label in sorted(labels[metric] & status_labels):
                got = server.api_get(f"label/{label}/values", **_match_params(sel, start, end))
                values[(metric, label)] = tuple(sorted(got or ()))
        if metric in buckets:
            got = server.api_get("label/le/values", **_match_params(sel, start, end))
            les[metric] = tuple(sorted(got or (), key=_le_key))
    return Exported(names=names, labels=labels, values=values, les=les)


def describe(candidate: Candidate) -> str:
    """``flask_http_request_duration_seconds_count{status} (values 200, 500)``."""
    shown = f" (values {_list(candidate.status_values)})" if candidate.status_values else ""
    return candidate.writes + shown
