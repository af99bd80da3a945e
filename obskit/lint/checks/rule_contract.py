"""The catalog contract's labels and annotations on every rule."""

from __future__ import annotations

from collections.abc import Iterable

from obskit.lint.base import Finding, LintContext

NAME = "rule-contract"
DESCRIPTION = (
    "Every alert carries the labels service, team and severity (critical, warning or info) "
    "and the annotations summary, description and dashboard, plus runbook_url when the "
    "service has a runbook; SLO series carry service, slo and team, service series service "
    "and team."
)
ALERT_LABELS = ("service", "team", "severity")
ALERT_ANNOTATIONS = ("summary", "description", "dashboard")
SEVERITIES = {"critical", "warning", "info"}


def run(ctx: LintContext) -> Iterable[Finding]:
    for rule in ctx.rules():
        labels = rule.data.get("labels") or {}
        if rule.is_alert:
            annotations = rule.data.get("annotations") or {}
            wanted = list(ALERT_ANNOTATIONS)
            if rule.service is not None and rule.service.runbook:
                wanted.append("runbook_url")
            for label in ALERT_LABELS:
                if not labels.get(label):
                    yield rule.finding(NAME, f"alert {rule.name} has no label {label}")
            if labels.get("severity") and labels["severity"] not in SEVERITIES:
                yield rule.finding(
                    NAME,
                    f"alert {rule.name}: severity {labels['severity']!r} is not one of "
                    "critical, warning, info",
                )
            for annotation in wanted:
                if not annotations.get(annotation):
                    yield rule.finding(NAME, f"alert {rule.name} has no annotation {annotation}")
            continue
        required = (
            ("service", "slo", "team") if rule.name.startswith("slo:") else ("service", "team")
        )
        for label in required:
            if not labels.get(label):
                yield rule.finding(NAME, f"series {rule.name} has no label {label}")
