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


def burn_alert(service: ResolvedService, slo: ResolvedSlo, kind: str) -> dict[str, Any]:
    """The page (kind ``page``) or ticket (``ticket``) alert of one SLO."""
    _, severity, speed = KINDS[kind]
    wins = burnrate.windows(kind)
    expr = "\nor\n".join(condition(service, slo, w) for w in wins) + "\n"
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
        labels=contract_labels(service, severity),
        annotations=contract_annotations(service, summary, description),
    )


def slo_alerts(service: ResolvedService, slo: ResolvedSlo) -> list[dict[str, Any]]:
    """The page and the ticket alert of one SLO."""
    return [burn_alert(service, slo, "page"), burn_alert(service, slo, "ticket")]
