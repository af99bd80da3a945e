"""SLO recording rules: SLI error ratios per window, objective, budget, burn rate, remaining.

Names come from :mod:`obskit.slo_names` (the contract with dashboards and preview); every
series carries ``service``, ``slo`` and ``team``, and keeps ``cluster`` when its inputs have
it (:data:`obskit.queries.RULE_LABELS`), so a central ruler evaluates each cluster apart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from obskit import queries, slo_names
from obskit.catalog.durations import parse_duration
from obskit.catalog.model import ResolvedService, ResolvedSlo
from obskit.render.serialize import format_number
from obskit.renderers.alerts import burnrate
from obskit.renderers.alerts.common import record_rule


def objective_ratio(slo: ResolvedSlo) -> float:
    """99.9 -> 0.999."""
    return float(Decimal(repr(slo.objective)) / 100)


def error_budget(slo: ResolvedSlo) -> float:
    """99.9 -> 0.001, 99.999 -> 0.00001 (decimal arithmetic: no binary noise)."""
    return float((100 - Decimal(repr(slo.objective))) / 100)


def slo_labels(service: ResolvedService, slo: ResolvedSlo) -> dict[str, str]:
    return {"service": service.name, "slo": slo.name, "team": service.team, "tier": service.tier}


def slo_selector(service: ResolvedService, slo: ResolvedSlo) -> str:
    """``{service="checkout", slo="availability"}``: one SLO's recorded series."""
    return f'{{service="{service.name}", slo="{slo.name}"}}'


def sli_windows(slo: ResolvedSlo) -> tuple[str, ...]:
    """The alert windows (read from the raw series): the standard ones dashboards read, and
    the SLO's custom ones; the SLO's own window is summed from recorded 5m rates
    (:func:`period_ratio`)."""
    custom = [w for w in burnrate.all_windows(slo) if w not in slo_names.SLI_WINDOWS]
    ordered = sorted(custom, key=parse_duration)
    return tuple(w for w in (*slo_names.SLI_WINDOWS, *ordered) if w != slo.window)


def period_ratio(service: ResolvedService, slo: ResolvedSlo) -> str:
    """The error ratio over the SLO window, from the recorded 5m event rates.

    ``sum_over_time`` of rates sampled at every evaluation weighs each moment by its
    traffic, like ``rate(x[30d])`` would, but reads one recorded series per SLO instead of
    every raw series over 30 days (which exceeds Prometheus' query sample limit from a few
    hundred series on). It covers the time the rules have been recording.
    """
    sel = slo_selector(service, slo)
    w = slo.window
    return (
        f"sum_over_time({slo_names.SLI_ERRORS_RATE}{sel}[{w}])\n/\n"
        f"sum_over_time({slo_names.SLI_EVENTS_RATE}{sel}[{w}])"
    )


def recording_rules(service: ResolvedService, slo: ResolvedSlo) -> list[dict[str, Any]]:
    """Every recording rule of one SLO, in evaluation order."""
    labels = slo_labels(service, slo)
    sel = slo_selector(service, slo)
    budget = format_number(error_budget(slo))
    keep = queries.RULE_LABELS
    parts = queries.sli_parts(service, slo, "5m", by=keep)
    rules = [
        record_rule(
            slo_names.sli_error_ratio(window),
            queries.slo_error_ratio(service, slo, window, by=keep),
            labels,
        )
        for window in sli_windows(slo)
    ]
    rules += [
        record_rule(slo_names.SLI_ERRORS_RATE, queries.sli_error_rate(parts), labels),
        record_rule(slo_names.SLI_EVENTS_RATE, parts.total, labels),
        record_rule(slo_names.sli_error_ratio(slo.window), period_ratio(service, slo), labels),
    ]
    rules += [
        record_rule(slo_names.OBJECTIVE, f"vector({format_number(objective_ratio(slo))})", labels),
        record_rule(slo_names.ERROR_BUDGET, f"vector({budget})", labels),
        record_rule(
            slo_names.CURRENT_BURN_RATE,
            f"{slo_names.sli_error_ratio('5m')}{sel} / {budget}",
            labels,
        ),
        record_rule(
            slo_names.BUDGET_REMAINING,
            f"1 - {slo_names.sli_error_ratio(slo.window)}{sel} / {budget}",
            labels,
        ),
    ]
    return rules
