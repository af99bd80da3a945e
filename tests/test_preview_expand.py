"""Recording-rule expansion and rule-file parsing (no server needed)."""

from __future__ import annotations

import pytest
from preview_support import RULES_DIR

from obskit.preview.expand import Expander, ExpandError
from obskit.preview.rules import (
    RecordingRule,
    parse_rule_file,
    parse_rule_files,
    rule_files_from_dir,
)
from obskit.promql import parse_promql

A = {"service": "a", "slo": "availability", "team": "t"}
L = {"service": "a", "slo": "latency", "team": "t"}
RULES = [
    RecordingRule("slo:sli_error:ratio_rate5m", "sum(rate(errors[5m])) / sum(rate(all[5m]))", A),
    RecordingRule("slo:sli_error:ratio_rate5m", "1 - sum(rate(fast[5m])) / sum(rate(all[5m]))", L),
    RecordingRule("slo:error_budget:ratio", "vector(0.001)", A),
    RecordingRule(
        "slo:current_burn_rate:ratio",
        'slo:sli_error:ratio_rate5m{slo="availability"} / 0.001',
        A,
        interval=30,
    ),
]


def test_selector_becomes_the_rule_expression_with_its_labels() -> None:
    out = Expander(RULES).expand('slo:sli_error:ratio_rate5m{service="a", slo="availability"} > 1')
    assert out == (
        "(label_replace(label_replace(label_replace(sum(rate(errors[5m])) / "
        'sum(rate(all[5m])), "service", "a", "", ""), "slo", "availability", "", ""), '
        '"team", "t", "", "")) > 1'
    )
    parse_promql(out)


def test_matchers_pick_the_rules_and_several_become_or() -> None:
    ex = Expander(RULES)
    only_latency = ex.expand('slo:sli_error:ratio_rate5m{slo=~"lat.*"}')
    assert "fast" in only_latency and "errors" not in only_latency
    both = ex.expand('slo:sli_error:ratio_rate5m{service="a"}')
    assert "fast" in both and "errors" in both and " or " in both
    parse_promql(both)
    # selects no rule: left alone (the series does not exist either way)
    assert ex.expand('slo:sli_error:ratio_rate5m{service="b"}') == (
        'slo:sli_error:ratio_rate5m{service="b"}'
    )


def test_expansion_is_recursive_and_ranges_become_subqueries() -> None:
    out = Expander(RULES).expand("max_over_time(slo:current_burn_rate:ratio[1h]) > 14.4")
    assert "slo:" not in out
    assert "errors" in out
    assert out.startswith("max_over_time((label_replace(")
    assert "[1h:30s]" in out  # the rule group's interval
    parse_promql(out)


def test_original_text_is_kept_escapes_and_all() -> None:
    """Regex escapes survive (an AST printer would drop them) and comments are stripped."""
    rules = [
        RecordingRule(
            "slo:sli_error:ratio_rate5m",
            '1 - sum(rate(h_bucket{le=~"1(\\\\.0)?"}[5m])) # fast ones\n/ sum(rate(h_count[5m]))',
            L,
        )
    ]
    alert = (
        'slo:sli_error:ratio_rate5m{slo="latency"} > 0.1 # page\n'
        'and on() label_replace(vector(1), "x", "$1", "y", "(.*)\\\\.z")'
    )
    out = Expander(rules).expand(alert)
    assert 'le=~"1(\\\\.0)?"' in out
    assert '"(.*)\\\\.z"' in out and "# page" in out
    assert "# fast ones" not in out
    parse_promql(out)


def test_subquery_over_a_recorded_series_keeps_its_step() -> None:
    ex = Expander(RULES)
    out = ex.expand('max_over_time(slo:error_budget:ratio{slo="availability"}[1h:5m])')
    assert out.startswith("max_over_time((label_replace(") and out.endswith("))[1h:5m])")
    assert "vector(0.001)" in out
    parse_promql(out)


def test_expressions_without_references_are_unchanged() -> None:
    assert Expander(RULES).expand('up{job="x"} == 0') == 'up{job="x"} == 0'


def test_unexpandable_references_are_refused() -> None:
    ex = Expander(RULES)
    with pytest.raises(ExpandError, match="'code' is not a static label"):
        ex.expand('slo:sli_error:ratio_rate5m{code="500"}')
    with pytest.raises(ExpandError, match="offset"):
        ex.expand("slo:error_budget:ratio offset 5m")
    loop = Expander([RecordingRule("a:b:c", "a:b:d", {}), RecordingRule("a:b:d", "a:b:c", {})])
    with pytest.raises(ExpandError, match="refer to each other"):
        loop.expand("a:b:c")


def test_fixture_rule_files_expand_completely() -> None:
    rules = parse_rule_files(rule_files_from_dir(RULES_DIR, ["cart", "checkout"]))
    for ruleset in rules.values():
        ex = Expander(ruleset.recording)
        assert ruleset.alerts
        for alert in ruleset.alerts:
            out = ex.expand(alert.expr)
            parse_promql(out)
            assert not any(name in out for name in ex.recorded), alert.alert


def test_parse_rule_file_reads_for_interval_and_labels() -> None:
    text = """
groups:
  - name: g
    interval: 30s
    rules:
      - record: x:y:z
        expr: sum(up)
        labels: {service: s}
      - alert: Down
        expr: x:y:z == 0
        for: 5m
        keep_firing_for: 2m
        labels: {severity: critical}
"""
    rs = parse_rule_file("s", text)
    assert rs.recording[0].labels == {"service": "s"} and rs.recording[0].interval == 30
    alert = rs.alerts[0]
    assert (alert.for_seconds, alert.keep_firing_for_seconds, alert.severity) == (
        300,
        120,
        "critical",
    )
    assert alert.interval == 30


def test_observed_side_of_an_alert() -> None:
    """The value shown for an inactive alert: the first comparison's left side, verbatim."""
    from obskit.preview.evaluate import observed_expr

    page = '(\n  (a{le=~"1(\\\\.0)?"} > (14.4 * 0.001))\n  and\n  b > 1\n)\n# why\nor\n(c > 2)'
    assert observed_expr(page) == 'a{le=~"1(\\\\.0)?"}'
    assert observed_expr("max by (ns) (x) - y > 0") == "max by (ns) (x) - y"
    assert observed_expr("x > on () group_left y") == "x"
    assert observed_expr("x > bool 1") is None
    assert observed_expr('absent(up{job="a"})') is None


def test_selectors_of_an_expression_keep_their_escapes() -> None:
    from obskit.preview.selectors import selectors_in

    expr = 'sum(rate(h{le=~"1(\\\\.0)?", job!="a\\"b"}[5m])) / sum(y) > on() {__name__="w"}'
    assert selectors_in(expr) == [
        ('h{le=~"1(\\\\.0)?", job!="a\\"b"}', "h"),
        ("y", "y"),
        ('{__name__="w"}', "w"),
    ]
    for text, _ in selectors_in(expr):
        parse_promql(text)
