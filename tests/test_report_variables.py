"""Template variables in panel queries are replaced as Grafana would."""

from __future__ import annotations

from obskit.report.variables import builtins, dashboard_values, drop_match_all, substitute

DASHBOARD = {
    "templating": {
        "list": [
            {"name": "cluster", "includeAll": True, "allValue": ".*", "current": {"value": "eu"}},
            {"name": "namespace", "includeAll": False, "current": {"value": "shop"}},
        ]
    }
}


def test_values_all_and_current() -> None:
    assert dashboard_values(DASHBOARD) == {"cluster": ".*", "namespace": "shop"}


def test_substitute_keeps_regex_groups_and_unknown_names() -> None:
    values = {**dashboard_values(DASHBOARD), **builtins(60, 3600)}
    expr = 'label_replace(rate(x{namespace="$namespace"}[$__rate_interval]), "c", "${1}xx", "s", "(.)")'
    assert substitute(expr, values) == (
        'label_replace(rate(x{namespace="shop"}[120s]), "c", "${1}xx", "s", "(.)")'
    )
    assert substitute("y[${__range}] $unknown", values) == "y[3600s] $unknown"


def test_rate_interval_follows_the_step() -> None:
    assert builtins(30, 3600)["__rate_interval"] == "120s"
    assert builtins(600, 86400)["__rate_interval"] == "630s"


def test_sub_second_intervals_stay_valid_durations() -> None:
    """``report --local --scrape-interval 500ms``: a 0.5 s step was ``[0s]`` (a PromQL error)
    and a 1.5 s one ``2s``; Grafana writes them in milliseconds."""
    values = builtins(0.5, 120, 0.5)
    assert values["__interval"] == "500ms" and values["__interval_ms"] == "500"
    assert values["__rate_interval"] == "2s"
    assert builtins(1.5, 120, 1.5)["__rate_interval"] == "6s"
    assert builtins(1.5, 120, 1.5)["__interval"] == "1500ms"


def test_match_all_matchers_are_dropped() -> None:
    assert drop_match_all('a{cluster=~".*|"}') == "a{}"
    assert drop_match_all('a{cluster=~".*|", job="x"} / b{job="x", cluster=~".*"}') == (
        'a{job="x"} / b{job="x"}'
    )
    assert drop_match_all('a{cluster=~"eu|"}') == 'a{cluster=~"eu|"}'


def test_legend_renders_a_missing_label_empty_as_grafanas_backend_does() -> None:
    """Grafana's Prometheus backend (getName) replaces ``{{label}}`` with the label's value,
    or nothing when the series lacks it: on one Prometheus ``p99 {{cluster}}`` reads ``p99``
    (issue 13 legends), never ``p99 {{cluster}}``."""
    from obskit.report.data import legend

    assert legend("p99 {{cluster}}", {}) == "p99"
    assert legend("{{pod}} {{ cluster }}", {"pod": "web-1", "cluster": "eu"}) == "web-1 eu"
    assert legend("{{status_class}} {{cluster}}", {"status_class": "5xx"}) == "5xx"
    assert legend("", {"__name__": "x", "job": "a"}) == "{job=a}"
