"""Alerts without ``for``: one bad scrape or evaluation sends a notification."""

from __future__ import annotations

from collections.abc import Iterable

from obskit.catalog.durations import parse_duration
from obskit.lint.base import Finding, LintContext

NAME = "missing-for"
DESCRIPTION = (
    "Alerting rules without a `for` duration (or `for: 0s`) fire on a single evaluation. "
    "Burn-rate alerts over `slo:` recording rules are exempt: their short window already "
    "debounces them, and delaying a page costs error budget."
)


def run(ctx: LintContext) -> Iterable[Finding]:
    for rule in ctx.rules():
        if not rule.is_alert or "slo:" in rule.expr:
            continue
        duration = rule.data.get("for")
        if not duration or parse_duration(str(duration)) == 0:
            yield rule.finding(NAME, f"alert {rule.name} has no `for`: add e.g. `for: 5m`")
