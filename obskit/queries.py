"""PromQL for one service, from its metric preset: the single source of every query text.

Dashboards, recording rules, alerts and preview build their expressions from these
functions, so a preset's metric names and matchers are written down once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from obskit.catalog.model import ResolvedService, ResolvedSlo
from obskit.catalog.presets import PRESETS, Preset, format_le
from obskit.render.serialize import format_number


def preset_of(service: ResolvedService) -> Preset:
    """The service's preset (``KeyError`` for ``none``: callers check ``has_metrics``)."""
    return PRESETS[service.metrics.preset]


def has_metrics(service: ResolvedService) -> bool:
    """False for ``preset: none`` (workload panels and alerts only)."""
    return service.metrics.preset in PRESETS


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
            out.append(f"{label}={_quote(value)}")
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
) -> str:
    """Requests (or error requests) per second over ``window``, summed."""
    preset = preset_of(service)
    extra = (error_matcher(service),) if errors_only else ()
    sel = selector(service, *extra, overrides=overrides)
    return f"sum{_by(by)}(rate({preset.requests}{sel}[{window}]))"


def error_ratio(
    service: ResolvedService, window: str, *, overrides: Mapping[str, str] | None = None
) -> str:
    """Error requests / all requests over ``window`` (NaN without traffic: never alerts)."""
    errors = requests_rate(service, window, errors_only=True, overrides=overrides)
    total = requests_rate(service, window, overrides=overrides)
    return f"({errors})\n/\n({total})"


def le_matcher(service: ResolvedService, threshold_seconds: float) -> str:
    """``le="0.3"`` for a bound in seconds, in the histogram's unit (istio: ``le="300"``).

    Whole-number bounds match both spellings, ``le=~"1(\\.0)?"``: Go clients and
    Prometheus 2 write ``le="1"``, Prometheus 3 normalises classic-histogram ``le`` values to
    ``"1.0"`` on ingestion (and the Python client writes ``"1.0"``).
    """
    value = format_le(threshold_seconds, preset_of(service).unit)
    if "." in value or "e" in value:
        return f"le={_quote(value)}"
    pattern = value + r"(\.0)?"
    return f"le=~{_quote(pattern)}"


def latency_error_ratio(
    service: ResolvedService,
    threshold_seconds: float,
    window: str,
    *,
    overrides: Mapping[str, str] | None = None,
) -> str:
    """1 - (requests at most ``threshold`` / all requests), from the latency histogram."""
    preset = preset_of(service)
    fast_sel = selector(service, le_matcher(service, threshold_seconds), overrides=overrides)
    all_sel = selector(service, overrides=overrides)
    fast = f"sum(rate({preset.histogram}{fast_sel}[{window}]))"
    total = f"sum(rate({preset.histogram_count}{all_sel}[{window}]))"
    return f"1 - (\n  ({fast})\n  /\n  ({total})\n)"


def slo_error_ratio(
    service: ResolvedService,
    slo: ResolvedSlo,
    window: str,
    *,
    overrides: Mapping[str, str] | None = None,
) -> str:
    """The SLI error ratio of one SLO over ``window``."""
    if slo.kind == "latency":
        assert slo.threshold_seconds is not None
        return latency_error_ratio(service, slo.threshold_seconds, window, overrides=overrides)
    return error_ratio(service, window, overrides=overrides)


def latency_quantile(
    service: ResolvedService,
    quantile: float,
    window: str,
    *,
    by: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> str:
    """``histogram_quantile`` in seconds (istio's milliseconds divided by 1000)."""
    preset = preset_of(service)
    group = ["le", *by]
    sel = selector(service, overrides=overrides)
    inner = f"sum by ({', '.join(group)})(rate({preset.histogram}{sel}[{window}]))"
    expr = f"histogram_quantile({format_number(quantile)}, {inner})"
    return f"{expr} / 1000" if preset.unit == "ms" else expr


def request_metric(service: ResolvedService) -> str:
    """The preset's request counter name (``absent()`` alerts, test series)."""
    return preset_of(service).requests


def absent_requests(service: ResolvedService) -> str:
    """``absent(<request counter>{SEL})``: 1 when the service exports no request series."""
    return f"absent({request_metric(service)}{selector(service)})"


def equality_labels(service: ResolvedService) -> dict[str, str]:
    """The labels an ``absent()`` over the service's selector returns (its ``=`` matchers)."""
    labels = {lbl: val for lbl, op, val in preset_of(service).fixed_matchers if op == "="}
    labels.update(service.metrics.selector)
    return labels
