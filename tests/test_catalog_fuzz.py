"""Property tests: random valid catalogs render; random invalid ones are refused cleanly."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obskit.catalog import CatalogError, load_catalog
from obskit.catalog.presets import PRESETS
from obskit.render.pipeline import render

NAMES = st.from_regex(r"[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,4})?", fullmatch=True)
OBJECTIVES = st.sampled_from([90, 95, 98, 99, 99.5, 99.9, 99.95, 99.99])


@st.composite
def services(draw, teams: list[str], names: list[str]):
    out = []
    for name in names:
        preset = draw(st.sampled_from([*PRESETS, "none"]))
        svc: dict = {"name": name, "team": draw(st.sampled_from(teams))}
        if draw(st.booleans()):
            svc["tier"] = draw(st.sampled_from(["critical", "standard", "low"]))
        svc["metrics"] = {"preset": preset}
        if preset != "none":
            slos = []
            if draw(st.booleans()):
                slos.append({"name": "availability", "objective": draw(OBJECTIVES)})
            if draw(st.booleans()):
                # thresholds are durations in whole milliseconds: istio's 0.5ms bucket is not one
                bounds = [b for b in PRESETS[preset].buckets_seconds if b >= 0.001]
                bound = draw(st.sampled_from(bounds))
                slos.append(
                    {
                        "name": "latency",
                        "objective": draw(OBJECTIVES),
                        "threshold": f"{round(bound * 1000)}ms",
                        "window": draw(st.sampled_from(["7d", "28d", "30d"])),
                    }
                )
            if slos:
                svc["slos"] = slos
        if draw(st.booleans()):
            svc["workload"] = {
                "kind": draw(st.sampled_from(["Deployment", "StatefulSet", "DaemonSet"]))
            }
        if draw(st.booleans()):
            svc["dependsOn"] = draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
        svc["logs"] = {"enabled": draw(st.booleans())}
        svc["traces"] = {"enabled": draw(st.booleans())}
        out.append(svc)
    return out


@st.composite
def catalogs(draw):
    teams = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    doc = {
        "apiVersion": "obskit/v1",
        "kind": "ServiceCatalog",
        "metadata": {"name": draw(NAMES)},
        "teams": [{"name": t} for t in teams],
        "services": draw(services(teams, names)),
    }
    if draw(st.booleans()):
        doc["environments"] = {
            e: {} for e in draw(st.lists(NAMES, min_size=1, max_size=2, unique=True))
        }
    return doc


def _write(doc, folder: Path) -> Path:
    path = folder / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs())
def test_valid_catalogs_render(doc):
    with tempfile.TemporaryDirectory(prefix="obskit-fuzz-") as folder:
        _render_and_check(doc, Path(folder))


def _render_and_check(doc, folder: Path) -> None:
    path = _write(doc, folder)
    catalog = load_catalog(path)
    outcome = render(catalog, path.parent / "out", use_cache=False)
    assert outcome.written and not outcome.conflicts
    assert render(catalog, path.parent / "out", check=True, use_cache=False).current


MUTATIONS = st.sampled_from(["drop", "junk-key", "wrong-type", "bad-value"])
JUNK = st.one_of(
    st.integers(),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.none(),
    st.floats(allow_nan=True),
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


@settings(max_examples=150, deadline=None)
@given(catalogs(), st.data())
def test_invalid_catalogs_are_refused_cleanly(doc, data):
    paths = [p for p in _paths(doc) if p]
    target = data.draw(st.sampled_from(paths))
    parent = doc
    for part in target[:-1]:
        parent = parent[part]
    kind = data.draw(MUTATIONS)
    if kind == "drop" and isinstance(parent, dict):
        del parent[target[-1]]
    elif kind == "junk-key" and isinstance(parent, dict):
        parent["zz" + str(target[-1])] = 1
    else:
        parent[target[-1]] = data.draw(JUNK)
    try:
        with tempfile.TemporaryDirectory(prefix="obskit-fuzz-") as folder:
            load_catalog(_write(doc, Path(folder)))
    except CatalogError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file.endswith("catalog.yaml") and problem.message
    # a mutation may still leave a valid catalog (an optional field dropped): that is fine
