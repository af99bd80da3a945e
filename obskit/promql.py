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


def regex_problem(regex: str) -> str | None:
    """Why Prometheus would refuse ``regex`` in a ``=~`` matcher (RE2 syntax), or None.

    Checked by parsing a matcher with promql-parser, whose Rust regex engine refuses what
    RE2 refuses (look-arounds, back-references), so the answer is Prometheus', not Python's.
    """
    quoted = regex.replace("\\", "\\\\").replace('"', '\\"')
    try:
        parse_promql(f'x{{l=~"{quoted}"}}')
    except PromQLError:
        try:
            re.compile(regex)
        except re.error as exc:
            return f"not a valid regex: {exc}"
        return "uses syntax RE2 (Prometheus' regex engine) lacks: look-arounds, back-references"
    return None


def selector_value_problem(value: str) -> str | None:
    """What is wrong with a selector value (``~regex`` / ``!~regex`` spelling), or None."""
    for prefix in ("!~", "~"):
        if value.startswith(prefix):
            regex = value[len(prefix) :]
            if not regex:
                return f"`{prefix}` with an empty regex: write the regex after it, e.g. ~a|b"
            return regex_problem(regex)
    return None
