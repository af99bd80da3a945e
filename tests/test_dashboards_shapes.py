"""Service dashboards are assembled from JSON built once per panel shape (issue 18): each
factory's dict must equal the normalised grafanalib object it stands for, and a whole
dashboard the normalised grafanalib dashboard."""

from __future__ import annotations

import itertools
from pathlib import Path

import orjson
import pytest

from obskit.catalog.loader import load_catalog
from obskit.render.serialize import dump_json
from obskit.renderers.dashboards import panels as P
from obskit.renderers.dashboards.normalize import normalize_dashboard, normalize_panel
from obskit.renderers.dashboards.service import dashboard_object, service_dashboard

ROOT = Path(__file__).resolve().parent.parent
STEPS = (
    ((None, "green"),),
    ((None, "green"), (1, "red")),
    ((None, "green"), (1.0, "red")),  # equal to 1 and hashed alike: a different file
    ((None, "red"), (0, "orange"), (0.25, "yellow"), (0.5, "green")),
    ((None, "green"), (True, "red")),  # not a number: normalised to null
)
QUERIES = (
    [("up", "x", "", False)],
    [("up", "", "", False), ("rate(x[5m])", "{{pod}}", "", True)],
    [("a", "a", "Q", False), ("b", "b", "", False), ("", "c", "", True)],
)


def _pair(queries):
    """The factories' targets and the grafanalib targets they stand for."""
    fast = [P.target(e, lg, ref=r, instant=i) for e, lg, r, i in queries]
    slow = [P.target_object(e, lg, ref=r, instant=i) for e, lg, r, i in queries]
    return fast, slow


def _bytes(panel) -> bytes:
    return dump_json(panel)


@pytest.mark.parametrize(("steps", "queries"), list(itertools.product(STEPS, QUERIES)))
def test_timeseries_is_its_normalised_grafanalib_panel(steps, queries):
    for minimum, stack, lines, overrides in itertools.product(
        (None, 0), (False, True), (False, True), ((), ({"matcher": {"id": "byName"}},))
    ):
        fast, slow = _pair(queries)
        args = ("Title", "What it shows.", "percentunit")
        kwargs = dict(
            thresholds=steps,
            threshold_lines=lines,
            minimum=minimum,
            stack=stack,
            overrides=overrides,
        )
        expected = normalize_panel(P.timeseries_object(*args, slow, **kwargs))
        assert _bytes(P.timeseries(*args, fast, **kwargs)) == _bytes(expected)


@pytest.mark.parametrize(("steps", "queries"), list(itertools.product(STEPS, QUERIES)))
def test_stat_is_its_normalised_grafanalib_panel(steps, queries):
    for decimals in (None, 0, 2):
        fast, slow = _pair(queries)
        args = ("Title", "What it shows.", "short")
        expected = normalize_panel(P.stat_object(*args, slow, thresholds=steps, decimals=decimals))
        got = P.stat(*args, fast, thresholds=steps, decimals=decimals)
        assert _bytes(got) == _bytes(expected)


def test_text_and_alert_list_are_their_normalised_grafanalib_panels():
    for content in ("", "**x** — y\n", "{x}"):
        got = P.text("About", "Owner.", content)
        assert _bytes(got) == _bytes(normalize_panel(P.text_object("About", "Owner.", content)))
        got = P.alert_list("Alerts", "Firing.", content)
        want = normalize_panel(P.alert_list_object("Alerts", "Firing.", content))
        assert _bytes(got) == _bytes(want)


def test_shapes_tell_int_from_float_thresholds():
    """The cache key is the steps' JSON: ``1`` and ``1.0`` (equal in a tuple) stay apart."""
    one = P.timeseries("t", "d", "s", [P.target("up")], thresholds=STEPS[1])
    one_float = P.timeseries("t", "d", "s", [P.target("up")], thresholds=STEPS[2])
    assert b'"value": 1\n' in _bytes(one)
    assert b'"value": 1.0\n' in _bytes(one_float)


def test_panels_of_one_shape_share_nothing_they_change():
    """Two panels of one shape: filling or placing one leaves the other as it was."""
    a = P.timeseries("a", "A", "s", [P.target("up", "a")])
    before = _bytes(a)
    b = P.timeseries("b", "B", "s", [P.target("down", "b")])
    b["gridPos"], b["id"] = {"h": 1, "w": 1, "x": 0, "y": 0}, 9
    assert _bytes(a) == before


@pytest.mark.parametrize(
    "catalog", ["catalog.yaml", "examples/multicluster/catalog.yaml"], ids=["example", "mc"]
)
def test_service_dashboard_is_its_normalised_grafanalib_dashboard(catalog):
    """The assembled dashboard (variables, links, annotations and settings cached or built
    as JSON) equals the normalised grafanalib dashboard of the same panels."""
    cat = load_catalog(ROOT / catalog)
    for service in cat.services:
        expected = normalize_dashboard(dashboard_object(cat, service))
        got = service_dashboard(cat, service)
        assert _bytes(got) == _bytes(expected), service.name
        # the cached parts came back unchanged from a second render
        assert _bytes(service_dashboard(cat, service)) == _bytes(got)


def test_overview_normalisation_leaves_service_panels_alone():
    """An overview normalises factory JSON again (idempotent), never the cached shapes."""
    from obskit.renderers.dashboards.overview import overview_dashboard

    cat = load_catalog(ROOT / "catalog.yaml")
    before = [orjson.dumps(service_dashboard(cat, s)) for s in cat.services]
    for kind in ("fleet", "slos"):
        overview_dashboard(cat, kind)
    assert [orjson.dumps(service_dashboard(cat, s)) for s in cat.services] == before


def test_one_line_copy_is_the_file_parsed_and_dumped_on_one_line():
    """The ConfigMap's one-line JSON handed to the manifests renderer equals the dashboard
    file parsed back and dumped compact (what it did before); other bytes are not known."""
    from dashboards_support import render_bytes

    from obskit.renderers.dashboards import RENDERER, one_line_copy

    cat = load_catalog(ROOT / "examples/multicluster/catalog.yaml")
    for unit in RENDERER.units(cat):
        for path, data in unit.produce().items():
            parsed = orjson.loads(data)
            assert one_line_copy(data) == (parsed["title"], orjson.dumps(parsed) + b"\n"), path
            assert one_line_copy(data.replace(b"\n", b"\r\n")) is None
    assert render_bytes(cat)  # rendering again keeps answering
    assert one_line_copy(b'{"title": "x"}\n') is None


def test_the_cluster_default_follows_each_catalog():
    """Worked out once per catalog: alternating catalogs each keep their own default."""
    single = load_catalog(ROOT / "catalog.yaml")
    several = load_catalog(ROOT / "examples/multicluster/catalog.yaml")

    def default(cat):
        variables = service_dashboard(cat, cat.services[0])["templating"]["list"]
        return next(v for v in variables if v["name"] == "cluster")["current"]["value"]

    for _ in range(2):
        assert default(single) == single.metadata.cluster != "$__all"
        assert default(several) == "$__all"
