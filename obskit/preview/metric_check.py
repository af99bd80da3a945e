"""Metric check: do the service's metrics exist under its selector, before any alert is wrong.

For each service: series counts of the preset's request counter and latency histogram under
the service's selector (and, when none match, which matcher is to blame with the values that
do exist), each latency threshold against the ``le`` bounds the histogram really has, and
kube-state-metrics series for the service's workload.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from obskit.catalog.model import ResolvedService
from obskit.catalog.presets import format_le
from obskit.preview.connection import QueryFailed, Server
from obskit.preview.report import Check
from obskit.queries import has_metrics, le_matcher, matchers, preset_of

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
#: at most this many existing label values are listed in a message
SHOW_VALUES = 8


def _count(server: Server, selector: str) -> int:
    result = server.query(f"count(last_over_time({selector}[{LOOKBACK}]))")
    return int(float(result[0]["value"][1])) if result else 0


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


def check_service(server: Server, service: ResolvedService) -> tuple[Check, ...]:
    """Every metric check of one service (query failures become failed checks)."""
    out: list[Check] = []
    try:
        if has_metrics(service):
            preset = preset_of(service)
            parts = matchers(service)
            requests = _series_check(server, "requests", preset.requests, parts)
            histogram = _series_check(server, "latency histogram", preset.histogram, parts)
            out += [requests, histogram]
            out += _bucket_checks(server, service, parts, histogram.status == "ok")
        out.append(_workload_check(server, service))
    except QueryFailed as exc:
        out.append(Check("query", "fail", str(exc)))
    return tuple(out)
