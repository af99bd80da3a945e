"""OpenSLO out: the catalog's SLOs as OpenSLO v1 Service and SLO documents.

Each SLO gets an inline ``ratioMetric`` indicator built from obskit's own SLI parts
(:func:`obskit.queries.sli_parts`): the bad (or good) events and the total, as PromQL with
Sloth's ``{{.window}}`` placeholder where the range goes (Sloth reads OpenSLO this way, and
``obskit import openslo`` reads it back). Output is deterministic: catalog order, fixed keys.
"""

from __future__ import annotations

from typing import Any

from obskit import queries
from obskit.catalog.model import Catalog, ResolvedService, ResolvedSlo
from obskit.catalog.rules import WINDOW_PLACEHOLDER

API = "openslo/v1"


def _source(query: str) -> dict[str, Any]:
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query.strip()}}}


def _labels(service: ResolvedService) -> dict[str, str]:
    return {"team": service.team, "tier": service.tier}


def service_document(service: ResolvedService) -> dict[str, Any]:
    spec = {"description": service.description} if service.description else {}
    return {
        "apiVersion": API,
        "kind": "Service",
        "metadata": {"name": service.name, "labels": _labels(service)},
        "spec": spec,
    }


def slo_document(service: ResolvedService, slo: ResolvedSlo) -> dict[str, Any]:
    """One SLO with its indicator inline (``ratioMetric``, a counter)."""
    parts = queries.sli_parts(service, slo, WINDOW_PLACEHOLDER)
    ratio: dict[str, Any] = {"counter": True, parts.kind: _source(parts.events)}
    ratio["total"] = _source(parts.total)
    name = f"{service.name}-{slo.name}"
    spec: dict[str, Any] = {}
    if slo.description:
        spec["description"] = slo.description
    spec |= {
        "service": service.name,
        "indicator": {"metadata": {"name": f"{name}-sli"}, "spec": {"ratioMetric": ratio}},
        "timeWindow": [{"duration": slo.window, "isRolling": True}],
        "budgetingMethod": "Occurrences",
        "objectives": [{"displayName": slo.name, "target": round(slo.objective / 100, 12)}],
    }
    return {
        "apiVersion": API,
        "kind": "SLO",
        "metadata": {"name": name, "labels": {**_labels(service), "slo": slo.name}},
        "spec": spec,
    }


def documents(catalog: Catalog) -> dict[str, list[dict[str, Any]]]:
    """Per service with SLOs (catalog order): its Service document, then one per SLO."""
    return {
        service.name: [service_document(service)]
        + [slo_document(service, slo) for slo in service.slos]
        for service in catalog.services
        if service.slos
    }
