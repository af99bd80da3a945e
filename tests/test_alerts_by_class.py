"""Alert files rendered once per class (:mod:`obskit.renderers.alerts.by_class`) are the
very bytes a render of each service gives: on the examples, the benchmark's fleet, names
drawn at random (YAML's ``on``/``null``/``1e3``, vocabulary words, long names) and code
that treats a name in a way the renaming cannot see."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from obskit import load_catalog
from obskit.catalog.clusters import paired_clusters
from obskit.catalog.errors import CatalogError
from obskit.renderers.alerts import by_class, render_service

from conftest import load_script

ROOT = Path(__file__).resolve().parent.parent


def _load(doc: dict):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return load_catalog(path)


GENERATOR = load_script("benchmarks/generate_catalog.py")


def _fleet(n: int) -> dict:
    return GENERATOR.build(n)


def _compare(catalog) -> int:
    """Assert class-rendered == directly rendered for every service; return how many shared."""
    clusters = paired_clusters(catalog)
    before = by_class.STATS["shared"]
    for service in catalog.services:
        direct = render_service(service, clusters)
        assert by_class.render_service_by_class(service, clusters) == direct, service.name
    return by_class.STATS["shared"] - before


@pytest.fixture(autouse=True)
def _fresh_memo():
    by_class._MEMO.clear()
    yield
    by_class._MEMO.clear()


@pytest.mark.parametrize("path", ["catalog.yaml", "examples/multicluster/catalog.yaml"])
def test_examples_render_the_same_bytes(path: str) -> None:
    catalog = load_catalog(ROOT / path)
    _compare(catalog)
    _compare(catalog)  # the second time every class is in the memo


def test_fleet_services_share_and_render_the_same_bytes() -> None:
    catalog = _load(_fleet(140))
    shared = _compare(catalog)
    # 140 services of 63 kinds: every service after its class's first one could share
    assert shared == 140, by_class.STATS
    assert len(by_class._MEMO) == 63


# --- names drawn at random ------------------------------------------------------------

EDGE = [
    "on", "off", "no", "yes", "y", "n", "null", "true", "nan", "inf", "e5", "1e3", "123",
    "0x1f", "0o17", "1-2", "a", "z", "zq", "qz", "monitoring", "default", "kube-system",
    "http", "job", "pod", "app", "ns", "x" * 45, "a" + "-b" * 20,
]  # fmt: skip
_label = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?\Z", fullmatch=True)
NAMES = st.one_of(st.sampled_from(EDGE), _label)
KINDS = ["Deployment", "StatefulSet", "DaemonSet"]
PRESETS = ["prometheus-http", "grpc", "micrometer", "istio", "nginx-ingress", "none"]


def _doc(names: list[tuple[str, str, str, str]], preset: str, kind: str, tier: str) -> dict:
    services = []
    for name, namespace, team, workload in names:
        svc: dict = {
            "name": name,
            "team": team,
            "namespace": namespace,
            "tier": tier,
            "metrics": {"preset": preset},
            "workload": {"kind": kind, "name": workload},
            "runbook": f"https://runbooks.example.com/{team}/{name}",
        }
        if preset != "none":
            svc["slos"] = [
                {"name": "availability", "objective": 99.9},
                {"name": "latency", "objective": 99, "threshold": GENERATOR.THRESHOLD[preset]},
            ]
        services.append(svc)
    teams = sorted({t for _, _, t, _ in names})
    return {
        "apiVersion": "obskit/v1",
        "kind": "ServiceCatalog",
        "metadata": {"name": "drawn"},
        "teams": [{"name": t} for t in teams],
        "services": services,
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    names=st.lists(
        st.tuples(NAMES, NAMES, NAMES, NAMES), min_size=2, max_size=3, unique_by=lambda t: t[0]
    ),
    preset=st.sampled_from(PRESETS),
    kind=st.sampled_from(KINDS),
    tier=st.sampled_from(["critical", "standard", "low"]),
)
def test_drawn_names_render_the_same_bytes(names, preset, kind, tier) -> None:
    try:
        catalog = _load(_doc(names, preset, kind, tier))
    except CatalogError:  # a name the catalog refuses (a workload named as another's, …)
        assume(False)
    _compare(catalog)


@pytest.mark.parametrize("namespace", ["on", "null", "y", "123", "1e3", "monitoring"])
def test_a_name_yaml_or_the_rules_read_specially_still_renders_the_same_bytes(
    namespace: str,
) -> None:
    catalog = _load(
        _doc(
            [("api", "shop", "web", "api"), ("cart", namespace, "web", "cart")],
            "prometheus-http",
            "Deployment",
            "critical",
        )
    )
    _compare(catalog)


def test_long_names_render_alone() -> None:
    long = "l" * 50  # its pods' generateName base would be cut: the renaming cannot follow
    catalog = _load(
        _doc(
            [("api", "shop", "web", "api"), (long, "shop", "web", long)],
            "grpc",
            "Deployment",
            "standard",
        )
    )
    before = by_class.STATS["alone: names"]
    _compare(catalog)
    assert by_class.STATS["alone: names"] == before + 1


# --- the guards catch what the renaming cannot see ------------------------------------


def test_a_name_transformed_by_the_code_makes_its_class_render_alone(monkeypatch) -> None:
    from obskit.renderers.alerts import common

    original = common.contract_annotations

    def shouting(service, summary, description):
        out = original(service, summary, description)
        return {**out, "summary": out["summary"] + " " + service.name.upper()}

    for module in ("common", "slo_alerts", "service_rules", "catalog_alerts", "workload"):
        target = importlib.import_module(f"obskit.renderers.alerts.{module}")
        if hasattr(target, "contract_annotations"):
            monkeypatch.setattr(target, "contract_annotations", shouting)
    catalog = _load(_fleet(70))
    assert _compare(catalog) == 0
    assert by_class.STATS["alone: class"] >= 63


def test_fields_left_out_of_the_class_key_do_not_change_the_alert_files() -> None:
    catalog = _load(_fleet(12))
    for service in catalog.services[:6]:
        other = service.model_copy(
            update={
                "description": "something else entirely",
                "depends_on": ("svc-09999",),
                "logs": service.logs.model_copy(update={"enabled": not service.logs.enabled}),
                "traces": service.traces.model_copy(update={"enabled": not service.traces.enabled}),
                "metrics": service.metrics.model_copy(
                    update={
                        "scrape": None
                        if service.metrics.scrape
                        else catalog.services[0].metrics.scrape
                    }
                ),
            }
        )
        assert render_service(other) == render_service(service), service.name


def test_a_uid_made_outside_ksm_uid_makes_its_class_render_alone(monkeypatch) -> None:
    import uuid

    from obskit.renderers.alerts import workload

    # a hash of the names the renaming cannot recompute: the class must not be shared
    monkeypatch.setattr(
        workload, "uid", lambda ns, name: str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{ns}.{name}"))
    )
    catalog = _load(_fleet(70))
    assert _compare(catalog) < 70
    assert by_class.STATS["alone: class"] > 0


def _two_apis() -> dict:
    """Two services of one class, named ``api-one`` and ``api-two``."""
    return _doc(
        [("api-one", "shop", "web", "api-one"), ("api-two", "shop", "web", "api-two")],
        "prometheus-http",
        "Deployment",
        "critical",
    )


@pytest.mark.parametrize("regex", ["~api-.*", "~z.*", "~.*"])
@pytest.mark.parametrize("where", ["service", "sli"])
def test_a_regex_selector_matching_the_name_renders_the_same_bytes(regex, where) -> None:
    """The tests' example value of a ``~regex`` selector is the service's name when the
    name matches it: a placeholder it does not match (or matches alone) gave ``api-a``."""
    doc = _two_apis()
    for svc in doc["services"]:
        if where == "service":
            svc["metrics"]["selector"] = {"job": regex}
        else:
            svc["metrics"] = {"preset": "none"}
            svc["slos"] = [
                {
                    "name": "speed",
                    "objective": 95,
                    "sli": {"histogram": "job_duration_seconds", "threshold": "2s",
                            "selector": {"queue": regex}},
                }
            ]  # fmt: skip
    _compare(_load(doc))


@pytest.mark.parametrize("where", ["selector", "alert"])
def test_a_placeholder_written_in_the_catalog_is_not_renamed(where) -> None:
    """Text of the catalog's own that holds a placeholder (``zq-b-qz``) or its CamelCase
    form stays as written: the renaming gave ``job="shop"``."""
    doc = _two_apis()
    for svc in doc["services"]:
        if where == "selector":
            svc["metrics"]["selector"] = {"job": by_class.PLACEHOLDERS[1]}
        else:
            svc["alerts"] = [
                {
                    "alert": "ZqAQzDown",
                    "expr": 'up{job="zq-c-qz"} == 0',
                    "severity": "warning",
                    "summary": "down",
                }
            ]
    assert _compare(_load(doc)) == 0


def test_a_class_render_that_raises_makes_its_services_render_alone(monkeypatch) -> None:
    """A render of the placeholder service that fails (code that refuses a name it does not
    know) is no reason for the service's own render to fail: serially as in prepare."""
    from obskit.renderers.alerts import rulefile

    original = rulefile.rule_file

    def picky(service, *args, **kwargs):
        if service.name in by_class.PLACEHOLDERS:
            raise ValueError(f"unknown service {service.name}")
        return original(service, *args, **kwargs)

    monkeypatch.setattr(rulefile, "rule_file", picky)
    catalog = _load(_fleet(14))
    assert _compare(catalog) == 0
