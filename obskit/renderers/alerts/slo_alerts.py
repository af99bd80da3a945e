"""Multi-window multi-burn-rate alerts for one SLO (page: fast burn, ticket: slow burn).

Each alert ORs two conditions; a condition needs the error ratio over *both* its short and
long window above ``factor * error budget`` (:mod:`.burnrate`). Without traffic the ratios
are 0/0 = NaN, and ``NaN > x`` is false: no traffic never pages (the separate
``MetricsAbsent`` alert covers missing series). The alert's value is the short-window error
ratio (the first operand), so descriptions show how bad it is right now.
"""

from __future__ import annotations

from typing import Any

from obskit import slo_names
from obskit.catalog.model import ResolvedService, ResolvedSlo
from obskit.render.serialize import format_number
from obskit.renderers.alerts import burnrate
from obskit.renderers.alerts.common import (
    alert_rule,
    camel,
    contract_annotations,
    contract_labels,
)
from obskit.renderers.alerts.slo_rules import error_budget, slo_selector

#: alert kind -> (alert name suffix, severity before the tier rule, what it means)
KINDS = {
    "page": ("ErrorBudgetFastBurn", "critical", "fast"),
    "ticket": ("ErrorBudgetSlowBurn", "warning", "slow"),
}


def alert_name(service: ResolvedService, slo: ResolvedSlo, kind: str) -> str:
    """``CheckoutAvailabilityErrorBudgetFastBurn``."""
    return f"{camel(service.name)}{camel(slo.name)}{KINDS[kind][0]}"


def condition(service: ResolvedService, slo: ResolvedSlo, window: burnrate.BurnWindow) -> str:
    """Both windows' error ratio above the window's factor times the budget."""
    sel = slo_selector(service, slo)
    threshold = f"({format_number(window.factor(slo.window))} * "
    threshold += f"{format_number(error_budget(slo))})"
    short = f"{slo_names.sli_error_ratio(window.short)}{sel} > {threshold}"
    long = f"{slo_names.sli_error_ratio(window.long)}{sel} > {threshold}"
    return f"(\n  {short}\n  and\n  {long}\n)"


def _sli_phrase(slo: ResolvedSlo) -> str:
    if slo.kind == "latency":
        return f"of requests were slower than {slo.threshold}"
    return "of requests failed"


def severity(slo: ResolvedSlo, kind: str) -> str:
    """The SLO's severity for the kind, before the tier rule."""
    return slo.alerting.page_severity if kind == "page" else slo.alerting.ticket_severity


def enabled_kinds(slo: ResolvedSlo) -> tuple[str, ...]:
    """``page`` and ``ticket``, less what the SLO's ``alerting`` turns off."""
    return tuple(
        k for k, on in (("page", slo.alerting.page), ("ticket", slo.alerting.ticket)) if on
    )


def min_traffic_guard(service: ResolvedService, slo: ResolvedSlo) -> str:
    """``and slo:sli_events:rate5m{…} >= X`` when the SLO sets a minimum request rate."""
    minimum = slo.alerting.min_request_rate
    if not minimum:
        return ""
    events = f"{slo_names.SLI_EVENTS_RATE}{slo_selector(service, slo)}"
    return f"and\n{events} >= {format_number(minimum)}\n"


def burn_alert(service: ResolvedService, slo: ResolvedSlo, kind: str) -> dict[str, Any]:
    """The page (kind ``page``) or ticket (``ticket``) alert of one SLO."""
    _, _, speed = KINDS[kind]
    wins = burnrate.windows(kind, slo)
    expr = "\nor\n".join(condition(service, slo, w) for w in wins) + "\n"
    guard = min_traffic_guard(service, slo)
    if guard:
        expr = f"(\n{expr})\n{guard}"
    factors = ", or ".join(
        f"{format_number(w.factor(slo.window))}x over {w.long} and {w.short}" for w in wins
    )
    summary = f"{service.name} {slo.name} SLO: error budget burning {speed}"
    description = (
        f"{{{{ $value | humanizePercentage }}}} {_sli_phrase(slo)} over the short window "
        f"({' or '.join(w.short for w in wins)}). The {slo.name} SLO "
        f"({format_number(slo.objective)}% over {slo.window}) is burning its error budget "
        f"faster than {factors} the sustainable rate."
    )
    return alert_rule(
        alert_name(service, slo, kind),
        expr,
        for_=None,
        labels={**slo.alerting.labels, **contract_labels(service, severity(slo, kind))},
        annotations={
            **contract_annotations(service, summary, description),
            **slo.alerting.annotations,
        },
    )


def slo_alerts(service: ResolvedService, slo: ResolvedSlo) -> list[dict[str, Any]]:
    """The page and the ticket alert of one SLO (those its ``alerting`` keeps)."""
    return [burn_alert(service, slo, kind) for kind in enabled_kinds(slo)]
