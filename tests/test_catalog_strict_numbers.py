"""YAML 1.1 booleans and quoted strings are not numbers (issue 12: `objective: yes` read as 1 %)."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog_support import catalog_file, problems


@pytest.mark.parametrize(
    ("field", "path", "message"),
    [
        ("slos: [{name: availability, objective: yes}]", "slos[0].objective", "boolean true"),
        ("slos: [{name: availability, objective: on}]", "slos[0].objective", "boolean true"),
        ("slos: [{name: availability, objective: '99.9'}]", "slos[0].objective", "string '99.9'"),
        (
            "slos: [{name: availability, objective: 99, alerting: {minRequestRate: no}}]",
            "alerting.minRequestRate",
            "boolean false",
        ),
        (
            "slos: [{name: availability, objective: 99, alerting: {windows: {page: {quick: "
            "{errorBudgetPercent: yes, shortWindow: 5m, longWindow: 1h}, slow: "
            "{errorBudgetPercent: 5, shortWindow: 30m, longWindow: 6h}}, ticket: {quick: "
            "{errorBudgetPercent: 10, shortWindow: 2h, longWindow: 1d}, slow: "
            "{errorBudgetPercent: 10, shortWindow: 6h, longWindow: 3d}}}}}]",
            "errorBudgetPercent",
            "boolean true",
        ),
        ("metrics: {scrape: {port: on}}", "metrics.scrape.port", "boolean true"),
    ],
)
def test_booleans_and_strings_are_not_numbers(
    tmp_path: Path, field: str, path: str, message: str
) -> None:
    found = problems(tmp_path, f"services: [{{name: a, team: web, {field}}}]\n")
    assert any(path in p and message in p and "catalog.yaml:5:" in p for p in found), found


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("prometheus", "replicas: yes"),
        ("alertmanager", "replicas: true"),
        ("grafana", "replicas: 2.0"),
        ("jaeger", "samplingProbability: on"),
    ],
)
def test_environment_numbers_are_strict(tmp_path: Path, section: str, field: str) -> None:
    body = (
        f"services: [{{name: a, team: web}}]\nenvironments:\n  prod: {{{section}: {{{field}}}}}\n"
    )
    found = problems(tmp_path, body)
    assert any(f"environments.prod.{section}." in p and "catalog.yaml:7:" in p for p in found), (
        found
    )


def test_real_numbers_still_load(tmp_path: Path) -> None:
    from obskit import load_catalog

    path = catalog_file(
        tmp_path,
        "services: [{name: a, team: web, metrics: {scrape: {port: 9090}}, slos: "
        "[{name: availability, objective: 99}, {name: latency, objective: 99.5, threshold: 1s}]}]\n"
        "environments:\n  prod: {prometheus: {replicas: 2}, jaeger: {samplingProbability: 1}}\n",
    )
    catalog = load_catalog(path)
    assert [s.objective for s in catalog.services[0].slos] == [99.0, 99.5]
    assert catalog.environments["prod"].prometheus.replicas == 2
