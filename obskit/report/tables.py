"""Grafana table panels from Prometheus instant queries: the ``merge`` and ``organize``
transformations, ``sortBy``, units, decimals and per-column threshold colours."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from obskit.report.units import format_value, step_colour

#: the position ``organize`` gives a field its ``indexByName`` does not list
UNLISTED = 2**53 - 1


def _sort_key(value: Any) -> tuple[float, str]:
    """A cell's sort key in Grafana's table: a missing value (and NaN, as the classic table's
    ``sortNumber`` has it) below every number; text case-insensitively."""
    if value is None or (isinstance(value, float) and value != value):
        return (float("-inf"), "")
    if isinstance(value, float):
        return (value, "")
    return (float("-inf"), str(value).lower())


def _sort_rows(panel: dict[str, Any], shown: list[tuple[str, str]], rows: list[dict]) -> list:
    """``options.sortBy`` as Grafana's table (``applySort``) applies it: the first entry is
    the primary key, ``desc`` reverses the order, ties keep their order (stable sorts from
    the last entry to the first)."""
    for sort in reversed((panel.get("options") or {}).get("sortBy") or []):
        source = next((c for c, name in shown if name == sort.get("displayName")), None)
        if source is not None:
            key = lambda r, s=source: _sort_key(r.get(s))  # noqa: E731
            rows = sorted(rows, key=key, reverse=bool(sort.get("desc")))
    return rows


@dataclass
class Table:
    """Column names, and per row the cell texts and background colours (None: plain)."""

    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    colours: list[list[str | None]] = field(default_factory=list)


def value_column(target: dict[str, Any], index: int, count: int) -> str:
    """Grafana's name of a target's value field: ``Value``, or ``Value #A`` with several."""
    return "Value" if count == 1 else f"Value #{target.get('refId') or chr(65 + index)}"


def merge(results: list[tuple[str, list[dict[str, Any]]]]) -> tuple[list[str], list[dict]]:
    """``merge``: one row per label set over every target; (columns, rows as dicts)."""
    merged: dict[tuple[tuple[str, str], ...], dict[str, Any]] = {}
    for column, series_list in results:
        for series in series_list:
            labels = {k: v for k, v in series.get("metric", {}).items() if k != "__name__"}
            key = tuple(sorted(labels.items()))
            merged.setdefault(key, dict(labels))[column] = float(series["value"][1])
    labels = sorted({k for key in merged for k, _ in key})
    columns = [*labels, *(c for c, _ in results)]
    return columns, [merged[key] for key in sorted(merged)]


def _organize(panel: dict[str, Any], columns: list[str]) -> list[tuple[str, str]]:
    """(source column, shown name) in the order the ``organize`` transformation gives."""
    options: dict[str, Any] = {}
    for step in panel.get("transformations") or []:
        if step.get("id") == "organize":
            options = step.get("options") or {}
    exclude = {k for k, v in (options.get("excludeByName") or {}).items() if v}
    rename = options.get("renameByName") or {}
    index = options.get("indexByName") or {}
    # Grafana: a field not in indexByName sorts as Number.MAX_SAFE_INTEGER (a stable sort)
    kept = sorted((c for c in columns if c not in exclude), key=lambda c: index.get(c, UNLISTED))
    return [(c, rename.get(c, c)) for c in kept]


def _field_config(panel: dict[str, Any], name: str) -> dict[str, Any]:
    """Column ``name``'s field config: the panel's defaults with each matching override's
    properties set at their dotted path (``custom.cellOptions`` -> ``custom.cellOptions``),
    as Grafana applies overrides."""
    config = copy.deepcopy(panel.get("fieldConfig", {}).get("defaults", {}))
    for override in panel.get("fieldConfig", {}).get("overrides") or []:
        matcher = override.get("matcher") or {}
        options = matcher.get("options")
        names = (options or {}).get("names", []) if isinstance(options, dict) else [options]
        if matcher.get("id") not in ("byName", "byNames") or name not in names:
            continue
        for prop in override.get("properties") or []:
            *parents, last = prop["id"].split(".")
            node = config
            for key in parents:
                node = node.setdefault(key, {})
            node[last] = prop.get("value")
    return config


def _coloured(config: dict[str, Any]) -> bool:
    """Whether cells get their threshold colour as background (``cellOptions``, or the
    older ``displayMode``)."""
    custom = config.get("custom") or {}
    cell = (custom.get("cellOptions") or {}).get("type")
    return cell == "color-background" or (
        cell is None and custom.get("displayMode") in ("color-background", "color-background-solid")
    )


def build_table(panel: dict[str, Any], results: list[tuple[str, list[dict[str, Any]]]]) -> Table:
    """The table Grafana shows for ``results`` (per target: its value column name and its
    instant-query series)."""
    columns, rows = merge(results)
    shown = _organize(panel, columns)
    values = {c for c, _ in results}
    rows = _sort_rows(panel, shown, rows)
    table = Table(columns=[name for _, name in shown])
    for row in rows:
        texts: list[str] = []
        colours: list[str | None] = []
        for source, name in shown:
            value = row.get(source)
            if source not in values or value is None:
                texts.append("" if value is None else str(value))
                colours.append(None)
                continue
            config = _field_config(panel, name)
            texts.append(format_value(value, config.get("unit") or "", config.get("decimals")))
            styled = _coloured(config)
            colours.append(step_colour(config.get("thresholds"), value) if styled else None)
        table.rows.append(texts)
        table.colours.append(colours)
    return table
