"""Expand references to recording rules into the rules' own expressions.

The server being previewed against does not evaluate our recording rules yet, so an alert
such as ``slo:sli_error:ratio_rate5m{service="checkout", slo="availability"} > 0.0144``
would never see data. Each selector of a recorded series is replaced (recursively) by the
defining expression of every rule it selects, with the rule's static labels put back by
``label_replace`` so vector matching and the alert's labels behave as on a real server;
a range selector over a recorded series becomes a subquery at the rule group's interval.

The rewrite is textual -- everything but the replaced selectors keeps its original text
(promql-parser's printer does not re-escape strings, so printing an AST could change a
query) -- while the parser decides what a selector selects and checks that every
reference was found and that the result parses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import promql_parser as pp

from obskit.catalog.durations import format_duration
from obskit.preview.promql_text import TextError, close_bracket, skip_space, strip_comments, tokens
from obskit.preview.rules import RecordingRule
from obskit.promql import PromQLError, parse_promql


class ExpandError(ValueError):
    """A reference to a recorded series that cannot be expanded faithfully."""


def _close(text: str, i: int, opening: str, closing: str) -> int:
    try:
        return close_bracket(text, i, opening, closing)
    except TextError as exc:
        raise ExpandError(str(exc)) from None


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


def _relabel(expr: str, labels: Mapping[str, str]) -> str:
    """Set each static label of a recording rule on the result of ``expr``."""
    text = expr.strip()
    for label, value in sorted(labels.items()):
        text = f'label_replace({text}, {_quote(label)}, {_quote(value)}, "", "")'
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
        wanted = self._references(ast)
        if not wanted:
            return expr
        out: list[str] = []
        last = 0
        found = 0
        for kind, start, end in tokens(expr):
            if kind != "ident" or expr[start:end] not in self._rules or start < last:
                continue
            after = skip_space(expr, end)
            if after < len(expr) and expr[after] == "(":
                continue  # a function or aggregation of that name, not a selector
            found += 1
            stop = _close(expr, after, "{", "}") if expr[after : after + 1] == "{" else end
            selector = expr[start:stop]
            bracket = skip_space(expr, stop)
            window = None
            if expr[bracket : bracket + 1] == "[":
                close = _close(expr, bracket, "[", "]")
                window = expr[bracket + 1 : close - 1].strip()
                stop = close
            elif re.match(r"\s*(offset\b|@)", expr[stop:]):
                raise ExpandError(
                    f"{selector}: offset/@ on a recorded series without a range cannot be "
                    "expanded; use a range function or deploy the recording rules first"
                )
            inner = self._selected(selector, stack)
            if inner is None:
                continue  # selects no rule: the series does not exist either way
            body, interval = inner
            if window is None:
                replacement = f"({body})"
            elif ":" in window:  # already a subquery
                replacement = f"({body})[{window}]"
            else:
                replacement = f"({body})[{window}:{format_duration(interval)}]"
            out.append(expr[last:start])
            out.append(replacement)
            last = stop
        if found != wanted:
            raise ExpandError(
                f"found {found} of {wanted} recorded-series selectors in the text; "
                "cannot expand this expression"
            )
        result = "".join(out) + expr[last:]
        try:
            parse_promql(result)
        except PromQLError as exc:  # pragma: no cover - a bug in the rewrite
            raise ExpandError(f"expansion is not valid PromQL: {exc}") from None
        return result

    def _references(self, ast: object) -> int:
        """How many selectors of recorded series ``ast`` has."""
        count = 0

        def visit(node: object) -> None:
            nonlocal count
            if isinstance(node, pp.VectorSelector) and _name(node) in self._rules:
                count += 1

        pp.walk(ast, visit)
        return count

    def _selected(self, selector: str, stack: Sequence[str]) -> tuple[str, float] | None:
        """The expansion of the rules ``selector`` selects (and their interval), or None."""
        vs = parse_promql(selector)
        assert isinstance(vs, pp.VectorSelector)
        name = _name(vs)
        assert name is not None
        if name in stack:
            raise ExpandError(f"recording rules refer to each other: {' -> '.join([*stack, name])}")
        if vs.matchers.or_matchers:
            raise ExpandError(f"{selector}: `or` matchers on a recorded series are not supported")
        matchers = [m for m in vs.matchers.matchers if m.name != "__name__"]
        parts: list[str] = []
        interval = 0.0
        for index, rule in enumerate(self._rules[name]):
            if not all(self._static_match(m, rule, selector) for m in matchers):
                continue
            key = (name, index)
            if key not in self._cache:
                body = strip_comments(self._expand(rule.expr, (*stack, name)))
                self._cache[key] = _relabel(body, rule.labels)
            parts.append(self._cache[key])
            interval = max(interval, rule.interval)
        if not parts:
            return None
        text = parts[0] if len(parts) == 1 else " or ".join(f"({p})" for p in parts)
        return text, interval

    @staticmethod
    def _static_match(matcher: pp.Matcher, rule: RecordingRule, selector: str) -> bool:
        if matcher.name not in rule.labels:
            raise ExpandError(
                f"{selector}: label {matcher.name!r} is not a static label of recording rule "
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
