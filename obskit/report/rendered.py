"""A catalog's dashboards and rules, rendered in memory by the real renderers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from obskit.catalog.model import Catalog
from obskit.preview.rules import RuleSet, parse_rule_file, rule_file_name
from obskit.render.registry import load_renderer

#: where the dashboards renderer writes the overview dashboards
OVERVIEW = "dashboards/overview/"


@dataclass(frozen=True)
class Rendered:
    """``{service: dashboard JSON}``, ``{service: rule set}`` and the overview dashboards
    (``{name: dashboard JSON}``: team, fleet and SLO overviews)."""

    dashboards: dict[str, dict[str, Any]]
    rules: dict[str, RuleSet]
    overviews: dict[str, dict[str, Any]] = field(default_factory=dict)


def render_in_memory(catalog: Catalog) -> Rendered:
    """Render the ``dashboards`` and ``alerts`` units of ``catalog`` without writing files."""
    names = {s.name for s in catalog.services}
    files: dict[str, bytes] = {}
    for kind in ("dashboards", "alerts"):
        for unit in load_renderer(kind).units(catalog):
            files.update({path: bytes(data) for path, data in unit.produce().items()})
    dashboards = {
        name: json.loads(files[f"dashboards/{name}.json"])
        for name in sorted(names)
        if f"dashboards/{name}.json" in files
    }
    rules = {
        name: parse_rule_file(name, files[rule_file_name(name)], rule_file_name(name))
        for name in sorted(names)
        if rule_file_name(name) in files
    }
    overviews = {
        path.removeprefix(OVERVIEW).removesuffix(".json"): json.loads(files[path])
        for path in sorted(files)
        if path.startswith(OVERVIEW) and path.endswith(".json")
    }
    return Rendered(dashboards, rules, overviews)
