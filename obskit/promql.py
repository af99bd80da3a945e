"""PromQL parsing (promql-parser) for validation, lint and tests."""

from __future__ import annotations

import re

import promql_parser

#: Grafana template variables and what to put in their place before parsing a panel query
GRAFANA_SUBSTITUTIONS = {
    "$__rate_interval": "5m",
    "$__interval": "1m",
    "$__range": "1h",
}


class PromQLError(ValueError):
    """An expression that does not parse."""


def parse_promql(expr: str) -> object:
    """The AST of ``expr``; :class:`PromQLError` when it is not valid PromQL."""
    try:
        return promql_parser.parse(expr)
    except (ValueError, TypeError) as exc:
        raise PromQLError(str(exc)) from None
    except BaseException as exc:  # pyo3 panics surface as PanicException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise PromQLError(str(exc)) from None


def substitute_grafana_variables(expr: str) -> str:
    """Replace Grafana variables with values so a panel query can be parsed as PromQL."""
    for name, value in GRAFANA_SUBSTITUTIONS.items():
        expr = expr.replace(name, value)
    expr = expr.replace("${__rate_interval}", "5m")
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}?", r"\1", expr)
