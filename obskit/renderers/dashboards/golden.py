"""Golden-signal panels of a service, from its metric preset (obskit.queries)."""

from __future__ import annotations

from typing import Any

from obskit import queries
from obskit.catalog.model import ResolvedService
from obskit.render.serialize import clean_float
from obskit.renderers.dashboards.panels import target, timeseries
from obskit.renderers.dashboards.variables import (
    CLUSTER_MATCHER,
    PER_CLUSTER,
    RATE,
    legend,
    namespace_overrides,
)

QUANTILES = (0.5, 0.9, 0.99)


def _scope(service: ResolvedService) -> dict[str, Any]:
    """Matchers of the dashboard's variables; one series per cluster."""
    return {
        "overrides": namespace_overrides(service),
        "extra": (CLUSTER_MATCHER,),
        "by": PER_CLUSTER,
    }


def availability_objective(service: ResolvedService) -> float | None:
    """The strictest availability objective in percent, if any."""
    values = [s.objective for s in service.slos if s.kind == "availability"]
    return max(values) if values else None


def latency_threshold(service: ResolvedService) -> float | None:
    """The tightest latency SLO threshold in seconds, if any."""
    values = [s.threshold_seconds for s in service.slos if s.threshold_seconds is not None]
    return min(values) if values else None


def request_rate_panel(service: ResolvedService) -> Any:
    preset = queries.preset_of(service)
    grpc = preset.name == "grpc"
    expr = queries.requests_rate_by_status_class(service, RATE, **_scope(service))
    what = "gRPC status code" if grpc else "HTTP status class (2xx, 4xx, 5xx)"
    return timeseries(
        "Request rate by status",
        f"Requests per second ({preset.requests}) by {what}, stacked.",
        "reqps",
        [target(expr, legend("{{grpc_code}}" if grpc else "{{status_class}}"))],
        stack=True,
        minimum=0,
    )


def error_ratio_panel(service: ResolvedService) -> Any:
    preset = queries.preset_of(service)
    objective = availability_objective(service)
    expr = queries.error_ratio(service, RATE, **_scope(service))
    description = f'Share of requests that failed ({preset.error_label}=~"{preset.error_regex}").'
    thresholds: list[tuple[float | None, str]] = [(None, "green")]
    if objective is not None:
        budget = clean_float(1 - objective / 100)
        thresholds.append((budget, "red"))
        description += f" The red line is the error budget of the {objective}% availability SLO."
    return timeseries(
        "Error ratio",
        description,
        "percentunit",
        [target(expr, legend("error ratio"))],
        thresholds=thresholds,
        threshold_lines=objective is not None,
        minimum=0,
    )


def latency_panel(service: ResolvedService) -> Any:
    preset = queries.preset_of(service)
    threshold = latency_threshold(service)
    targets = [
        target(
            queries.latency_quantile(service, q, RATE, **_scope(service)),
            legend(f"p{round(q * 100)}"),
        )
        for q in QUANTILES
    ]
    unit_note = " (istio reports milliseconds: divided by 1000)" if preset.unit == "ms" else ""
    description = f"Latency quantiles from {preset.histogram}{unit_note}, in seconds."
    thresholds: list[tuple[float | None, str]] = [(None, "green")]
    if threshold is not None:
        thresholds.append((threshold, "red"))
        description += " The red line is the latency SLO threshold."
    return timeseries(
        "Latency p50 / p90 / p99",
        description,
        "s",
        targets,
        thresholds=thresholds,
        threshold_lines=threshold is not None,
        minimum=0,
    )


def golden_panels(service: ResolvedService) -> list[Any]:
    """Request rate, error ratio and latency (one line of three panels)."""
    return [request_rate_panel(service), error_ratio_panel(service), latency_panel(service)]
