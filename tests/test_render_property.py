"""Everything rendered is accepted downstream (issue 12, part 4): a property test.

Hypothesis generates valid catalogs (names YAML would mistype, label values with quotes,
backslashes and unicode, every preset, SLOs of every period, hand-written alerts, teams with
Alertmanager receivers, environments); each is rendered into a folder of its own. Then the
real tools run over all of them in a few batched calls: ``promtool check rules``,
``promtool test rules`` (two processes; the workload alert groups of every 4th catalog,
the other groups of all), ``amtool check-config`` on the Alertmanager config
of every environment's Helm values, and ``kubectl kustomize`` of each ``manifests/`` with a
client-side decode of every object (``kubectl apply --dry-run=client`` needs an API server,
so objects are checked against the pinned Kubernetes and CRD schemas instead).

``OBSKIT_PROPERTY_CATALOGS`` sets how many catalogs (default 200).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obskit.catalog import load_catalog
from obskit.catalog.presets import PRESETS
from obskit.render.pipeline import render

COUNT = int(os.environ.get("OBSKIT_PROPERTY_CATALOGS", "200"))


class LOADER(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Reads kubectl's YAML 1.2 output: a plain ``=`` is a string there, not YAML 1.1's
    ``!!value`` (which PyYAML cannot construct)."""


LOADER.add_constructor("tag:yaml.org,2002:value", lambda loader, node: node.value)

#: DNS labels YAML 1.1 or 1.2 would read as numbers, booleans or null
TRICKY_NAMES = ["1e3", "no", "on", "yes", "off", "y", "n", "0x1f", "0o17", "123", "1e-3",
                "true", "null", "nan", "inf", "0"]  # fmt: skip
NAMES = st.one_of(
    st.sampled_from(TRICKY_NAMES),
    st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True),
)
#: label values: quotes, backslashes, braces, YAML indicators, unicode
VALUE_TEXT = st.text(
    alphabet=st.sampled_from(list("ab z09\"'\\{}[]:#,&*!|>%@`-.?$é😀ß/=~")),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip() == s and "{{" not in s and "}}" not in s)
#: selector values: literal (``~`` and ``!~`` start a regex in the catalog) or a regex
SELECTOR_VALUES = st.one_of(
    VALUE_TEXT.filter(lambda s: not s.startswith(("~", "!~"))),
    st.sampled_from(["~api|web", "!~canary.*", "~prod-(eu|us)-[0-9]+", '~a"b|c\\\\d']),
)
LABEL_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda s: s not in ("service", "team", "severity", "slo", "tier", "le")
)
OBJECTIVES = st.one_of(
    st.sampled_from([90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999]),
    st.floats(min_value=50, max_value=99.99).map(lambda x: round(x, 2)),
)
WINDOWS = st.sampled_from(["7d", "28d", "30d"])
DURATIONS = st.sampled_from(["30s", "1m", "5m", "10m", "1h", "1h30m"])


def _secret_ref(draw) -> dict:
    return {"name": draw(NAMES), "key": draw(st.from_regex(r"[-._a-zA-Z0-9]{1,8}", fullmatch=True))}


@st.composite
def teams(draw) -> list[dict]:
    out = []
    for name in draw(st.lists(NAMES, min_size=1, max_size=3, unique=True)):
        team: dict = {"name": name}
        alerting: dict = {}
        if draw(st.booleans()):
            alerting["slack"] = {"channel": f"#{name}", "apiURLSecret": _secret_ref(draw)}
        if draw(st.booleans()):
            alerting["pagerduty"] = {"routingKeySecret": _secret_ref(draw)}
        if draw(st.booleans()):
            alerting["email"] = {"to": f"{name}@example.com"}
        if alerting:
            team["alerting"] = alerting
        out.append(team)
    return out


def _slos(draw, preset: str) -> list[dict]:
    slos = []
    if draw(st.integers(0, 9)) < 7:  # three services in ten have an SLO (promtool time)
        return slos
    kind = draw(st.sampled_from(["availability", "latency"]))
    bounds = [b for b in PRESETS[preset].buckets_seconds if b >= 0.001]
    slo: dict = {"name": kind, "objective": draw(OBJECTIVES)}
    if kind == "latency" and bounds:
        slo["threshold"] = f"{round(draw(st.sampled_from(bounds)) * 1000)}ms"
    elif kind == "latency":
        slo["name"] = "availability"
    if draw(st.booleans()):
        slo["window"] = draw(WINDOWS)
    if draw(st.booleans()):
        alerting: dict = {"labels": {draw(LABEL_NAMES): draw(VALUE_TEXT)}}
        if draw(st.booleans()):
            alerting["minRequestRate"] = draw(st.sampled_from([0, 0.1, 1, 5]))
        if draw(st.booleans()):
            alerting["ticket"] = False
        slo["alerting"] = alerting
    slos.append(slo)
    return slos


def _alert(draw, index: int) -> dict:
    value = draw(VALUE_TEXT)
    expr = draw(
        st.sampled_from(
            [
                "up == 0",
                "sum(rate(http_requests_total[5m])) > 10",
                f"absent(up{{job={json.dumps(value, ensure_ascii=False)}}})",
            ]
        )
    )
    alert: dict = {
        "alert": f"Custom{index}",
        "expr": expr,
        "summary": f"{{{{ $labels.job }}}} {value}",
        "severity": draw(st.sampled_from(["critical", "warning", "info"])),
    }
    if draw(st.booleans()):
        alert["for"] = draw(DURATIONS)
    if draw(st.booleans()):
        alert["labels"] = {draw(LABEL_NAMES): draw(VALUE_TEXT)}
    if draw(st.booleans()):
        alert["annotations"] = {"note": draw(VALUE_TEXT)}
    return alert


@st.composite
def services(draw, team_names: list[str]) -> list[dict]:
    out = []
    size = 2 if draw(st.integers(1, 3)) == 3 else 1  # mostly one service (promtool time)
    for name in draw(st.lists(NAMES, min_size=size, max_size=size, unique=True)):
        preset = draw(st.sampled_from(sorted(PRESETS)))
        svc: dict = {"name": name, "team": draw(st.sampled_from(team_names))}
        if draw(st.booleans()):
            svc["namespace"] = draw(NAMES)
        metrics: dict = {"preset": preset}
        if draw(st.booleans()):
            label = next(iter(PRESETS[preset].selector))
            metrics["selector"] = {
                label: draw(SELECTOR_VALUES),
                draw(LABEL_NAMES): draw(SELECTOR_VALUES),
            }
        svc["metrics"] = metrics
        slos = _slos(draw, preset)
        if slos:
            svc["slos"] = slos
        if draw(st.integers(0, 3)) == 0:
            svc["alerts"] = [_alert(draw, i) for i in range(draw(st.integers(1, 2)))]
        if draw(st.booleans()):
            svc["description"] = draw(VALUE_TEXT)
        out.append(svc)
    return out


@st.composite
def catalogs(draw) -> dict:
    team_list = draw(teams())
    doc: dict = {
        "apiVersion": "obskit/v1",
        "kind": "ServiceCatalog",
        "metadata": {"name": draw(NAMES)},
        "teams": team_list,
        "services": draw(services([t["name"] for t in team_list])),
    }
    if draw(st.booleans()):
        envs = {}
        for name in draw(st.lists(NAMES, min_size=1, max_size=2, unique=True)):
            env: dict = {}
            if draw(st.booleans()):
                env["prometheus"] = {"retention": draw(st.sampled_from(["7d", "15d", "30d"]))}
            if draw(st.booleans()):
                env["overrides"] = {
                    "kube-prometheus-stack": {"commonLabels": {"example.com/owner": draw(NAMES)}}
                }
            envs[name] = env
        doc["environments"] = envs
    return doc


def _render_all(root: Path) -> list[tuple[Path, str]]:
    """Render ``COUNT`` generated catalogs into ``root/NNNN/``; ``[(folder, catalog text)]``."""
    done: list[tuple[Path, str]] = []
    attempts = itertools.count()  # hypothesis replays a failing example: a new folder each time

    @settings(
        max_examples=COUNT,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(catalogs())
    def render_one(doc: dict) -> None:
        folder = root / f"{next(attempts):04d}"
        folder.mkdir()
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        (folder / "catalog.yaml").write_text(text)
        render(load_catalog(folder / "catalog.yaml"), folder / "out", use_cache=False)
        done.append((folder, text))

    render_one()
    return done


def _run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True)


def _failed_catalog(proc: subprocess.CompletedProcess, done: list[tuple[Path, str]]) -> str:
    """The catalog text of the first folder named in a tool's output (for the message)."""
    output = proc.stdout + proc.stderr
    for folder, text in done:
        if str(folder) + "/" in output:
            return f"{output[-3000:]}\n--- catalog {folder}:\n{text}"
    return output[-3000:]


def _chunks(items: list[str], size: int = 400) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _alertmanager_configs(done: list[tuple[Path, str]]) -> list[str]:
    configs = []
    for folder, _ in done:
        for values_file in sorted(
            (folder / "out" / "helm-values").glob("*/kube-prometheus-stack.yaml")
        ):
            values = yaml.safe_load(values_file.read_text())
            config = values["alertmanager"]["config"]
            path = values_file.with_suffix(".alertmanager.yaml")
            path.write_text(yaml.safe_dump(config))
            configs.append(str(path))
    return configs


def _decode_errors(objects: list, reference: Path | None) -> list[str]:
    """Every object decoded client side: metadata strings, core and custom resource schemas."""
    from k8s_schemas import CRD_FILES, core_errors, crd_errors

    errors = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        for field in ("name", "namespace"):
            if field in meta and not isinstance(meta[field], str):
                errors.append(f"{obj['kind']} metadata.{field} is {meta[field]!r}, not a string")
        for mapping in ("labels", "annotations"):
            for key, value in (meta.get(mapping) or {}).items():
                if not isinstance(value, str):
                    errors.append(f"{obj['kind']} {meta.get('name')}: {mapping}.{key} = {value!r}")
        if obj["kind"] == "ConfigMap":
            errors += core_errors(obj)
        elif obj["kind"] in CRD_FILES and reference is not None:
            errors += crd_errors(reference / "crds", obj)
    return errors


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[tuple[Path, str]]:
    done = _render_all(tmp_path_factory.mktemp("property"))
    assert len(done) >= min(COUNT, 200) * 0.95, len(done)
    return done


def test_promtool_checks_every_rule_file(generated, promtool: str) -> None:
    rules = [
        str(p)
        for folder, _ in generated
        for p in sorted((folder / "out/alerts").glob("*.rules.yaml"))
    ]
    assert rules
    for chunk in _chunks(rules):
        proc = _run([promtool, "check", "rules", *chunk])
        assert proc.returncode == 0, _failed_catalog(proc, generated)


#: every Nth catalog's generated tests run whole; the others without their workload groups
WORKLOAD_EVERY = 4


def _without_workload_groups(path: Path) -> Path:
    """A copy of a generated test file without the workload alert groups (``<svc>: <Alert>
    fires`` / ``stays quiet``): they are 3/4 of promtool's time and their input depends only
    on the service's names, which every 4th catalog still covers."""
    doc = yaml.safe_load(path.read_text())
    doc["tests"] = [g for g in doc["tests"] if not g["name"].endswith((" fires", " stays quiet"))]
    out = path.with_name(path.name.removesuffix(".test.yaml") + ".slo-only.test.yaml")
    out.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return out


def test_promtool_runs_every_generated_test(generated, promtool: str) -> None:
    tests = []
    for i, (folder, _) in enumerate(generated):
        for p in sorted((folder / "out/alerts/tests").glob("*.test.yaml")):
            tests.append(str(p if i % WORKLOAD_EVERY == 0 else _without_workload_groups(p)))
    assert tests
    halves = [tests[0::2], tests[1::2]]
    with ThreadPoolExecutor(2) as pool:
        for proc in pool.map(lambda files: _run([promtool, "test", "rules", *files]), halves):
            assert proc.returncode == 0, _failed_catalog(proc, generated)


def test_amtool_accepts_every_alertmanager_config(generated, amtool: str) -> None:
    configs = _alertmanager_configs(generated)
    assert len(configs) >= len(generated)
    for chunk in _chunks(configs):
        proc = _run([amtool, "check-config", *chunk])
        assert proc.returncode == 0, _failed_catalog(proc, generated)


def test_kustomize_builds_and_every_object_decodes(generated, kubectl: str) -> None:
    from conftest import SHARED_REFERENCE

    reference = SHARED_REFERENCE if (SHARED_REFERENCE / "crds").is_dir() else None
    with ThreadPoolExecutor(2) as pool:
        built = pool.map(
            lambda item: _run([kubectl, "kustomize", str(item[0] / "out" / "manifests")]), generated
        )
    for (_, text), proc in zip(generated, built, strict=True):
        assert proc.returncode == 0, f"{proc.stderr}\n--- catalog:\n{text}"
        objects = [o for o in yaml.load_all(proc.stdout, Loader=LOADER) if o]
        catalog = yaml.safe_load(text)
        namespaces = {s.get("namespace", "default") for s in catalog["services"]}
        assert namespaces <= {o["metadata"].get("namespace") for o in objects}, text
        errors = _decode_errors(objects, reference)
        assert errors == [], "\n".join(errors[:10]) + f"\n--- catalog:\n{text}"


def test_every_rendered_yaml_and_json_file_parses(generated) -> None:
    for folder, text in generated:
        for path in sorted((folder / "out").rglob("*")):
            if path.suffix == ".yaml":
                list(yaml.load_all(path.read_text(), Loader=LOADER))
            elif path.suffix == ".json":
                json.loads(path.read_text())
        assert re.search(r"\S", text)


# --- defects the property test found (regressions) -----------------------------------------


@pytest.mark.parametrize("name", ["n", "y"])
def test_a_catalog_named_like_a_go_yaml_v2_boolean_builds(
    tmp_path: Path, kubectl: str, name: str
) -> None:
    """``metadata.name: n`` was written unquoted into kustomization.yaml; kustomize read false."""
    path = tmp_path / "catalog.yaml"
    path.write_text(
        f"apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {{name: '{name}'}}\n"
        f"teams: [{{name: '{name}'}}]\nservices: [{{name: '{name}', team: '{name}', namespace: '{name}'}}]\n"
    )
    render(load_catalog(path), tmp_path / "out", only=["manifests"], use_cache=False)
    proc = _run([kubectl, "kustomize", str(tmp_path / "out" / "manifests")])
    assert proc.returncode == 0, proc.stderr
    objects = [o for o in yaml.safe_load_all(proc.stdout) if o]
    assert {o["metadata"]["labels"]["app.kubernetes.io/part-of"] for o in objects} == {name}
    assert name in {o["metadata"].get("namespace") for o in objects}
