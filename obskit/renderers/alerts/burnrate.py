"""Multi-window, multi-burn-rate alert windows (Google SRE workbook, ch. 5; slok/sloth).

The workbook defines four alert conditions for a 30-day SLO period by the *fraction of the
period's error budget* they let burn before alerting:

=========  ===========  ============  ===============  ====================
severity   long window  short window  budget fraction  factor (30d period)
=========  ===========  ============  ===============  ====================
page       1h           5m            2%               14.4
page       6h           30m           5%               6
ticket     1d           2h            10%              3
ticket     3d           6h            10%              1
=========  ===========  ============  ===============  ====================

A burn-rate *factor* ``f`` over a long window ``L`` consumes ``f * L / period`` of the
budget, so for another SLO period (7d, 28d) the factor that consumes the same fraction is::

    factor = fraction * period / long_window

e.g. 2% in 1h of 30d: ``0.02 * 720h / 1h = 14.4``; of 28d: ``13.44``. The short window
(1/12 of the long one) only makes the alert stop soon after the burn stops.

The same fractions over a **7-day** period give factors 3.36 / 1.4 / 0.7 / 0.23: a page at a
2x burn and a ticket below 1x, i.e. on an SLO that is being met. 7d SLOs therefore use
Sloth's shipped 7d window set (``examples/windows/7d.yaml``: 8%, 12.5%, 20%, 42% of the
budget), whose factors 13.44 / 3.5 / 1.4 / 0.98 never page below 3.5x; a burn of exactly
1x tickets only after 2.94 days (0.98 over 3d; docs/alerts.md "Detection times, measured").
"""

from __future__ import annotations

from dataclasses import dataclass

from obskit.catalog.durations import parse_duration
from obskit.catalog.model import ResolvedSlo
from obskit.render.serialize import clean_float


@dataclass(frozen=True)
class BurnWindow:
    """One alert condition: error ratio over both windows above ``factor * budget``."""

    #: "page" (critical) or "ticket" (warning)
    kind: str
    long: str
    short: str
    #: fraction of the period's error budget consumed over ``long`` before alerting
    budget_fraction: float
    #: the fraction for 7-day periods (Sloth's 7d window set)
    budget_fraction_7d: float

    def fraction(self, period: str) -> float:
        """The budget fraction of this window for an SLO period."""
        return self.budget_fraction_7d if period == "7d" else self.budget_fraction

    def factor(self, period: str) -> float:
        """The burn-rate factor for an SLO period (``30d`` -> 14.4 for the 1h window).

        Rounded to 4 significant digits (``0.9333``): thresholds stay readable in review.
        """
        return clean_float(
            self.fraction(period) * parse_duration(period) / parse_duration(self.long), 4
        )


WINDOWS: tuple[BurnWindow, ...] = (
    BurnWindow("page", "1h", "5m", 0.02, 0.08),
    BurnWindow("page", "6h", "30m", 0.05, 0.125),
    BurnWindow("ticket", "1d", "2h", 0.10, 0.20),
    BurnWindow("ticket", "3d", "6h", 0.10, 0.42),
)


def windows(kind: str, slo: ResolvedSlo | None = None) -> tuple[BurnWindow, ...]:
    """The page or ticket windows (the SLO's own ``alerting.windows`` when it sets them)."""
    custom = slo.alerting.windows if slo is not None else None
    if custom is None:
        return tuple(w for w in WINDOWS if w.kind == kind)
    pair = custom.page if kind == "page" else custom.ticket
    out = []
    for w in (pair.quick, pair.slow):
        fraction = w.error_budget_percent / 100
        out.append(BurnWindow(kind, w.long_window, w.short_window, fraction, fraction))
    return tuple(out)


def all_windows(slo: ResolvedSlo) -> tuple[str, ...]:
    """Every short and long window the SLO's alerts read."""
    return tuple(
        dict.fromkeys(
            x for k in ("page", "ticket") for w in windows(k, slo) for x in (w.short, w.long)
        )
    )
