"""Workload alerts against kube-state-metrics 2.20 as documented (issue 19).

The fixture series come from ``obskit/data/ksm-metrics.json`` (derived from KSM's docs at
v2.20.0 and the kubelet's volume-stats / cAdvisor label sets, sources noted in the file), so
the checks here are against the exporters, not against the rules.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from obskit.catalog.model import Workload
from obskit.promql import parse_promql
from obskit.queries import RULE_LABELS
from obskit.renderers.alerts import ksm, render_service, workload
from obskit.renderers.dashboards.workload import replica_panels, resource_panels

_SELECTOR = re.compile(r"([a-zA-Z_:][\w:]*)\{([^}]*)\}")
_MATCHER = re.compile(r"([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\b(?:by|on|without|group_left|group_right)\s*\(([^)]*)\)")
_FUNCS = {"label_replace"}

KSM_MIRROR = Path("/work/.mirror/kubernetes+kube-state-metrics/repo")


def _with(service, **workload_fields):
    return service.model_copy(
        update={"workload": service.workload.model_copy(update=workload_fields)}
    )


def _services(example_catalog):
    cart = example_catalog.service("cart")
    yield from example_catalog.services
    yield _with(cart, jobs=["cart-migrate"], cron_jobs=["cart-sweep"], hpas=["cart-extra"])
    for kind in ("StatefulSet", "DaemonSet"):
        yield _with(cart, kind=kind)


def _references(expr: str) -> tuple[dict[str, set[str]], set[str]]:
    """{metric: labels its selector matches} and the labels grouping clauses name."""
    selectors: dict[str, set[str]] = {}
    for metric, inner in _SELECTOR.findall(expr):
        if metric in _FUNCS:
            continue
        selectors.setdefault(metric, set()).update(_MATCHER.findall(inner))
    grouped = {label.strip() for group in _GROUPING.findall(expr) for label in group.split(",")} - {
        ""
    }
    return selectors, grouped


def test_every_workload_rule_names_only_documented_metrics_and_labels(example_catalog):
    for service in _services(example_catalog):
        for alert in workload.workload_alerts(service):
            parse_promql(alert.expr)
            selectors, grouped = _references(alert.expr)
            assert selectors, alert.name
            known: set[str] = set()
            for metric, labels in selectors.items():
                doc = ksm.documented(metric)
                assert doc, f"{alert.name}: {metric} is not a documented KSM/kubelet metric"
                assert labels <= set(doc["labels"]), (
                    alert.name,
                    metric,
                    labels - set(doc["labels"]),
                )
                known |= set(doc["labels"])
            # ``cluster`` is no exporter's label: the external label a central store sees
            assert grouped - set(RULE_LABELS) <= known, (alert.name, grouped - known)
            assert set(RULE_LABELS) <= grouped, alert.name
            # the alert's own labels are ones the series really have
            assert set(alert.fixture.labels) <= known, alert.name


def test_fixture_series_carry_exactly_the_documented_labels(example_catalog):
    targets = set(ksm.KSM_TARGETS[0]) | set(ksm.CADVISOR_TARGET)
    for service in _services(example_catalog):
        for alert in workload.workload_alerts(service):
            for s in alert.fixture.firing + alert.fixture.quiet:
                doc = ksm.documented(s.metric)
                assert doc, s.metric
                assert set(doc["labels"]) <= set(s.labels) <= set(doc["labels"]) | targets


def test_series_helper_refuses_invented_labels_and_values():
    with pytest.raises(ValueError, match="not the documented"):
        ksm.ksm("kube_pod_status_ready", "1x5", namespace="a", pod="p", condition="true")
    with pytest.raises(ValueError, match="not one of"):
        ksm.ksm("kube_pod_status_phase", "1x5", namespace="a", pod="p", uid="u", phase="Evicted")
    with pytest.raises(ValueError, match="not a documented"):
        ksm.ksm("kube_deployment_labels_made_up", "1x5")


def test_every_ksm_fixture_comes_from_two_replicas(example_catalog):
    """An HA pair of kube-state-metrics: the firing cases expect one alert, not two."""
    alert = workload.pods_not_ready(example_catalog.service("cart"))
    instances = {s.labels["instance"] for s in alert.fixture.firing if s.metric.startswith("kube_")}
    assert len(instances) == 2


def test_pods_are_selected_by_owner_not_by_name(example_catalog):
    cart = example_catalog.service("cart")
    for alert in workload.workload_alerts(cart):
        assert "pod=~" not in alert.expr, alert.name
    owned = workload.owned_pods(cart)
    assert "kube_pod_owner" in owned and "kube_replicaset_owner" in owned
    assert 'owner_name="order-events-consumer"' in workload.owned_pods(
        example_catalog.service("order-events")
    )


def test_a_long_deployment_name_truncates_the_pod_name(example_catalog):
    """Kubernetes cuts generateName bases to 58 characters: the hash loses its dash."""
    name = "a" * 50
    pods = workload.own_pods(_with(example_catalog.service("cart"), name=name))
    assert all(len(p) == 63 for p in pods)
    assert pods[0] == f"{name}-{workload.HASH[:7]}x2x5k"


def test_hpas_are_found_by_scale_target_and_declared_ones_added(example_catalog):
    cart = example_catalog.service("cart")
    found = workload.hpas_of(cart)
    assert 'scaletargetref_kind="Deployment"' in found and 'scaletargetref_name="cart"' in found
    assert "horizontalpodautoscaler=~" not in found
    assert 'horizontalpodautoscaler=~"cart-extra"' in workload.hpas_of(
        _with(cart, hpas=["cart-extra"])
    )


def test_jobs_alerts_only_for_declared_jobs(example_catalog):
    cart = example_catalog.service("cart")
    names = {a.name for a in workload.workload_alerts(cart)}
    assert not names & {"CartJobFailed", "CartCronJobNotScheduled"}
    declared = {a.name for a in workload.workload_alerts(_with(cart, cron_jobs=["cart-sweep"]))}
    assert {"CartJobFailed", "CartJobNotCompleted", "CartCronJobNotScheduled"} <= declared
    order = {a.name for a in workload.workload_alerts(example_catalog.service("order-events"))}
    assert "OrderEventsCronJobSuspended" in order


def test_workload_model_fields_are_optional():
    assert Workload().jobs == [] and Workload().cron_jobs == [] and Workload().hpas == []
    assert Workload.model_validate({"cronJobs": ["x"]}).cron_jobs == ["x"]


def test_dashboards_select_pods_like_the_alerts(example_catalog):
    cart = example_catalog.service("cart")
    text = repr(replica_panels(cart) + resource_panels(cart))
    assert "kube_replicaset_owner" in text
    assert "pod=~" not in text


@pytest.mark.promtool
@pytest.mark.parametrize(
    "kind,name",
    [
        ("Deployment", "a" * 50),
        ("StatefulSet", "cart-redis"),
        ("DaemonSet", "b" * 50),
    ],
)
def test_generated_cases_pass_for_every_kind_and_long_names(
    example_catalog, tmp_path, promtool, kind, name
):
    service = _with(example_catalog.service("cart"), kind=kind, name=name, cron_jobs=["cart-sweep"])
    for rel, body in render_service(service).items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    out = subprocess.run(
        [promtool, "test", "rules", "cart.test.yaml"],
        cwd=tmp_path / "alerts" / "tests",
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


@pytest.mark.skipif(not KSM_MIRROR.is_dir(), reason="no kube-state-metrics clone here")
def test_derived_ksm_data_is_up_to_date():
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [
            "python",
            str(root / "scripts" / "derive_ksm_metrics.py"),
            "--check",
            str(KSM_MIRROR),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
