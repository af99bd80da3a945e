"""Sloth specs in: ``prometheus/v1`` files and ``sloth.slok.dev/v1`` PrometheusServiceLevel.

Each service level becomes a catalog service (``metrics: {preset: none}``) whose SLOs carry
custom SLIs with Sloth's ``{{.window}}`` queries as written. Sloth's ``AlertWindows``
documents given among the files set ``alerting.windows`` (and the window) of every SLO.
Whatever has no place in the catalog is reported per field; nothing is dropped silently.
"""

from __future__ import annotations

from typing import Any

from obskit.adapters.entries import (
    UNASSIGNED,
    WINDOWS,
    annotation_problem,
    catalog_slo_name,
    label_problem,
    name_problem,
    query_problem,
    scalar,
)
from obskit.adapters.source import Document, FieldPath, Imported, InputError

PROMETHEUS_V1 = "prometheus/v1"
K8S_API = "sloth.slok.dev/v1"
#: Sloth's default SLO period (``sloth generate --default-slo-period``)
DEFAULT_PERIOD = "30d"
SEVERITIES = ("critical", "warning", "info")

#: field names of the two spellings: prometheus/v1 (snake_case) and the CRD (camelCase)
_KEYS = {
    PROMETHEUS_V1: {
        "error": "error_query",
        "total": "total_query",
        "raw": "error_ratio_query",
        "page": "page_alert",
        "ticket": "ticket_alert",
        "plugins": "slo_plugins",
    },
    K8S_API: {
        "error": "errorQuery",
        "total": "totalQuery",
        "raw": "errorRatioQuery",
        "page": "pageAlert",
        "ticket": "ticketAlert",
        "plugins": "sloPlugins",
    },
}
_LABELS_WHY = (
    "Sloth adds these labels to its recording rules; obskit's SLO rules carry only service, "
    "team and slo"
)


def is_sloth(doc: Document) -> bool:
    data = doc.data
    return isinstance(data, dict) and (
        data.get("version") == PROMETHEUS_V1 or str(data.get("apiVersion", "")) == K8S_API
    )


def import_documents(docs: list[Document]) -> Imported:
    """Catalog services from Sloth documents; :class:`InputError` for anything else."""
    out = Imported()
    windows = _alert_windows(docs)
    problems = []
    for doc in docs:
        data = doc.data
        if not isinstance(data, dict):
            problems.append(doc.problem((), "not a mapping", "a Sloth spec is a YAML mapping"))
        elif data.get("kind") == "AlertWindows" and data.get("apiVersion") == K8S_API:
            continue
        elif data.get("version") == PROMETHEUS_V1:
            _service_level(doc, (), PROMETHEUS_V1, windows, out)
        elif data.get("apiVersion") == K8S_API and data.get("kind") == "PrometheusServiceLevel":
            _k8s_metadata(doc, out)
            _service_level(doc, ("spec",), K8S_API, windows, out)
        else:
            what = data.get("version") or f"{data.get('apiVersion')} {data.get('kind')}"
            problems.append(
                doc.problem(
                    (),
                    f"not a Sloth spec ({what})",
                    "Sloth specs start with `version: prometheus/v1` or are "
                    "`apiVersion: sloth.slok.dev/v1` `kind: PrometheusServiceLevel`; "
                    "OpenSLO files: `obskit import openslo`",
                )
            )
    if problems:
        raise InputError(problems)
    return out


def _alert_windows(docs: list[Document]) -> tuple[Document, dict[str, Any]] | None:
    found = [
        d
        for d in docs
        if isinstance(d.data, dict)
        and d.data.get("apiVersion") == K8S_API
        and d.data.get("kind") == "AlertWindows"
    ]
    if len(found) > 1:
        raise InputError(
            [d.problem((), "a second AlertWindows document", "give one per import") for d in found]
        )
    if not found:
        return None
    doc = found[0]
    spec = doc.get(("spec",), {})
    shape_ok = isinstance(spec, dict) and all(
        isinstance(spec.get(k, {}).get(s) if isinstance(spec.get(k), dict) else None, dict)
        for k in ("page", "ticket")
        for s in ("quick", "slow")
    )
    if not shape_ok:
        raise InputError(
            [doc.problem(("spec",), "AlertWindows without page/ticket quick/slow windows")]
        )
    return doc, spec


def _k8s_metadata(doc: Document, out: Imported) -> None:
    if doc.get(("metadata", "namespace")) is not None:
        out.skip(
            doc,
            ("metadata", "namespace"),
            "the namespace of the PrometheusServiceLevel object, not of the service; set "
            "services[].namespace if the service runs elsewhere than `default`",
        )


def _service_level(
    doc: Document,
    base: FieldPath,
    api: str,
    windows: tuple[Document, dict[str, Any]] | None,
    out: Imported,
) -> None:
    keys = _KEYS[api]
    name = doc.get((*base, "service"))
    why = name_problem(name)
    if why:
        raise InputError([doc.problem((*base, "service"), f"service name: {why}")])
    labels = doc.get((*base, "labels"), {}) or {}
    team = UNASSIGNED
    owner = labels.get("owner") if isinstance(labels, dict) else None
    if owner is not None and name_problem(str(owner)) is None:
        team = str(owner)
    for label in labels if isinstance(labels, dict) else ():
        if label != "owner" or team == UNASSIGNED:
            out.skip(doc, (*base, "labels", label), _LABELS_WHY)
    if team == UNASSIGNED:
        out.skip(doc, (*base, "labels"), f"no `owner` label naming a team: team `{UNASSIGNED}`")
    if doc.get((*base, keys["plugins"])) is not None:
        out.skip(doc, (*base, keys["plugins"]), "Sloth SLO plugins run inside Sloth")
    slos = []
    for i, _ in enumerate(doc.get((*base, "slos"), []) or []):
        slo = _slo(doc, (*base, "slos", i), keys, windows, out)
        if slo is not None:
            slos.append(slo)
    if not slos:
        out.skip(doc, (*base, "service"), f"service `{name}`: none of its SLOs could be imported")
        return
    out.add_team(team)
    out.services.append({"name": name, "team": team, "metrics": {"preset": "none"}, "slos": slos})


def _slo(
    doc: Document,
    path: FieldPath,
    keys: dict[str, str],
    windows: tuple[Document, dict[str, Any]] | None,
    out: Imported,
) -> dict[str, Any] | None:
    name = doc.get((*path, "name"))
    why = name_problem(name)
    if why:
        out.skip(doc, (*path, "name"), f"SLO not imported: {why}")
        return None
    objective = doc.get((*path, "objective"))
    if not isinstance(objective, int | float) or not 0 < objective < 100:
        out.skip(doc, (*path, "objective"), "SLO not imported: objective must be 0 < x < 100")
        return None
    sli = _sli(doc, (*path, "sli"), keys, out)
    if sli is None:
        return None
    name, renamed = catalog_slo_name(name)
    if renamed:
        out.skip(doc, (*path, "name"), renamed)
    entry: dict[str, Any] = {"name": name, "objective": objective}
    if isinstance(doc.get((*path, "description")), str):
        entry["description"] = doc.get((*path, "description"))
    entry["window"] = DEFAULT_PERIOD
    entry["sli"] = sli
    for label in doc.get((*path, "labels"), {}) or {}:
        out.skip(doc, (*path, "labels", label), _LABELS_WHY)
    if doc.get((*path, "plugins")) is not None:
        out.skip(doc, (*path, "plugins"), "Sloth SLO plugins run inside Sloth")
    alerting = _alerting(doc, (*path, "alerting"), keys, out)
    if windows is not None:
        wdoc, spec = windows
        period = spec.get("sloPeriod", DEFAULT_PERIOD)
        if period in WINDOWS:
            entry["window"] = period
            alerting["windows"] = {"page": spec["page"], "ticket": spec["ticket"]}
        else:
            out.skip(wdoc, ("spec", "sloPeriod"), f"obskit SLO windows are {', '.join(WINDOWS)}")
    if alerting:
        entry["alerting"] = alerting
    return entry


def _sli(
    doc: Document, path: FieldPath, keys: dict[str, str], out: Imported
) -> dict[str, str] | None:
    sli = doc.get(path, {}) or {}
    if not isinstance(sli, dict):
        out.skip(doc, path, "SLO not imported: `sli` is not a mapping")
        return None
    if "events" in sli:
        result = {}
        for key, target in (("error", "errorQuery"), ("total", "totalQuery")):
            where = (*path, "events", keys[key])
            why = query_problem(doc.get(where))
            if why:
                out.skip(doc, where, f"SLO not imported: {why}")
                return None
            result[target] = doc.get(where)
        return result
    if "raw" in sli:
        out.skip(
            doc,
            (*path, "raw", keys["raw"]),
            "SLO not imported: a raw error-ratio SLI has no events to count; obskit SLIs are "
            "error (or good) and total event rates — rewrite it as `events`",
        )
    elif "plugin" in sli:
        out.skip(
            doc,
            (*path, "plugin", "id"),
            f"SLO not imported: SLI plugin `{doc.get((*path, 'plugin', 'id'))}` is Go code run "
            "by Sloth; its queries are not in the spec — write them as `events`",
        )
    else:
        out.skip(doc, path, "SLO not imported: no `events` SLI")
    return None


def _alerting(
    doc: Document, path: FieldPath, keys: dict[str, str], out: Imported
) -> dict[str, Any]:
    src = doc.get(path, {}) or {}
    alerting: dict[str, Any] = {}
    if not isinstance(src, dict):
        out.skip(doc, path, "not a mapping")
        return alerting
    if "name" in src:
        out.skip(
            doc,
            (*path, "name"),
            "obskit names burn-rate alerts <Service><Slo>ErrorBudgetFastBurn / SlowBurn",
        )
    labels = _labels(doc, (*path, "labels"), out)
    if labels:
        alerting["labels"] = labels
    annotations = _annotations(doc, (*path, "annotations"), out)
    if annotations:
        alerting["annotations"] = annotations
    disabled = []
    for kind in ("page", "ticket"):
        sub = (*path, keys[kind])
        one = doc.get(sub, {}) or {}
        if one.get("disable") is True:
            disabled.append(kind)
        for label, value in (one.get("labels") or {}).items():
            if label == "severity" and value in SEVERITIES:
                alerting[f"{kind}Severity"] = value
            else:
                out.skip(
                    doc,
                    (*sub, "labels", label),
                    "obskit's SLO alert labels apply to both page and ticket alerts"
                    if label != "severity"
                    else f"obskit severities are {', '.join(SEVERITIES)}",
                )
        for key in one.get("annotations") or {}:
            out.skip(
                doc,
                (*sub, "annotations", key),
                "obskit's SLO alert annotations apply to both page and ticket alerts",
            )
    if len(disabled) == 2:
        out.skip(
            doc,
            (*path, keys["page"], "disable"),
            "page and ticket both disabled: obskit renders at least one burn-rate alert per "
            "SLO, so both are kept (turn one off in the catalog)",
        )
    else:
        for kind in disabled:
            alerting[kind] = False
    return alerting


def _labels(doc: Document, path: FieldPath, out: Imported) -> dict[str, str]:
    kept = {}
    for label, value in (doc.get(path, {}) or {}).items():
        why = label_problem(str(label), value)
        if why:
            out.skip(doc, (*path, label), why)
        else:
            kept[str(label)] = scalar(value)
    return kept


def _annotations(doc: Document, path: FieldPath, out: Imported) -> dict[str, str]:
    kept = {}
    for key, value in (doc.get(path, {}) or {}).items():
        why = annotation_problem(str(key))
        if why:
            out.skip(doc, (*path, key), why)
        else:
            kept[str(key)] = scalar(value)
    return kept
