"""The rollout annotation on every service dashboard (issue 15)."""

from __future__ import annotations

import json
import re

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


def _grafana_text(fmt: str, labels: dict[str, str]) -> set[str]:
    """The annotation text as Grafana's Prometheus annotations render ``textFormat``
    (frontend ``renderLegendFormat``): before 10.x a missing label became its name, since
    then the ``{{label}}`` is left as written. Both, as a set."""
    old = re.sub(r"\{\{\s*(.+?)\s*\}\}", lambda m: labels.get(m.group(1)) or m.group(1), fmt)
    new = re.sub(r"\{\{(.+?)\}\}", lambda m: labels.get(m.group(1).strip(), m.group(0)), fmt)
    return {old, new}


def _grafana_tags(ann: dict, labels: dict[str, str]) -> list[str]:
    """Tags Grafana puts on the event: values of the labels named in ``tagKeys``, non-empty."""
    keys = [k.strip() for k in ann.get("tagKeys", "").split(",") if k.strip()]
    return [v for k, v in labels.items() if k in keys and v != ""]


def test_rollout_text_reads_clean_without_a_cluster_label_and_tags_the_cluster(dashboards):
    """One Prometheus returns the rollout series without ``cluster`` (``max by (cluster)``
    of unlabelled series): the text must not show a raw ``{{cluster}}`` or the word
    ``cluster``; on a central store the cluster is a tag of the event."""
    ann = _rollout(dashboards["dashboards/checkout.json"])
    assert _grafana_text(ann["textFormat"], {}) == {"Deployment checkout: new generation observed"}
    assert _grafana_tags(ann, {}) == []
    assert _grafana_tags(ann, {"cluster": "eu-1"}) == ["eu-1"]
