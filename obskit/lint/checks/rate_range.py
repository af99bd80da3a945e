"""rate()/increase() over a range shorter than two scrape intervals."""

from __future__ import annotations

from collections.abc import Iterable

import promql_parser as pp

from obskit import queries
from obskit.catalog.durations import format_duration
from obskit.lint.base import Finding, LintContext, Rule
from obskit.lint.promql_ast import call_name, walk_expr
from obskit.promql import PromQLError

NAME = "rate-range"
DESCRIPTION = (
    "rate, irate, increase, delta, idelta and deriv need at least two samples in their range: "
    "a range shorter than two scrape intervals returns nothing between scrapes. The scrape "
    "interval is the service's `metrics.scrape.interval` for its own metrics, else 30s."
)
FUNCTIONS = {"rate", "irate", "increase", "delta", "idelta", "deriv"}


def _service_metrics(rule: Rule) -> set[str]:
    service = rule.service
    if service is None or not queries.has_metrics(service):
        return set()
    preset = queries.preset_of(service)
    return {preset.requests, preset.histogram, preset.histogram_count, preset.histogram_sum}


def run(ctx: LintContext) -> Iterable[Finding]:
    for rule in ctx.rules():
        own = _service_metrics(rule)
        try:
            nodes = list(walk_expr(rule.expr))
        except PromQLError:
            continue  # catalog validation refuses unparsable expressions
        for node, ancestors in nodes:
            if not isinstance(node, pp.MatrixSelector) or not ancestors:
                continue
            func = call_name(ancestors[-1])
            if func not in FUNCTIONS:
                continue
            metric = node.vector_selector.name or ""
            interval = ctx.scrape_interval_seconds(rule.service if metric in own else None)
            seconds = node.range.total_seconds()
            if seconds < 2 * interval:
                yield rule.finding(
                    NAME,
                    f"{func}({metric}[{format_duration(seconds)}]) covers less than two scrape "
                    f"intervals (2 x {format_duration(interval)}): use at least "
                    f"[{format_duration(2 * interval)}]",
                )
