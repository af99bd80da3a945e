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


def test_match_all_matchers_are_dropped() -> None:
    assert drop_match_all('a{cluster=~".*|"}') == "a{}"
    assert drop_match_all('a{cluster=~".*|", job="x"} / b{job="x", cluster=~".*"}') == (
        'a{job="x"} / b{job="x"}'
    )
    assert drop_match_all('a{cluster=~"eu|"}') == 'a{cluster=~"eu|"}'
