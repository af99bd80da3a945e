"""OpenSLO in: v1 Service, SLO and SLI documents (and the v1alpha SLOs Sloth reads).

A Service becomes a catalog service; each SLO objective becomes a catalog SLO with a custom
SLI: ``ratioMetric`` good/bad/total queries as written (a query without ``{{.window}}``
that is a plain selector of a counter is wrapped in ``sum(rate(...[{{.window}}]))``);
``thresholdMetric`` as the fraction of one-minute samples that miss the objective's
``op``/``value``. Inline ``indicator`` and ``indicatorRef`` to an SLI document both work.
What the catalog cannot hold is reported per field.
"""

from __future__ import annotations

import re
from typing import Any

from obskit.adapters.entries import UNASSIGNED, catalog_slo_name, name_problem, query_problem
from obskit.adapters.source import Document, FieldPath, Imported, InputError
from obskit.catalog.rules import WINDOW_PLACEHOLDER
from obskit.promql import PromQLError, parse_promql

V1 = "openslo/v1"
V1ALPHA = "openslo/v1alpha"
#: rolling durations (OpenSLO shorthand) -> catalog window
WINDOWS = {"7d": "7d", "1w": "7d", "28d": "28d", "4w": "28d", "30d": "30d"}
#: objective op (good when ``sli <op> value``) -> the comparison that keeps bad samples
VIOLATION = {"lte": ">", "lt": ">=", "gte": "<", "gt": "<="}
#: v1alpha timeWindows unit -> shorthand suffix
_UNITS = {"Day": "d", "Week": "w", "Month": "M", "Hour": "h", "Minute": "m", "Year": "Y"}
_NOT_USED = {
    "alertPolicies": "obskit renders its own multi-window multi-burn-rate alerts",
    "displayName": "the catalog has no display names",
    "labels": "the catalog has no labels on services or SLOs",
    "annotations": "the catalog has no annotations on services or SLOs",
}


def import_documents(docs: list[Document]) -> Imported:
    """Catalog services from OpenSLO documents; :class:`InputError` for anything else."""
    problems = []
    services: dict[str, tuple[Document, dict[str, Any]]] = {}
    slis: dict[str, Document] = {}
    slos: list[Document] = []
    out = Imported()
    for doc in docs:
        data = doc.data
        api = data.get("apiVersion") if isinstance(data, dict) else None
        kind = data.get("kind") if isinstance(data, dict) else None
        if api not in (V1, V1ALPHA):
            problems.append(
                doc.problem(
                    ("apiVersion",),
                    f"not an OpenSLO document (apiVersion {api!r})",
                    "OpenSLO files have `apiVersion: openslo/v1`; Sloth specs: `obskit import "
                    "sloth`",
                )
            )
            continue
        name = doc.get(("metadata", "name"))
        why = name_problem(name)
        if why:
            problems.append(doc.problem(("metadata", "name"), f"{kind} name: {why}"))
            continue
        if kind == "Service":
            services[name] = (doc, _service(doc, out))
        elif kind == "SLI":
            slis[name] = doc
        elif kind == "SLO":
            slos.append(doc)
        else:
            out.skip(doc, ("kind",), f"{kind}: obskit has no place for it (SLOs, SLIs, Services)")
    if problems:
        raise InputError(problems)
    for doc in slos:
        _slo_document(doc, services, slis, out)
    for name, (doc, entry) in services.items():
        if entry.get("slos"):
            out.add_team(entry["team"])
            out.services.append(entry)
        else:
            out.skip(doc, ("metadata", "name"), f"service `{name}` has no SLO that imports")
    return out


def _not_used(doc: Document, base: FieldPath, out: Imported, keys: tuple[str, ...]) -> None:
    for key in keys:
        if doc.get((*base, key)) is not None:
            out.skip(doc, (*base, key), _NOT_USED[key])


def _service(doc: Document, out: Imported) -> dict[str, Any]:
    labels = doc.get(("metadata", "labels")) or {}
    team = UNASSIGNED
    for key in ("team", "owner"):
        value = labels.get(key) if isinstance(labels, dict) else None
        value = value[0] if isinstance(value, list) and value else value
        if isinstance(value, str) and name_problem(value) is None:
            team = value
            break
    if team == UNASSIGNED:
        out.skip(doc, ("metadata",), f"no `team` or `owner` label: team `{UNASSIGNED}`")
    entry: dict[str, Any] = {"name": doc.get(("metadata", "name")), "team": team}
    description = doc.get(("spec", "description")) or doc.get(("metadata", "displayName"))
    if isinstance(description, str) and description:
        entry["description"] = description
    entry["metrics"] = {"preset": "none"}
    entry["slos"] = []
    return entry


def _slo_document(
    doc: Document,
    services: dict[str, tuple[Document, dict[str, Any]]],
    slis: dict[str, Document],
    out: Imported,
) -> None:
    service = doc.get(("spec", "service"))
    why = name_problem(service)
    if why:
        out.skip(doc, ("spec", "service"), f"SLO not imported: service name: {why}")
        return
    if service not in services:
        services[service] = (doc, _service_stub(service))
    entry = services[service][1]
    alpha = doc.get(("apiVersion",)) == V1ALPHA
    window = _window(doc, out, alpha)
    method = doc.get(("spec", "budgetingMethod"))
    if method not in (None, "Occurrences"):
        out.skip(
            doc,
            ("spec", "budgetingMethod"),
            f"{method}: obskit budgets by occurrences (events), imported as Occurrences",
        )
    _not_used(doc, ("spec",), out, ("alertPolicies",))
    _not_used(doc, ("metadata",), out, ("displayName", "labels", "annotations"))
    objectives = doc.get(("spec", "objectives")) or []
    name = doc.get(("metadata", "name"))
    taken = {s["name"] for s in entry["slos"]}
    for i, _ in enumerate(objectives):
        path = ("spec", "objectives", i)
        sli = _alpha_sli(doc, path, out) if alpha else _v1_sli(doc, path, slis, out)
        objective = _objective(doc, path, out)
        if sli is None or objective is None:
            continue
        slo_name, renamed = catalog_slo_name(
            name if len(objectives) == 1 else f"{name}-{i + 1}"[:63]
        )
        if renamed:
            out.skip(doc, ("metadata", "name"), renamed)
        if slo_name in taken:
            out.skip(doc, ("metadata", "name"), f"SLO `{slo_name}` is already in `{service}`")
            continue
        taken.add(slo_name)
        slo: dict[str, Any] = {"name": slo_name, "objective": objective}
        description = doc.get(("spec", "description"))
        if isinstance(description, str) and description:
            slo["description"] = description
        if window:
            slo["window"] = window
        slo["sli"] = sli
        entry["slos"].append(slo)


def _service_stub(name: str) -> dict[str, Any]:
    return {"name": name, "team": UNASSIGNED, "metrics": {"preset": "none"}, "slos": []}


def _window(doc: Document, out: Imported, alpha: bool) -> str | None:
    if alpha:
        path: FieldPath = ("spec", "timeWindows", 0)
        count, unit = doc.get((*path, "count")), doc.get((*path, "unit"))
        duration = f"{count}{_UNITS.get(unit, '?')}" if count is not None else None
        rolling = doc.get((*path, "isRolling"), True)
    else:
        path = ("spec", "timeWindow", 0)
        duration = doc.get((*path, "duration"))
        rolling = doc.get((*path, "isRolling")) is not False and not doc.get((*path, "calendar"))
    if duration is None:
        return None
    if duration in WINDOWS and rolling is not False:
        return WINDOWS[duration]
    why = "calendar windows are not supported" if rolling is False else "unsupported duration"
    out.skip(doc, path, f"{why}: obskit windows are rolling 7d, 28d or 30d; default kept")
    return None


def _objective(doc: Document, path: FieldPath, out: Imported) -> float | None:
    target = doc.get((*path, "target"))
    percent = doc.get((*path, "targetPercent"))
    value = target * 100 if isinstance(target, int | float) else percent
    if not isinstance(value, int | float) or not 0 < value < 100:
        out.skip(doc, path, "objective not imported: target must be 0 < x < 1")
        return None
    for key in ("timeSliceTarget", "timeSliceWindow", "compositeWeight", "displayName"):
        if doc.get((*path, key)) is not None:
            out.skip(doc, (*path, key), "obskit SLOs have no time slices, weights or names here")
    value = round(value, 10)
    return int(value) if value == int(value) else value


def _alpha_sli(doc: Document, path: FieldPath, out: Imported) -> dict[str, str] | None:
    ratio = doc.get((*path, "ratioMetrics"))
    if not isinstance(ratio, dict):
        out.skip(doc, path, "objective not imported: only ratioMetrics objectives import")
        return None
    result = {}
    for key, target in (("good", "goodQuery"), ("bad", "errorQuery"), ("total", "totalQuery")):
        if key in ratio:
            where = (*path, "ratioMetrics", key, "query")
            query = _query(doc, where, doc.get(where), True, out)
            if query is None:
                return None
            result[target] = query
    return _ratio_complete(doc, (*path, "ratioMetrics"), result, out)


def _v1_sli(
    doc: Document, path: FieldPath, slis: dict[str, Document], out: Imported
) -> dict[str, str] | None:
    objective = doc.get(path) or {}
    if "indicator" in objective or "indicatorRef" in objective:
        owner, base = doc, path
        ref = objective.get("indicatorRef")
    else:
        owner, base = doc, ("spec",)
        ref = doc.get(("spec", "indicatorRef"))
    if ref is not None:
        if ref not in slis:
            out.skip(owner, (*base, "indicatorRef"), f"SLO not imported: no SLI named `{ref}`")
            return None
        owner, base = slis[ref], ("spec",)
    else:
        base = (*base, "indicator", "spec")
    spec = owner.get(base)
    if not isinstance(spec, dict):
        out.skip(owner, base, "SLO not imported: no indicator")
        return None
    if "ratioMetric" in spec:
        return _ratio_metric(owner, (*base, "ratioMetric"), out)
    if "thresholdMetric" in spec:
        return _threshold_metric(owner, (*base, "thresholdMetric"), doc, path, out)
    out.skip(owner, base, "SLO not imported: neither ratioMetric nor thresholdMetric")
    return None


def _source_query(doc: Document, path: FieldPath, out: Imported) -> str | None:
    source = (*path, "metricSource")
    kind = doc.get((*source, "type"))
    if kind is not None and str(kind).lower() != "prometheus":
        out.skip(doc, (*source, "type"), f"SLO not imported: {kind} metrics; obskit reads PromQL")
        return None
    if doc.get((*source, "metricSourceRef")) is not None and kind is None:
        out.skip(
            doc,
            (*source, "metricSourceRef"),
            "the DataSource is not read: the query is taken as PromQL for obskit's Prometheus",
        )
    query = doc.get((*source, "spec", "query")) or doc.get((*source, "spec", "promql"))
    if not isinstance(query, str):
        out.skip(doc, (*source, "spec"), "SLO not imported: no `query` (PromQL) in the spec")
        return None
    return query


def _query(doc: Document, path: FieldPath, query: Any, counter: bool, out: Imported) -> str | None:
    """The query with ``{{.window}}``: as written, or a counter selector wrapped in rate."""
    if isinstance(query, str) and WINDOW_PLACEHOLDER not in query:
        try:
            plain = type(parse_promql(query)).__name__ == "VectorSelector"
        except PromQLError:
            plain = False
        if plain and counter:
            query = f"sum(rate({query.strip()}[{WINDOW_PLACEHOLDER}]))"
        else:
            why = "a counter selector" if plain else "a plain selector"
            out.skip(
                doc,
                path,
                f"SLO not imported: no `{{{{.window}}}}` in the query and it is not {why} "
                "obskit could wrap in rate(); write the range as `[{{.window}}]`",
            )
            return None
    why = query_problem(query)
    if why:
        out.skip(doc, path, f"SLO not imported: {why}")
        return None
    return query


def _ratio_metric(doc: Document, path: FieldPath, out: Imported) -> dict[str, str] | None:
    counter = doc.get((*path, "counter")) is not False
    result = {}
    for key, target in (("good", "goodQuery"), ("bad", "errorQuery"), ("total", "totalQuery")):
        if doc.get((*path, key)) is None:
            continue
        raw = _source_query(doc, (*path, key), out)
        where = (*path, key, "metricSource", "spec", "query")
        query = _query(doc, where, raw, counter, out) if raw is not None else None
        if query is None:
            return None
        result[target] = query
    if doc.get((*path, "raw")) is not None:
        out.skip(doc, (*path, "raw"), "SLO not imported: a raw ratio has no events to count")
        return None
    return _ratio_complete(doc, path, result, out)


def _ratio_complete(
    doc: Document, path: FieldPath, result: dict[str, str], out: Imported
) -> dict[str, str] | None:
    if "totalQuery" not in result or len(result) != 2:
        out.skip(doc, path, "SLO not imported: needs total and one of good or bad")
        return None
    return result


def _threshold_metric(
    doc: Document, path: FieldPath, slo_doc: Document, objective: FieldPath, out: Imported
) -> dict[str, str] | None:
    query = _source_query(doc, path, out)
    op, value = slo_doc.get((*objective, "op")), slo_doc.get((*objective, "value"))
    if query is None:
        return None
    if op not in VIOLATION or not isinstance(value, int | float):
        out.skip(slo_doc, objective, "SLO not imported: a thresholdMetric needs op and value")
        return None
    inner = re.sub(r"\s+", " ", query.strip())
    bad = f"sum(count_over_time((({inner}) {VIOLATION[op]} {value})[{WINDOW_PLACEHOLDER}:1m]))"
    total = f"sum(count_over_time(({inner})[{WINDOW_PLACEHOLDER}:1m]))"
    for q in (bad, total):
        why = query_problem(q)
        if why:
            out.skip(doc, (*path, "metricSource", "spec", "query"), f"SLO not imported: {why}")
            return None
    return {"errorQuery": bad, "totalQuery": total}
