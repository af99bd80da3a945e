"""Proof sharing: services equal up to their names are proven once, and only when safe.

The canonical-file tests render real catalogs; the runner tests use the real promtool
through the logging shim of test_promtool_prove.py, so "proven once" is read from its log.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml
from test_promtool_prove import RULES, _calls, _shim, _write_service

from obskit.catalog.clusters import paired_clusters
from obskit.catalog.loader import load_catalog
from obskit.promtool_cache import PassCache
from obskit.promtool_dedupe import Canonical, canonical
from obskit.promtool_run import prove
from obskit.renderers.alerts import render_service

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate_catalog import build


def _catalog(tmp_path: Path, edit=None):
    """The benchmark's synthetic services 0, 84 and 1 (0 and 84: same preset, tier, kind)."""
    doc = build(85)
    doc["services"] = [s for i, s in enumerate(doc["services"]) if i in (0, 84, 1)]
    for s in doc["services"]:
        s.pop("dependsOn", None)
    if edit:
        edit(doc["services"])
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return load_catalog(path)


def _canon(catalog, name: str) -> Canonical | None:
    service = catalog.service(name)
    clusters = paired_clusters(catalog)
    return canonical(service, render_service(service, clusters), clusters)


def test_services_equal_up_to_names_share_canonical_files(tmp_path):
    cat = _catalog(tmp_path)
    a, b, other = (_canon(cat, n) for n in ("svc-00000", "svc-00084", "svc-00001"))
    assert a is not None and b is not None and other is not None
    assert (a.rules, a.tests) == (b.rules, b.tests)
    assert (a.rules, a.tests) != (other.rules, other.tests)  # another preset and tier
    assert b"svc-00084" not in a.tests and b"svc-00000" not in b.tests


def test_a_name_equal_to_a_fixed_label_value_is_not_shared(tmp_path):
    """Namespace ``kubelet`` equals the kubelet series' ``job`` and ``service`` values: the
    placeholder would not, so renaming could change what a selector or join matches."""

    def edit(services):
        services[0]["namespace"] = "kubelet"

    cat = _catalog(tmp_path, edit)
    assert _canon(cat, "svc-00000") is None
    assert _canon(cat, "svc-00084") is not None


def test_a_regex_selector_on_the_name_is_not_shared(tmp_path):
    """``job=~"svc-0000.*"`` matches the real name, not a placeholder: not shared."""

    def edit(services):
        services[0]["metrics"]["selector"] = {"job": "~svc-0000.*"}

    cat = _catalog(tmp_path, edit)
    assert _canon(cat, "svc-00000") is None


def test_a_template_function_on_labels_is_not_shared(tmp_path):
    def edit(services):
        services[0]["alerts"] = [
            {
                "alert": "Custom",
                "expr": "up == 0",
                "severity": "warning",
                "summary": "{{ $labels.job | toUpper }} down",
            }
        ]

    cat = _catalog(tmp_path, edit)
    assert _canon(cat, "svc-00000") is None


def _shared(name: str, broken: bool = False) -> Canonical:
    """Hand-made canonical files of the shim's two-rule services (``zqaqz`` as the name)."""
    rules = RULES.format(name="zqaqz", alert="Zqaqz").encode()
    job = "wrong" if broken else "zqaqz"
    tests = (
        "rule_files:\n- ../zqaqz.rules.yaml\nevaluation_interval: 1m\ntests:\n"
        "- name: 'zqaqz: down fires'\n  interval: 1m\n  input_series:\n"
        '  - series: up{job="zqaqz"}\n    values: 0x5\n  alert_rule_test:\n'
        f"  - eval_time: 3m\n    alertname: ZqaqzDown\n    exp_alerts:\n"
        f"    - exp_labels: {{job: {job}}}\n"
    ).encode()
    return Canonical(rules, {"zqaqz.test.yaml": tests}, "zqaqz")


@pytest.mark.promtool
def test_a_class_is_proven_once_and_its_pass_serves_the_next_run(promtool, tmp_path):
    alerts = tmp_path / "alerts"
    names = ["alpha", "beta", "gamma"]
    for name in names:
        _write_service(alerts, name)
    shim, log = _shim(tmp_path, promtool)
    cache = PassCache(root=tmp_path / "cache")
    shared = {n: _shared(n) for n in names}
    results = prove(alerts, names, promtool=shim, cache=cache, shared=shared, jobs=1)
    assert all(r.ok and not r.cached for r in results)
    tests = _calls(log, "test rules")
    assert len(tests) == 1 and "zqaqz.test.yaml" in tests[0]
    assert not any(f"{n}.test.yaml" in tests[0] for n in names)
    assert all(f"{n}.rules.yaml" in " ".join(_calls(log, "check rules")) for n in names)
    # a fourth service of the same class is served from the class pass: promtool not run
    _write_service(alerts, "delta")
    log.unlink()
    again = prove(alerts, ["delta"], promtool=shim, cache=cache, shared={"delta": _shared("delta")})
    assert again[0].ok and again[0].cached and _calls(log, "test rules") == []


@pytest.mark.promtool
def test_a_failing_shared_proof_falls_back_to_each_service(promtool, tmp_path):
    alerts = tmp_path / "alerts"
    _write_service(alerts, "alpha")
    _write_service(alerts, "beta", broken=0)
    shim, log = _shim(tmp_path, promtool)
    cache = PassCache(root=tmp_path / "cache")
    shared = {n: _shared(n, broken=True) for n in ("alpha", "beta")}
    results = prove(alerts, ["alpha", "beta"], promtool=shim, cache=cache, shared=shared)
    assert [r.ok for r in results] == [True, False]
    assert "wrong" in results[1].output or "FAILED" in results[1].output
    assert any("alpha.test.yaml" in c for c in _calls(log, "test rules"))
    # the failed class pass was not stored: a third member is proven, not cached
    _write_service(alerts, "gamma")
    third = prove(alerts, ["gamma"], promtool=shim, cache=cache, shared={"gamma": shared["alpha"]})
    assert third[0].ok and not third[0].cached


#: regexes Python's ``re`` (the guard's check) and RE2 (Prometheus) read differently: with
#: ``[[:lower:]]+|[a-z0-9-]{,12}`` Python matches both ``zqaqz`` and ``svc-a`` (``{,12}`` is
#: a repetition, ``[[:lower:]]`` a set of ``[:lower`` then ``]``), RE2 only ``zqaqz``
#: (a POSIX class; ``{,12}`` is literal text): the canonical files pass, the real ones fail
_RE2_ONLY = "[[:lower:]]+|[a-z0-9-]{,12}"


@pytest.mark.parametrize(
    "selector",
    [
        {"job": "~[[:lower:]]+|[a-z0-9-]{,40}"},  # the one that differs, for longer names
        {"job": "~[a-z0-9-]{,40}"},
        {"job": "~[[:alnum:]-]+"},
    ],
)
def test_a_regex_re2_may_read_otherwise_is_not_shared(tmp_path, selector):
    def edit(services):
        services[0]["metrics"]["selector"] = selector

    cat = _catalog(tmp_path, edit)
    assert _canon(cat, "svc-00000") is None
    assert _canon(cat, "svc-00084") is not None


def _own_and_shared(catalog_path: Path, promtool: str, tmp_path: Path) -> dict[str, tuple]:
    """Per service: (shared?, verdict on its own files, verdict counted with sharing)."""
    from obskit.promtool_dedupe import SharedProofs
    from obskit.render.pipeline import render

    cat = load_catalog(catalog_path)
    render(cat, tmp_path / "out", only=["alerts"], use_cache=False)
    alerts = tmp_path / "out" / "alerts"
    names = [s.name for s in cat.services]
    shared = SharedProofs(cat, alerts)
    counted = prove(alerts, names, promtool=promtool, use_cache=False, shared=shared)
    own = prove(alerts, names, promtool=promtool, use_cache=False)
    return {n: (n in shared, o.ok, c.ok) for n, o, c in zip(names, own, counted, strict=True)}


@pytest.mark.promtool
def test_a_shared_verdict_is_the_real_files_verdict(promtool, tmp_path):
    """The real promtool on each service's own files (``--no-share``) against the verdict
    counted with sharing: a regex RE2 reads otherwise than Python made them differ (its
    own files fail, the canonical ones pass); a plain service still shares and agrees."""
    doc = {
        "apiVersion": "obskit/v1",
        "kind": "ServiceCatalog",
        "metadata": {"name": "share"},
        "defaults": {"namespace": "shop", "team": "web", "tier": "low"},
        "teams": [{"name": "web"}],
        "services": [
            {
                "name": name,
                "metrics": {"preset": "prometheus-http", "selector": selector},
                "slos": [{"name": "availability", "objective": 99.0}],
            }
            for name, selector in (
                ("svc-a", {"job": "~" + _RE2_ONLY, "namespace": "shop"}),
                ("svc-b", {"job": "svc-b", "namespace": "shop"}),
            )
        ],
    }
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    found = _own_and_shared(path, promtool, tmp_path)
    assert found["svc-b"] == (True, True, True)
    assert found["svc-a"][1] is False  # RE2 does not match `svc-a`: its outage tests fail
    assert all(own == counted for _, own, counted in found.values()), found
