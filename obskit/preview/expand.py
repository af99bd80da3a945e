"""Expand references to recording rules into the rules' own expressions.

The server being previewed against does not evaluate our recording rules yet, so an alert
such as ``slo:sli_error:ratio_rate5m{service="checkout", slo="availability"} > 0.0144``
would never see data. Each selector of a recorded series is replaced (recursively) by the
defining expression of every rule it selects, with the rule's static labels put back by
``label_replace`` so vector matching and the alert's labels behave as on a real server;
a range selector over a recorded series becomes a subquery at the group's interval.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import timedelta

import promql_parser as pp

from obskit.catalog.durations import format_duration
from obskit.preview.rules import RecordingRule
from obskit.promql import PromQLError, parse_promql


class ExpandError(ValueError):
    """A reference to a recorded series that cannot be expanded faithfully."""


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _matches(matcher: pp.Matcher, value: str) -> bool:
    op = matcher.op
    if op == pp.MatchOp.Equal:
        return value == matcher.value
    if op == pp.MatchOp.NotEqual:
        return value != matcher.value
    found = re.fullmatch(matcher.value, value) is not None
    return found if op == pp.MatchOp.Re else not found


def _duration(delta: timedelta) -> str:
    return format_duration(delta.total_seconds())


def _modifiers(vs: pp.VectorSelector) -> str:
    text = ""
    if vs.offset:
        text += f" offset {_duration(vs.offset)}"
    if vs.at is not None:
        if vs.at.type == pp.AtModifierType.Start:
            text += " @ start()"
        elif vs.at.type == pp.AtModifierType.End:
            text += " @ end()"
        else:
            text += f" @ {vs.at.at.timestamp():.3f}"
    return text


class Expander:
    """Expands PromQL against a set of recording rules."""

    def __init__(self, rules: Iterable[RecordingRule]) -> None:
        self._rules: dict[str, list[RecordingRule]] = {}
        for rule in rules:
            self._rules.setdefault(rule.record, []).append(rule)
        self._cache: dict[tuple[str, int], str] = {}

    @property
    def recorded(self) -> frozenset[str]:
        return frozenset(self._rules)

    def expand(self, expr: str) -> str:
        """``expr`` with every recorded-series selector replaced by its expression."""
        return self._expand(expr, ())

    def _expand(self, expr: str, stack: Sequence[str]) -> str:
        try:
            ast = parse_promql(expr)
        except PromQLError as exc:
            raise ExpandError(f"not valid PromQL: {exc}") from None
        if not self._references(ast):
            return expr

        def pre(node: object) -> object | None:
            if isinstance(node, pp.MatrixSelector):
                vs = node.vector_selector
                inner = self._selected(vs, stack)
                if inner is None:
                    return None
                text, interval = inner
                step = format_duration(interval)
                return pp.parse(f"({text})[{_duration(node.range)}:{step}]{_modifiers(vs)}")
            if isinstance(node, pp.VectorSelector):
                inner = self._selected(node, stack)
                if inner is None:
                    return None
                if node.offset or node.at is not None:
                    raise ExpandError(
                        f"{node}: offset/@ on a recorded series without a range cannot be "
                        "expanded; use a range function or deploy the recording rules first"
                    )
                return pp.parse(f"({inner[0]})")
            return None

        return str(pp.transform(ast, pre))

    def _references(self, ast: object) -> bool:
        found = False

        def visit(node: object) -> bool | None:
            nonlocal found
            if isinstance(node, pp.VectorSelector) and _name(node) in self._rules:
                found = True
                return False
            return None

        pp.walk(ast, visit)
        return found

    def _selected(self, vs: pp.VectorSelector, stack: Sequence[str]) -> tuple[str, float] | None:
        """The expansion of the rules ``vs`` selects (and their interval), or None."""
        name = _name(vs)
        if name not in self._rules:
            return None
        if name in stack:
            raise ExpandError(f"recording rules refer to each other: {' -> '.join(stack)}")
        matchers = [m for m in vs.matchers.matchers if m.name != "__name__"]
        if vs.matchers.or_matchers:
            raise ExpandError(f"{vs}: `or` matchers on a recorded series are not supported")
        parts: list[str] = []
        interval = 0.0
        for index, rule in enumerate(self._rules[name]):
            if not all(self._static_match(m, rule, vs) for m in matchers):
                continue
            key = (name, index)
            if key not in self._cache:
                body = self._expand(rule.expr, (*stack, name))
                self._cache[key] = _relabel(body, rule.labels)
            parts.append(self._cache[key])
            interval = max(interval, rule.interval)
        if not parts:
            return None  # selects no rule: the series does not exist either way
        text = parts[0] if len(parts) == 1 else " or ".join(f"({p})" for p in parts)
        return text, interval

    @staticmethod
    def _static_match(matcher: pp.Matcher, rule: RecordingRule, vs: object) -> bool:
        if matcher.name not in rule.labels:
            raise ExpandError(
                f"{vs}: label {matcher.name!r} is not a static label of recording rule "
                f"{rule.record} ({', '.join(sorted(rule.labels)) or 'none'}); "
                "cannot tell which series it selects"
            )
        return _matches(matcher, rule.labels[matcher.name])


def _name(vs: pp.VectorSelector) -> str | None:
    if vs.name:
        return vs.name
    for m in vs.matchers.matchers:
        if m.name == "__name__" and m.op == pp.MatchOp.Equal:
            return m.value
    return None


def _relabel(expr: str, labels: dict[str, str] | object) -> str:
    """Set each static label of a recording rule on the result of ``expr``."""
    text = expr
    for label, value in sorted(dict(labels).items()):  # type: ignore[call-overload]
        text = f'label_replace({text}, {_quote(label)}, {_quote(value)}, "", "")'
    return text
