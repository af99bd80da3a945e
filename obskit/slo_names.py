"""Names of the recording rules obskit generates (shared by alerts, dashboards and preview).

SLO series carry the labels ``service`` and ``slo`` (plus ``team`` and ``tier``); service
series carry ``service`` (plus ``team`` and ``tier``), so overviews filter by tier or team
with a constant-size matcher. Names follow Prometheus' ``level:metric:operations`` convention
and slok/sloth's SLO names; the series carry no ``sloth_*`` labels, so Sloth's own
dashboards do not read them without changes.
"""

from __future__ import annotations

#: windows of the SLI error-ratio recording rules (the SLO window itself is added per SLO)
SLI_WINDOWS: tuple[str, ...] = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def sli_error_ratio(window: str) -> str:
    """``slo:sli_error:ratio_rate<window>``: the SLI error ratio over a window."""
    return f"slo:sli_error:ratio_rate{window}"


#: bad events per second over 5m (zero-filled) and all events per second over 5m: the SLO
#: window's ratio is summed from these recorded series, never from raw ``rate(x[30d])``
SLI_ERRORS_RATE = "slo:sli_errors:rate5m"
SLI_EVENTS_RATE = "slo:sli_events:rate5m"

#: objective as a ratio (99.9 -> 0.999)
OBJECTIVE = "slo:objective:ratio"
#: error budget as a ratio (1 - objective)
ERROR_BUDGET = "slo:error_budget:ratio"
#: error ratio over 5m divided by the error budget
CURRENT_BURN_RATE = "slo:current_burn_rate:ratio"
#: 1 - error ratio over the SLO window / error budget
BUDGET_REMAINING = "slo:period_error_budget_remaining:ratio"
#: recorded from ``vector()``: one series per SLO, no ``cluster`` label even centrally
CONSTANT_RECORDS = (OBJECTIVE, ERROR_BUDGET)

#: per-service golden signals, for fleet overviews (one series per service)
SERVICE_REQUESTS_RATE = "service:requests:rate5m"
SERVICE_ERROR_RATIO = "service:errors:ratio_rate5m"
SERVICE_LATENCY_P99 = "service:latency_seconds:p99_rate5m"
