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
#: with several clusters: how long a silent cluster is remembered (and alerted on)
ABSENT_LOOKBACK = "1d"
#: "in cluster X " in the description when the alert has a cluster label
CLUSTER_PHRASE = "{{ with $labels.cluster }}in cluster {{ . }} {{ end }}"


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


def absent_alert(service: ResolvedService, per_cluster: bool = False) -> dict[str, Any]:
    """A non-paging alert when the service's request series are gone (SLO alerts go blind).

    ``per_cluster`` (an environment with several clusters): one alert per cluster that
    reported within :data:`ABSENT_LOOKBACK` and is silent now, labelled with the cluster
    (:func:`obskit.queries.absent_requests_per_cluster`); plain ``absent()`` otherwise.
    """
    metric = queries.request_metric(service)
    summary = f"{service.name}: no {metric} series"
    where = CLUSTER_PHRASE if per_cluster else ""
    description = (
        f"Prometheus has had no {metric} series matching {queries.selector(service)} "
        f"{where}for {ABSENT_FOR} (absent = {{{{ $value | humanize }}}}): the scrape or the "
        f"instrumentation is broken, and the SLO alerts of {service.name} cannot fire "
        "without data."
    )
    expr = (
        queries.absent_requests_per_cluster(
            service, slo_names.SERVICE_REQUESTS_RATE, ABSENT_LOOKBACK
        )
        if per_cluster
        else queries.absent_requests(service)
    )
    return alert_rule(
        absent_alert_name(service),
        expr,
        for_=ABSENT_FOR,
        labels=contract_labels(service, "warning"),
        annotations=contract_annotations(service, summary, description),
    )
