"""Shared pieces of every generated rule: names, contract labels and annotations, rule dicts."""

from __future__ import annotations

import re
from typing import Any

from obskit.catalog.model import ResolvedService

#: severities that page; ``tier: low`` services never page
PAGING = "critical"


def camel(name: str) -> str:
    """``cart-redis`` -> ``CartRedis`` (alert names are CamelCase)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", name) if part)


def severity_for(service: ResolvedService, severity: str) -> str:
    """The severity after the tier rule: ``tier: low`` pages become tickets (warning)."""
    if service.tier == "low" and severity == PAGING:
        return "warning"
    return severity


def dashboard_ref(service: ResolvedService) -> str:
    """The service dashboard (a path relative to the rendered tree)."""
    return f"dashboards/{service.name}.json"


def contract_labels(service: ResolvedService, severity: str) -> dict[str, str]:
    """``service``, ``team``, ``severity`` (after the tier rule)."""
    return {
        "service": service.name,
        "team": service.team,
        "severity": severity_for(service, severity),
    }


def contract_annotations(
    service: ResolvedService, summary: str, description: str
) -> dict[str, str]:
    """``summary``, ``description``, ``runbook_url`` (when the catalog has one), ``dashboard``."""
    out = {"summary": summary, "description": description}
    if service.runbook:
        out["runbook_url"] = service.runbook
    out["dashboard"] = dashboard_ref(service)
    return out


def record_rule(record: str, expr: str, labels: dict[str, str]) -> dict[str, Any]:
    """A recording rule with keys in review order: record, expr, labels."""
    return {"record": record, "expr": expr, "labels": dict(labels)}


def alert_rule(
    alert: str,
    expr: str,
    *,
    for_: str | None,
    labels: dict[str, str],
    annotations: dict[str, str],
) -> dict[str, Any]:
    """An alerting rule with keys in review order: alert, expr, for, labels, annotations."""
    rule: dict[str, Any] = {"alert": alert, "expr": expr}
    if for_:
        rule["for"] = for_
    rule["labels"] = dict(labels)
    rule["annotations"] = dict(annotations)
    return rule
