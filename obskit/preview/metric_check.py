"""Metric check: does the service export what its SLOs read, before any alert is wrong.

For each service, under its selector: series of the preset's request counter (when none
match, which matcher is to blame, with the values that do exist); the status label on those
series; every observed status value shaped like the preset's (``500`` vs ``5xx`` vs
``INTERNAL``: ``status_shape``, case-insensitive when the error regex is) and no error value
the error regex misses only by case; the latency histogram; each latency threshold against
the ``le`` bounds the histogram really has; kube-state-metrics series for the workload.

When the counter, the status label, its values or the histogram do not match, preset
detection (:mod:`obskit.detect`) looks at what the job really writes and a ``preset`` check
names the fix: ``job flask-app writes flask_http_request_duration_seconds_count{status}
(values 200, 500): use preset flask-exporter``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable

from obskit.catalog.model import ResolvedService
from obskit.catalog.presets import Preset, format_le, split_matcher
from obskit.detect import case_misses, describe, gather, rank, shape_misfits
from obskit.preview.connection import QueryFailed, Server
from obskit.preview.report import Check
from obskit.queries import has_metrics, label_matcher, le_matcher, matchers, preset_of

#: how far back a series counts as existing (a service may be idle for a few minutes)
LOOKBACK = "1h"
#: kube-state-metrics: metric-name prefix and the label naming the object, per workload kind
KSM_WORKLOAD = {
    "Deployment": ("kube_deployment_", "deployment"),
    "StatefulSet": ("kube_statefulset_", "statefulset"),
    "DaemonSet": ("kube_daemonset_", "daemonset"),
}
#: any kube-state-metrics workload series (is kube-state-metrics scraped at all?)
KSM_ANY = '{__name__=~"kube_(deployment|statefulset|daemonset)_.+"}'
#: failures of these checks mean the preset may be the wrong one: detection names the fix
DETECT_ON = frozenset({"requests", "status label", "status values", "latency histogram"})
#: at most this many existing label values are listed in a message
SHOW_VALUES = 8


def _count(server: Server, selector: str) -> int:
    query = f"count(last_over_time({selector}[{LOOKBACK}]))"
    result = server.query(query)
    if not result:
        return 0
    value = float(result[0]["value"][1])
    if not (math.isfinite(value) and value >= 0):
        raise QueryFailed(f"Prometheus at {server.url}: {query} returned {value:g}, not a count")
    return int(value)


def _values(server: Server, selector: str, label: str) -> list[str]:
    result = server.query(f"count by ({label}) (last_over_time({selector}[{LOOKBACK}]))")
    return sorted({r["metric"].get(label, "") for r in result} - {""})


def _sel(name: str, parts: Iterable[str]) -> str:
    return f"{name}{{{', '.join(parts)}}}"


def _list(values: list[str]) -> str:
    shown = ", ".join(values[:SHOW_VALUES])
    more = len(values) - SHOW_VALUES
    return shown + (f" (+{more} more)" if more > 0 else "")


def _diagnose(server: Server, metric: str, parts: list[str]) -> str:
    """Why ``metric{parts}`` matches nothing: the metric is absent, or which matcher is off."""
    if _count(server, _sel(metric, [])) == 0:
        return f"no series named {metric} on this server (not instrumented, or not scraped?)"
    problems: list[str] = []
    for part in parts:
        if _count(server, _sel(metric, [part])):
            continue
        label, _, raw = part.partition("=")
        label = label.rstrip("!~")
        value = raw.lstrip("~").strip('"')
        if re.fullmatch(r'\w+="[^"]+"', part) and _count(server, f"{{{part}}}"):
            # the label value is right, the metric is not (a wrong preset)
            problems.append(f"{part} has series, but none named {metric}")
            continue
        existing = _values(server, metric, label)
        if not existing:
            problems.append(f'{part}: {metric} has no label "{label}"')
            continue
        hint = difflib.get_close_matches(value, existing, n=1, cutoff=0.6)
        did_you_mean = f' (did you mean "{hint[0]}"?)' if hint else ""
        problems.append(f"{part} matches nothing{did_you_mean}; {label} values: {_list(existing)}")
    if not problems:
        return "each matcher matches some series, but no series matches all of them"
    return "; ".join(problems)


def _series_check(server: Server, check: str, metric: str, parts: list[str]) -> Check:
    selector = _sel(metric, parts)
    count = _count(server, selector)
    if count:
        return Check(check, "ok", f"{count} series of {selector}", count)
    return Check(check, "fail", f"0 series of {selector}: {_diagnose(server, metric, parts)}", 0)


def _le_accepts(matcher: str, value: str) -> bool:
    """Whether the ``le`` matcher text (``le="0.3"``, ``le=~"1(\\.0)?"``) selects ``value``."""
    import promql_parser as pp

    vs = pp.parse(f"x{{{matcher}}}")
    m = next(m for m in vs.matchers.matchers if m.name != "__name__")
    if m.op == pp.MatchOp.Equal:
        return value == m.value
    if m.op == pp.MatchOp.NotEqual:
        return value != m.value
    found = re.fullmatch(m.value, value) is not None
    return found if m.op == pp.MatchOp.Re else not found


def _float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _bucket_checks(
    server: Server, service: ResolvedService, parts: list[str], histogram_found: bool
) -> list[Check]:
    preset = preset_of(service)
    latency = [s for s in service.slos if s.kind == "latency" and s.threshold_seconds is not None]
    if not latency:
        return []
    les = _values(server, _sel(preset.histogram, parts), "le") if histogram_found else []
    out: list[Check] = []
    for slo in latency:
        assert slo.threshold_seconds is not None
        want = format_le(slo.threshold_seconds, preset.unit)
        matcher = le_matcher(service, slo.threshold_seconds)
        name = f"latency bucket ({slo.name})"
        hits = [le for le in les if _le_accepts(matcher, le)]
        if not les:
            out.append(Check(name, "fail", f"no {preset.histogram} buckets to check {want}"))
        elif hits:
            out.append(Check(name, "ok", f'{matcher} matches le="{hits[0]}"'))
        else:
            target = float(want)
            numeric = sorted((v, t) for t in les if (v := _float(t)) is not None)
            same = [t for v, t in numeric if abs(v - target) < 1e-9]
            if same:
                detail = f'le="{same[0]}" exists but the SLO queries {matcher} (exact text)'
            else:
                below = [t for v, t in numeric if v < target][-1:]
                above = [t for v, t in numeric if v > target][:1]
                nearest = " and ".join(f'le="{t}"' for t in below + above)
                detail = f"no bucket {matcher} ({slo.threshold}); nearest: {nearest}"
            out.append(Check(name, "fail", detail))
    return out


def _workload_check(server: Server, service: ResolvedService) -> Check:
    kind = service.workload.kind
    prefix, label = KSM_WORKLOAD[kind]
    name = f'{{__name__=~"{prefix}.+"'
    ns, wl = service.namespace, service.workload_name
    count = _count(server, f'{name}, namespace="{ns}", {label}="{wl}"}}')
    check = "kube-state-metrics"
    if count:
        return Check(check, "ok", f"{count} {prefix}* series for {kind} {ns}/{wl}", count)
    if _count(server, KSM_ANY) == 0:
        return Check(
            check,
            "warn",
            "no kube-state-metrics series on this server: workload alerts stay silent",
        )
    existing = _values(server, f'{name}, namespace="{ns}"}}', label)
    if not existing:
        return Check(check, "fail", f"no {kind} in namespace {ns} ({prefix}* has none)", 0)
    hint = difflib.get_close_matches(wl, existing, n=1, cutoff=0.6)
    did_you_mean = f' (did you mean "{hint[0]}"?)' if hint else ""
    return Check(
        check,
        "fail",
        f"no {kind} {ns}/{wl}{did_you_mean}; {kind}s in {ns}: {_list(existing)}",
        0,
    )


def _status_checks(server: Server, preset: Preset, parts: list[str]) -> list[Check]:
    """The status label on the counter's series, and the shape of its values."""
    label = preset.status_label
    base = _sel(preset.requests, parts)
    with_label = _count(server, _sel(preset.requests, [*parts, f'{label}!=""']))
    if not with_label:
        present = _label_names(server, base)
        others = ", ".join(sorted(present)) or "none"
        return [
            Check(
                "status label",
                "fail",
                f'no series of {base} has the label "{label}" (its labels: {others})',
                0,
            )
        ]
    total = _count(server, base)
    share = f"{with_label} of {total}" if total != with_label else f"{with_label}"
    out = [Check("status label", "ok", f"{label} on {share} series of {base}", with_label)]
    values = _values(server, base, label)
    wrong = shape_misfits(preset, values)
    missed = case_misses(preset, values)
    if wrong:
        out.append(
            Check(
                "status values",
                "fail",
                f"{label} values {_list(wrong)} do not have the preset's shape "
                f"{preset.status_shape} (error regex {preset.error_regex})",
            )
        )
    elif missed:
        out.append(
            Check(
                "status values",
                "fail",
                f"{label} values {_list(missed)} are errors that the error regex "
                f"{preset.error_regex} misses by case: they count as successes",
            )
        )
    else:
        out.append(
            Check(
                "status values",
                "ok",
                f"{label} values {_list(values)} fit {preset.status_shape}",
                len(values),
            )
        )
    return out


def _label_names(server: Server, selector: str) -> set[str]:
    from datetime import UTC, datetime, timedelta

    end = datetime.now(tz=UTC)
    start = end - timedelta(hours=1)
    names = server.api_get(
        "labels",
        **{
            "match[]": selector,
            "start": f"{start.timestamp():.3f}",
            "end": f"{end.timestamp():.3f}",
        },
    )
    return set(names or ()) - {"__name__"}


def _who(service: ResolvedService) -> str:
    """``job flask-app`` (the selector's job), else the selector."""
    job = service.metrics.selector.get("job")
    if job is not None and split_matcher(job)[0] == "=":
        return f"job {job}"
    sel = [label_matcher(k, v) for k, v in sorted(service.metrics.selector.items())]
    return "{" + ", ".join(sel) + "}"


def preset_suggestion(
    server: Server, service: ResolvedService, presets: list[Preset] | None = None
) -> Check | None:
    """The ``preset`` check: what the job really writes and which preset reads it (None
    when the selector matches no series at all: the selector is what is wrong)."""
    sel = [label_matcher(k, v) for k, v in sorted(service.metrics.selector.items())]
    exported = gather(server, sel, presets)
    if not exported.names:
        return None
    ranked = rank(exported, presets)
    who = _who(service)
    current = service.metrics.preset
    best = ranked[0] if ranked and ranked[0].fits else None
    if best is None:
        top = ranked[0] if ranked and ranked[0].score > 0 else None
        if top is not None:
            why = f"nearest: {top.name} ({'; '.join(top.reasons)})"
        else:
            shown = sorted(n for n in exported.names if not n.startswith(("go_", "process_")))
            why = f"its metrics: {_list(shown)}"
        return Check(
            "preset",
            "fail",
            f"no preset fits what {who} writes ({why}): declare one under `presets:` or give "
            "the SLOs their own `sli:`",
        )
    if best.name == current:
        canonical = {c.name: c.preset for c in ranked}.get(current)
        if canonical == service.metrics.spec:
            return None  # the preset is right: the other checks say what is missing
        return Check(
            "preset",
            "fail",
            f"{who} writes {describe(best)}: preset {current} fits without the service's "
            "metrics.overrides",
        )
    return Check("preset", "fail", f"{who} writes {describe(best)}: use preset {best.name}")


def check_service(
    server: Server, service: ResolvedService, presets: list[Preset] | None = None
) -> tuple[Check, ...]:
    """Every metric check of one service (query failures become failed checks).

    ``presets``: the catalog's own presets, candidates for the ``preset`` suggestion
    besides the built-ins (:func:`obskit.detect.catalog_presets`).
    """
    out: list[Check] = []
    try:
        if has_metrics(service):
            preset = preset_of(service)
            parts = matchers(service)
            requests = _series_check(server, "requests", preset.requests, parts)
            out.append(requests)
            if requests.status == "ok":
                out += _status_checks(server, preset, parts)
            if preset.has_histogram:
                histogram = _series_check(server, "latency histogram", preset.histogram, parts)
                out.append(histogram)
                out += _bucket_checks(server, service, parts, histogram.status == "ok")
            if any(c.status == "fail" and c.check in DETECT_ON for c in out):
                suggestion = preset_suggestion(server, service, presets)
                if suggestion is not None:
                    out.append(suggestion)
        out.append(_workload_check(server, service))
    except QueryFailed as exc:
        out.append(Check("query", "error", str(exc)))
    return tuple(out)
