"""Helpers for the dashboards tests: render in memory, walk panels and PromQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import promql_parser

from obskit import slo_names
from obskit.catalog.loader import load_catalog
from obskit.catalog.model import Catalog
from obskit.lint.cluster_scope import cluster_drops
from obskit.promql import parse_promql, substitute_grafana_variables
from obskit.renderers.dashboards import RENDERER

SCHEMA = Path("grafana") / "dashboard.jsonschema.json"
#: counters of the presets and of kube-state-metrics / cAdvisor that have no _total suffix
COUNTERS_WITHOUT_SUFFIX = {"nginx_ingress_controller_requests"}


def render(catalog: Catalog) -> dict[str, dict[str, Any]]:
    """``{path: dashboard dict}`` for every unit of the renderer."""
    out: dict[str, dict[str, Any]] = {}
    for unit in RENDERER.units(catalog):
        for path, data in unit.produce().items():
            out[path] = json.loads(data)
    return out


def render_bytes(catalog: Catalog) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for unit in RENDERER.units(catalog):
        out.update(unit.produce())
    return out


def catalog_from_text(tmp_path: Path, text: str, name: str = "catalog.yaml") -> Catalog:
    path = tmp_path / name
    path.write_text(text)
    return load_catalog(path)


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows included, nested row panels too."""
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def exprs(dashboard: dict[str, Any]) -> Iterator[str]:
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            yield target["expr"]


def parse(expr: str) -> Any:
    return parse_promql(substitute_grafana_variables(expr))


def selectors(node: Any, call: str | None = None) -> Iterator[tuple[Any, str | None]]:
    """(VectorSelector, name of the function it is a range argument of, or None)."""
    if isinstance(node, promql_parser.VectorSelector):
        yield node, None
    elif isinstance(node, promql_parser.MatrixSelector):
        yield node.vector_selector, call
    elif isinstance(node, promql_parser.Call):
        for arg in node.args:
            yield from selectors(arg, node.func.name)
    elif isinstance(node, promql_parser.BinaryExpr):
        yield from selectors(node.lhs)
        yield from selectors(node.rhs)
    elif isinstance(node, promql_parser.AggregateExpr):
        yield from selectors(node.expr)
        if node.param is not None:
            yield from selectors(node.param)
    elif isinstance(
        node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr
    ):
        yield from selectors(node.expr)


def matchers(selector: Any) -> dict[str, tuple[str, str]]:
    """``{label: (op, value)}`` of a vector selector (op as ``=``, ``=~``, ``!=``, ``!~``)."""
    ops = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
    out = {}
    for m in selector.matchers.matchers:
        op = str(m.op).rsplit(".", 1)[-1]
        out[m.name] = (ops.get(op, op), m.value)
    return out


def is_counter(name: str) -> bool:
    return name.endswith(("_total", "_count", "_bucket", "_sum")) or name in (
        COUNTERS_WITHOUT_SUFFIX
    )


ALL_CLUSTERS = "(all clusters)"


def cluster_losses(dashboard: dict) -> dict[str, list[str]]:
    """``{"<panel title> / <refId>": [what loses cluster]}`` over every panel query (but
    those of panels titled "(all clusters)") and every annotation query."""
    queries = [
        (f"{panel['title']} / {target['refId']}", target["expr"])
        for panel in panels(dashboard)
        if ALL_CLUSTERS not in panel.get("title", "")
        for target in panel.get("targets", [])
    ]
    queries += [
        (f"annotation {a['name']}", a["expr"])
        for a in dashboard.get("annotations", {}).get("list", [])
        if a.get("expr")
    ]
    out: dict[str, list[str]] = {}
    for where, expr in queries:
        drops = cluster_drops(substitute_grafana_variables(expr), slo_names.CONSTANT_RECORDS)
        if drops:
            out[where] = drops
    return out
