"""SLO panels: burn rates, budget remaining and SLI vs objective, per SLO.

They read the SLO recording rules (obskit.slo_names; labels ``service`` and ``slo``) so the
queries stay short; burn rates divide by the error budget written in as a constant. The
recorded series are per cluster already (the rules keep ``cluster``): one line per cluster.
"""

from __future__ import annotations

from typing import Any

from obskit import slo_names
from obskit.catalog.model import ResolvedService, ResolvedSlo
from obskit.render.serialize import clean_float, format_number
from obskit.renderers.dashboards.panels import stat, target, timeseries
from obskit.renderers.dashboards.variables import CLUSTER_MATCHER, legend

#: multi-window burn-rate alert thresholds (Google SRE workbook): 1h page, 6h page
BURN_THRESHOLDS = ((None, "green"), (1, "yellow"), (6, "orange"), (14.4, "red"))


def slo_selector(service: ResolvedService, slo: ResolvedSlo) -> str:
    return f'{{service="{service.name}", slo="{slo.name}", {CLUSTER_MATCHER}}}'


def _budget(slo: ResolvedSlo) -> str:
    return format_number(clean_float(1 - slo.objective / 100))


def burn_rate(service: ResolvedService, slo: ResolvedSlo, window: str) -> str:
    """Error ratio over ``window`` divided by the error budget."""
    sel = slo_selector(service, slo)
    return f"{slo_names.sli_error_ratio(window)}{sel} / {_budget(slo)}"


def slo_title(slo: ResolvedSlo) -> str:
    what = f"of requests faster than {slo.threshold}" if slo.kind == "latency" else "of requests ok"
    return f"SLO {slo.name}: {format_number(slo.objective)}% {what} over {slo.window}"


def slo_panels(service: ResolvedService, slo: ResolvedSlo) -> list[tuple[Any, int, int]]:
    """Budget remaining, burn rate now, SLI vs objective, burn rate over time."""
    sel = slo_selector(service, slo)
    objective = clean_float(slo.objective / 100)
    remaining = stat(
        "Error budget remaining",
        f"Share of the {slo.window} error budget ({_budget(slo)} of requests) not yet spent.",
        "percentunit",
        [target(f"{slo_names.BUDGET_REMAINING}{sel}", legend("remaining"))],
        thresholds=((None, "red"), (0, "orange"), (0.25, "yellow"), (0.5, "green")),
        decimals=1,
    )
    burn_now = stat(
        "Burn rate 1h / 6h",
        "How fast the error budget burns (1 = spent exactly at the end of the window). "
        "Pages at 14.4 over 1h and 6 over 6h.",
        "short",
        [
            target(burn_rate(service, slo, "1h"), legend("1h")),
            target(burn_rate(service, slo, "6h"), legend("6h")),
        ],
        thresholds=BURN_THRESHOLDS,
        decimals=2,
    )
    sli = timeseries(
        "SLI vs objective",
        f"SLI over 1h windows: 1 - {slo_names.sli_error_ratio('1h')}. "
        f"The dashed line is the {format_number(slo.objective)}% objective.",
        "percentunit",
        [target(f"1 - {slo_names.sli_error_ratio('1h')}{sel}", legend("SLI (1h)"))],
        thresholds=((None, "red"), (objective, "green")),
        threshold_lines=True,
    )
    burn_over_time = timeseries(
        "Burn rate over time",
        "Burn rate over 1h and 6h windows, with the paging thresholds (6, 14.4).",
        "short",
        [
            target(burn_rate(service, slo, "1h"), legend("1h")),
            target(burn_rate(service, slo, "6h"), legend("6h")),
        ],
        thresholds=BURN_THRESHOLDS,
        threshold_lines=True,
        minimum=0,
    )
    return [(remaining, 4, 8), (burn_now, 4, 8), (sli, 8, 8), (burn_over_time, 8, 8)]
