"""Per-service golden signals (fleet overviews) and the metrics-absent alert."""

from __future__ import annotations

from typing import Any

from obskit import queries, slo_names
from obskit.catalog.model import ResolvedService
from obskit.renderers.alerts.common import (
    alert_rule,
    camel,
    contract_annotations,
    contract_labels,
    record_rule,
)

#: how long the request series must be missing before ``MetricsAbsent`` fires
ABSENT_FOR = "15m"


def golden_signals(service: ResolvedService) -> list[dict[str, Any]]:
    """``service:requests:rate5m``, ``service:errors:ratio_rate5m``, p99 latency (seconds)."""
    labels = {"service": service.name, "team": service.team, "tier": service.tier}
    keep = queries.RULE_LABELS
    return [
        record_rule(
            slo_names.SERVICE_REQUESTS_RATE, queries.requests_rate(service, "5m", by=keep), labels
        ),
        record_rule(
            slo_names.SERVICE_ERROR_RATIO, queries.error_ratio(service, "5m", by=keep), labels
        ),
        record_rule(
            slo_names.SERVICE_LATENCY_P99,
            queries.latency_quantile(service, 0.99, "5m", by=keep),
            labels,
        ),
    ]


def absent_alert_name(service: ResolvedService) -> str:
    return f"{camel(service.name)}MetricsAbsent"


def absent_alert(service: ResolvedService) -> dict[str, Any]:
    """A non-paging alert when the service's request series are gone (SLO alerts go blind)."""
    metric = queries.request_metric(service)
    summary = f"{service.name}: no {metric} series"
    description = (
        f"Prometheus has had no {metric} series matching {queries.selector(service)} for "
        f"{ABSENT_FOR} (absent = {{{{ $value | humanize }}}}): the scrape or the "
        f"instrumentation is broken, and the SLO alerts of {service.name} cannot fire "
        "without data."
    )
    return alert_rule(
        absent_alert_name(service),
        queries.absent_requests(service),
        for_=ABSENT_FOR,
        labels=contract_labels(service, "warning"),
        annotations=contract_annotations(service, summary, description),
    )
