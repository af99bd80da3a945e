"""PromQL for one service, from its metric preset: the single source of every query text.

Dashboards, recording rules, alerts and preview build their expressions from these
functions, so a preset's metric names and matchers are written down once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from obskit.catalog.model import ResolvedService, ResolvedSli, ResolvedSlo
from obskit.catalog.presets import Preset, format_le, split_matcher
from obskit.render.serialize import format_number

#: the placeholder custom SLI queries hold for the window (Sloth's spelling)
WINDOW_PLACEHOLDER = "{{.window}}"
#: labels every generated rule keeps through its aggregations: a central ruler (Mimir,
#: Thanos) sees every cluster's series at once and must never add clusters together; a
#: single Prometheus has no ``cluster`` label on its series (external labels are added on
#: the way out), where ``sum by (cluster)`` is exactly ``sum``
RULE_LABELS: tuple[str, ...] = ("cluster",)


def preset_of(service: ResolvedService) -> Preset:
    """The service's preset, overrides applied (``KeyError`` for ``none``: callers check
    ``has_metrics``)."""
    if service.metrics.spec is None:
        raise KeyError(service.metrics.preset)
    return service.metrics.spec


def has_metrics(service: ResolvedService) -> bool:
    """False for ``preset: none`` (workload panels and alerts only)."""
    return service.metrics.spec is not None


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def label_matcher(label: str, value: str) -> str:
    """``job="a"``; a value ``~a|b`` is ``job=~"a|b"``, ``!~a`` is ``job!~"a"``."""
    op, text = split_matcher(value)
    return f"{label}{op}{_quote(text)}"


def handler_exclusion(preset: Preset) -> list[str]:
    """``handler!~"/metrics|/health.*"``: the exporter's own and probe requests never count."""
    if not preset.handler_label or not preset.exclude_handlers:
        return []
    return [f"{preset.handler_label}!~{_quote('|'.join(preset.exclude_handlers))}"]


def matchers(
    service: ResolvedService,
    *extra: str,
    overrides: Mapping[str, str] | None = None,
) -> list[str]:
    """Label matchers of the service: preset fixed matchers, selector, then ``extra``.

    ``overrides`` replaces a selector label's matcher text, e.g.
    ``{"namespace": 'namespace=~"$namespace"'}`` on dashboards.
    """
    out: list[str] = []
    if has_metrics(service):
        out.extend(
            f"{label}{op}{_quote(value)}" for label, op, value in preset_of(service).fixed_matchers
        )
    for label, value in sorted(service.metrics.selector.items()):
        if overrides and label in overrides:
            out.append(overrides[label])
        else:
            out.append(label_matcher(label, value))
    if has_metrics(service):
        out.extend(handler_exclusion(preset_of(service)))
    out.extend(extra)
    return out


def selector(
    service: ResolvedService, *extra: str, overrides: Mapping[str, str] | None = None
) -> str:
    """``{a="b", c="d"}`` for the service (see :func:`matchers`)."""
    return "{" + ", ".join(matchers(service, *extra, overrides=overrides)) + "}"


def _by(labels: Iterable[str]) -> str:
    labels = list(labels)
    return f" by ({', '.join(labels)})" if labels else ""


def error_matcher(service: ResolvedService) -> str:
    """The matcher that marks a request as an error (``code=~"5.."``)."""
    preset = preset_of(service)
    return f"{preset.error_label}=~{_quote(preset.error_regex)}"


def requests_rate(
    service: ResolvedService,
    window: str,
    *,
    by: Iterable[str] = (),
    errors_only: bool = False,
    overrides: Mapping[str, str] | None = None,
    extra: Iterable[str] = (),
) -> str:
    """Requests (or error requests) per second over ``window``, summed.

    ``extra`` adds matchers (dashboards: ``cluster=~"$cluster|"``).
    """
    preset = preset_of(service)
    errors = (error_matcher(service),) if errors_only else ()
    sel = selector(service, *errors, *extra, overrides=overrides)
    return f"sum{_by(by)}(rate({preset.requests}{sel}[{window}]))"


def requests_rate_by_status_class(
    service: ResolvedService,
    window: str,
    *,
    by: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
    extra: Iterable[str] = (),
) -> str:
    """Requests per second by status (and ``by``): HTTP codes folded into ``2xx``..``5xx``
    (label ``status_class``); gRPC by ``grpc_code`` (its codes are names, not numbers)."""
    preset = preset_of(service)
    if preset.protocol == "grpc":
        return requests_rate(
            service, window, by=(*by, preset.status_label), overrides=overrides, extra=extra
        )
    sel = selector(service, *extra, overrides=overrides)
    rate = f"rate({preset.requests}{sel}[{window}])"
    relabel = (
        f'label_replace({rate}, "status_class", "${{1}}xx", "{preset.status_label}", "([1-5]).*")'
    )
    return f"sum{_by((*by, 'status_class'))}({relabel})"


def error_ratio(
    service: ResolvedService,
    window: str,
    *,
    by: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
    extra: Iterable[str] = (),
) -> str:
    """Error requests / all requests over ``window`` (per ``by`` label set).

    0 with traffic and no error series yet (``or 0 * total``), NaN with idle series (never
    alerts), no value without series.
    """
    by = tuple(by)
    errors = requests_rate(
        service, window, by=by, errors_only=True, overrides=overrides, extra=extra
    )
    total = requests_rate(service, window, by=by, overrides=overrides, extra=extra)
    return zero_filled_ratio(errors, total)


def zero_filled_ratio(part: str, total: str) -> str:
    """``(part or 0 * total) / total``: 0, not empty, when ``part`` has no series yet."""
    return f"(\n  {part}\n  or\n  0 * {total}\n)\n/\n{total}"


def le_matcher(service: ResolvedService, threshold_seconds: float) -> str:
    """``le="0.3"`` for a bound in seconds, in the histogram's unit (istio: ``le="300"``)."""
    return le_bound_matcher(threshold_seconds, preset_of(service).unit)


def le_bound_matcher(threshold_seconds: float, unit: str) -> str:
    """``le="0.3"`` for a bound in seconds written in ``unit`` (``s`` or ``ms``).

    Whole-number bounds match both spellings, ``le=~"1(\\.0)?"``: Go clients and
    Prometheus 2 write ``le="1"``, Prometheus 3 normalises classic-histogram ``le`` values to
    ``"1.0"`` on ingestion (and the Python client writes ``"1.0"``).
    """
    value = format_le(threshold_seconds, unit)
    if "." in value or "e" in value:
        return f"le={_quote(value)}"
    pattern = value + r"(\.0)?"
    return f"le=~{_quote(pattern)}"


def latency_error_ratio(
    service: ResolvedService,
    threshold_seconds: float,
    window: str,
    *,
    by: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> str:
    """1 - (requests at most ``threshold`` / all requests), from the latency histogram."""
    parts = _latency_parts(service, threshold_seconds, window, by=by, overrides=overrides)
    return _ratio(parts)


def _latency_parts(
    service: ResolvedService,
    threshold_seconds: float,
    window: str,
    *,
    by: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> SliParts:
    preset = preset_of(service)
    fast_sel = selector(service, le_matcher(service, threshold_seconds), overrides=overrides)
    all_sel = selector(service, overrides=overrides)
    group = _by(by)
    fast = f"sum{group}(rate({preset.histogram}{fast_sel}[{window}]))"
    total = f"sum{group}(rate({preset.histogram_count}{all_sel}[{window}]))"
    return SliParts("good", fast, total)


@dataclass(frozen=True)
class SliParts:
    """An SLI as events per second: ``bad`` (or ``good``) events and all events."""

    kind: Literal["bad", "good"]
    events: str
    total: str
    #: good events may have no series while there is traffic (a query SLI): zero-fill them
    fill_good: bool = False


def _ratio(parts: SliParts) -> str:
    """The error ratio: bad/total zero-filled; for good events ``1 - good/total``."""
    if parts.kind == "bad":
        return zero_filled_ratio(parts.events, parts.total)
    if parts.fill_good:
        return f"1 - (\n{zero_filled_ratio(parts.events, parts.total)}\n)"
    return f"1 - (\n  ({parts.events})\n  /\n  ({parts.total})\n)"


def sli_parts(
    service: ResolvedService, slo: ResolvedSlo, window: str, *, by: Iterable[str] = ()
) -> SliParts:
    """The SLO's SLI over ``window`` as event rates (preset, histogram SLI or query SLI),
    summed per ``by`` label set (rules: :data:`RULE_LABELS`)."""
    by = tuple(by)
    if slo.sli is not None:
        return _custom_parts(slo.sli, slo.threshold_seconds, window, by=by)
    if slo.kind == "latency":
        assert slo.threshold_seconds is not None
        return _latency_parts(service, slo.threshold_seconds, window, by=by)
    errors = requests_rate(service, window, by=by, errors_only=True)
    return SliParts("bad", errors, requests_rate(service, window, by=by))


def sli_error_rate(parts: SliParts) -> str:
    """Bad events per second, 0 (not empty) while there is traffic and no bad series."""
    if parts.kind == "bad":
        return f"(\n  {parts.events}\n  or\n  0 * {parts.total}\n)"
    return f"{parts.total}\n-\n(\n  {parts.events}\n  or\n  0 * {parts.total}\n)"


def slo_error_ratio(
    service: ResolvedService,
    slo: ResolvedSlo,
    window: str,
    *,
    by: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> str:
    """The SLI error ratio of one SLO over ``window`` (per ``by`` label set)."""
    if slo.sli is None and slo.kind == "latency":
        assert slo.threshold_seconds is not None
        return latency_error_ratio(
            service, slo.threshold_seconds, window, by=by, overrides=overrides
        )
    if slo.sli is None:
        return error_ratio(service, window, by=by, overrides=overrides)
    return _ratio(sli_parts(service, slo, window, by=by))


def latency_quantile(
    service: ResolvedService,
    quantile: float,
    window: str,
    *,
    by: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
    extra: Iterable[str] = (),
) -> str:
    """``histogram_quantile`` in seconds (istio's milliseconds divided by 1000)."""
    preset = preset_of(service)
    group = ["le", *by]
    sel = selector(service, *extra, overrides=overrides)
    inner = f"sum by ({', '.join(group)})(rate({preset.histogram}{sel}[{window}]))"
    expr = f"histogram_quantile({format_number(quantile)}, {inner})"
    return f"{expr} / 1000" if preset.unit == "ms" else expr


def request_metric(service: ResolvedService) -> str:
    """The preset's request counter name (``absent()`` alerts, test series)."""
    return preset_of(service).requests


def absent_requests(service: ResolvedService) -> str:
    """``absent(<request counter>{SEL})``: 1 when the service exports no request series."""
    return f"absent({request_metric(service)}{selector(service)})"


def absent_requests_per_cluster(service: ResolvedService, recorded: str, lookback: str) -> str:
    """1 per cluster that had request series (its ``recorded`` request rate, one series per
    cluster, within ``lookback``) and has none now; 1 without ``cluster`` when no cluster had
    any within ``lookback``. ``absent()`` alone is empty while any cluster still reports, so a
    central ruler would never see one cluster go silent. On one Prometheus (no ``cluster``
    label) it fires exactly when ``absent()`` does, with fewer labels."""
    sel = selector(service)
    metric = request_metric(service)
    recorded_sel = f"{recorded}{{service={_quote(service.name)}}}"
    return (
        "(\n"
        f"  group by (cluster) (present_over_time({recorded_sel}[{lookback}]))\n"
        "  unless\n"
        f"  group by (cluster) ({metric}{sel})\n"
        ")\n"
        "or\n"
        "(\n"
        f"  group by (cluster) (absent({metric}{sel}))\n"
        "  and\n"
        f"  group by (cluster) (absent_over_time({recorded_sel}[{lookback}]))\n"
        ")"
    )


def equality_labels(service: ResolvedService) -> dict[str, str]:
    """The labels an ``absent()`` over the service's selector returns (its ``=`` matchers)."""
    labels = {lbl: val for lbl, op, val in preset_of(service).fixed_matchers if op == "="}
    for label, value in service.metrics.selector.items():
        op, text = split_matcher(value)
        if op == "=":
            labels[label] = text
    return labels


def window_query(query: str, window: str, by: tuple[str, ...] = ()) -> str:
    """The query for ``window``, summed to one series per ``by`` label set (a plain
    ``sum(...)`` becomes ``sum by (...)(...)`` instead of being summed twice)."""
    text = query.replace(WINDOW_PLACEHOLDER, window).strip()
    if _is_plain_sum(text):
        return f"sum{_by(by)}{text[3:]}" if by else text
    return f"sum{_by(by)}({text})"


def _is_plain_sum(text: str) -> bool:
    """``sum(...)`` without ``by``/``without``, whose parenthesis closes at the end."""
    if not text.startswith("sum("):
        return False
    depth = 0
    quote = ""
    for i, ch in enumerate(text[3:], start=3):
        if quote:
            if ch == "\\":
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i == len(text) - 1
    return False


def _custom_parts(
    sli: ResolvedSli, threshold_seconds: float | None, window: str, *, by: tuple[str, ...] = ()
) -> SliParts:
    """A custom SLI's event rates: queries (Sloth's ``{{.window}}``) or a histogram.

    Each query is summed to one series per ``by`` label set, so any label set it returns
    works (an inner aggregation of the author's that drops ``cluster`` adds clusters up).
    """
    group = _by(by)
    if sli.kind == "histogram":
        assert sli.histogram is not None and threshold_seconds is not None
        le = le_bound_matcher(threshold_seconds, "ms" if sli.unit == "milliseconds" else "s")
        sel = [label_matcher(k, v) for k, v in sorted(sli.selector.items())]
        fast_sel = "{" + ", ".join([*sel, le]) + "}"
        all_sel = "{" + ", ".join(sel) + "}"
        fast = f"sum{group}(rate({sli.histogram}_bucket{fast_sel}[{window}]))"
        total = f"sum{group}(rate({sli.histogram}_count{all_sel}[{window}]))"
        return SliParts("good", fast, total)
    assert sli.total_query is not None
    total = window_query(sli.total_query, window, by)
    if sli.error_query is not None:
        return SliParts("bad", window_query(sli.error_query, window, by), total)
    assert sli.good_query is not None
    return SliParts("good", window_query(sli.good_query, window, by), total, fill_good=True)
