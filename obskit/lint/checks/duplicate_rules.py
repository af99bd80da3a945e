"""Two rules writing the same series, or two alerts with the same name and labels."""

from __future__ import annotations

from collections.abc import Iterable

from obskit.lint.base import Finding, LintContext, Rule

NAME = "duplicate-rules"
DESCRIPTION = (
    "Recording rules that write the same series (same name and labels), and alerting rules "
    "with the same name and labels: one silently overwrites or shadows the other."
)


def _key(rule: Rule) -> tuple:
    labels = tuple(sorted((rule.data.get("labels") or {}).items()))
    return ("alert" if rule.is_alert else "record", rule.name, labels)


def run(ctx: LintContext) -> Iterable[Finding]:
    first: dict[tuple, Rule] = {}
    for rule in ctx.rules():
        key = _key(rule)
        if key not in first:
            first[key] = rule
            continue
        seen = first[key]
        what = "alert name and labels" if rule.is_alert else "series (record name and labels)"
        yield rule.finding(
            NAME, f"duplicate {what} of {seen.path}, group {seen.group}: {rule.name}"
        )
