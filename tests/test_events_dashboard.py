"""The rollout annotation on every service dashboard (issue 15)."""

from __future__ import annotations

import json

import pytest
from dashboards_support import SCHEMA, matchers, parse, render, selectors

from obskit.renderers.dashboards.rollouts import OBSERVED_GENERATION, ROLLOUT_ANNOTATION


@pytest.fixture(scope="module")
def dashboards(example_catalog):
    return render(example_catalog)


def _rollout(dashboard):
    (ann,) = [a for a in dashboard["annotations"]["list"] if a["name"] == ROLLOUT_ANNOTATION]
    return ann


def test_each_service_dashboard_marks_its_workloads_rollouts(dashboards, example_catalog):
    for service in example_catalog.services:
        ann = _rollout(dashboards[f"dashboards/{service.name}.json"])
        assert ann["enable"] and ann["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        (sel, _), *_ = list(selectors(parse(ann["expr"])))
        assert sel.name == OBSERVED_GENERATION[service.workload.kind]
        label = {"Deployment": "deployment", "StatefulSet": "statefulset"}.get(
            service.workload.kind, "daemonset"
        )
        assert matchers(sel)[label] == ("=", service.workload_name)
        assert 'namespace="$namespace"' in ann["expr"]


def test_annotation_keys_are_checked_by_the_pinned_schema(dashboards, shared_reference):
    """The schema test covers annotations: a key Grafana does not know is refused."""
    from jsonschema import Draft7Validator

    validator = Draft7Validator(json.loads((shared_reference / SCHEMA).read_text()))
    dashboard = dashboards["dashboards/checkout.json"]
    assert list(validator.iter_errors(dashboard)) == []
    broken = json.loads(json.dumps(dashboard))
    broken["annotations"]["list"][0]["enable"] = "yes"
    assert list(validator.iter_errors(broken))
