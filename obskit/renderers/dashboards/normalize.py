"""grafanalib output -> Grafana's current dashboard JSON model, in one place.

grafanalib (0.7) still emits a 2018-era model: ``null`` for every unset option, legacy keys
(``span``, ``rows``, ``style``, ``hideControls``...), string datasources, ``schemaVersion``
12 and empty threshold steps. :func:`normalize_dashboard` turns its plain-dict output into
what the pinned schema (Grafana 12, schemaVersion 42) accepts: it keeps only the keys each
closed object of the schema allows (derived once by ``scripts/derive_grafana_keys.py`` into
``obskit/data/grafana/dashboard_keys.json``), drops nulls, and fills required fields.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

#: the datasource every panel and variable uses: the dashboard's ``datasource`` variable
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
#: target keys that mean something to Grafana's Prometheus query editor today
_TARGET_KEYS = (
    "datasource",
    "expr",
    "format",
    "instant",
    "interval",
    "legendFormat",
    "range",
    "refId",
)


@cache
def _keys() -> dict[str, Any]:
    text = resources.files("obskit").joinpath("data/grafana/dashboard_keys.json").read_text()
    return json.loads(text)


def schema_version() -> int:
    """The ``schemaVersion`` the pinned schema expects (42)."""
    return int(_keys()["schemaVersion"])


@cache
def _allowed(definition: str) -> frozenset[str]:
    return frozenset(_keys()["closedObjects"][definition])


_SCALARS = frozenset((str, int, float, bool, type(None)))


def to_plain(obj: Any) -> Any:
    """grafanalib objects (anything with ``to_json_data``) -> plain dicts and lists.

    The hot path of rendering (every leaf of every panel passes here): scalars are tested
    by exact type before any recursion.
    """
    kind = type(obj)
    if kind is dict:
        return {k: v if type(v) in _SCALARS else to_plain(v) for k, v in obj.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in _SCALARS else to_plain(v) for v in obj]
    if kind in _SCALARS:
        return obj
    to_json = getattr(obj, "to_json_data", None)
    return to_plain(to_json()) if to_json is not None else obj


def _closed(data: dict[str, Any], definition: str) -> dict[str, Any]:
    """Only the schema's keys of ``definition``, without nulls."""
    allowed = _allowed(definition)
    return {k: v for k, v in data.items() if k in allowed and v is not None}


def _datasource(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {k: str(v) for k, v in value.items() if k in ("type", "uid") and v is not None}
    return dict(DATASOURCE)


def _thresholds(value: Any) -> dict[str, Any]:
    value = value if isinstance(value, dict) else {}
    steps = value.get("steps") or []
    clean = [
        {"color": s["color"], "value": _number(s.get("value"))}
        for s in steps
        if isinstance(s, dict)
    ]
    if not clean:
        clean = [{"color": "green", "value": None}]
    return {"mode": value.get("mode") or "absolute", "steps": clean}


def _number(value: Any) -> float | int | None:
    """A threshold step value: a number, or None (-Infinity; legacy grafanalib says "null")."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _field_config(data: Any) -> dict[str, Any]:
    data = data if isinstance(data, dict) else {}
    defaults = _closed(data.get("defaults") or {}, "FieldConfig")
    defaults["thresholds"] = _thresholds(defaults.get("thresholds"))
    if defaults.get("custom") is not None:
        defaults["custom"] = _drop_nulls(defaults["custom"])
    if not defaults.get("mappings"):
        defaults.pop("mappings", None)
    if defaults.get("color") is None:
        defaults.pop("color", None)
    overrides = [
        {"matcher": o["matcher"], "properties": o.get("properties", [])}
        for o in data.get("overrides") or []
    ]
    return {"defaults": defaults, "overrides": overrides}


def _drop_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def _target(data: dict[str, Any], index: int) -> dict[str, Any]:
    out = {k: data[k] for k in _TARGET_KEYS if data.get(k) not in (None, "")}
    out["refId"] = out.get("refId") or chr(ord("A") + index)
    out["datasource"] = _datasource(out.get("datasource"))
    if out.get("instant"):
        out["range"] = False
    else:
        out.pop("instant", None)
        out["range"] = True
    return out


def _panel(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("type") == "row":
        row = _closed(data, "RowPanel")
        row["collapsed"] = bool(row.get("collapsed", False))
        row["panels"] = [_panel(p) for p in row.get("panels") or []]
        row.pop("datasource", None)
        return row
    panel = _closed(data, "Panel")
    panel["datasource"] = _datasource(panel.get("datasource"))
    panel["targets"] = [_target(t, i) for i, t in enumerate(panel.get("targets") or [])]
    panel["fieldConfig"] = _field_config(panel.get("fieldConfig"))
    panel["options"] = _drop_nulls(panel.get("options") or {})
    grid = _closed(panel.get("gridPos") or {}, "GridPos")
    if {"h", "w", "x", "y"} <= grid.keys():
        panel["gridPos"] = grid
    else:  # an unplaced panel (the layout places every obskit panel)
        panel.pop("gridPos", None)
    panel["links"] = [_closed(link, "DashboardLink") for link in panel.get("links") or []]
    for key, default in (
        ("maxDataPoints", 100),
        ("links", []),
        ("transformations", []),
        ("transparent", False),
        ("hideTimeOverride", False),
        ("interval", ""),
        ("cacheTimeout", ""),
        ("repeat", ""),
    ):
        if panel.get(key) == default:
            del panel[key]
    for key in ("repeatDirection", "maxPerRow"):
        if "repeat" not in panel:
            panel.pop(key, None)
    return panel


def _variable(data: dict[str, Any]) -> dict[str, Any]:
    var = _closed(data, "VariableModel")
    if var.get("type") != "interval":
        for key in ("auto", "auto_count", "auto_min"):
            var.pop(key, None)
    if "datasource" in var or var.get("type") == "query":
        var["datasource"] = _datasource(var.get("datasource"))
    if var.get("type") == "datasource":
        var.pop("datasource", None)
    current = var.get("current")
    if isinstance(current, dict) and current.get("value") is not None:
        var["current"] = {
            "selected": bool(current.get("selected", False)),
            "text": "All"
            if current["value"] == "$__all"
            else (current.get("text") or current["value"]),
            "value": current["value"],
        }
    else:
        var.pop("current", None)
    var["options"] = [_closed(o, "VariableOption") for o in var.get("options") or []]
    if var.get("regex") == "":
        del var["regex"]
    return var


def normalize_panel(panel: Any) -> dict[str, Any]:
    """A schema-valid panel dict from a grafanalib panel (or its plain dict)."""
    return _panel(to_plain(panel))


def normalize_variable(template: Any) -> dict[str, Any]:
    """A schema-valid variable dict from a grafanalib ``Template``."""
    return _variable(to_plain(template))


def normalize_link(link: Any) -> dict[str, Any]:
    """A schema-valid dashboard link dict from a grafanalib ``DashboardLink``."""
    return _closed(to_plain(link), "DashboardLink")


def normalize_annotations(annotations: Any) -> dict[str, Any]:
    """The dashboard's ``annotations`` from a grafanalib ``Annotations``."""
    return _drop_nulls(to_plain(annotations) or {"list": []})


def normalize_dashboard(data: Any) -> dict[str, Any]:
    """A schema-valid dashboard dict from a grafanalib ``Dashboard`` (or its plain dict)."""
    data = to_plain(data)
    dash = _closed(data, "Dashboard")
    dash["schemaVersion"] = schema_version()
    dash["panels"] = [_panel(p) for p in dash.get("panels") or []]
    dash["templating"] = {
        "list": [_variable(v) for v in (dash.get("templating") or {}).get("list") or []]
    }
    dash["annotations"] = normalize_annotations(dash.get("annotations"))
    dash["links"] = [normalize_link(link) for link in dash.get("links") or []]
    if "timepicker" in dash:
        dash["timepicker"] = _closed(dash["timepicker"], "TimePickerConfig")
        dash["timepicker"].pop("nowDelay", None)
    if not dash.get("description"):
        dash.pop("description", None)
    return dash
