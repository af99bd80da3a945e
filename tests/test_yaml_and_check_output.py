"""Emitted YAML keeps strings strings for YAML 1.2 readers; --check prints diffs verbatim
(issue 12: YAML 1.1/1.2 typing, plain-text diffs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from obskit.render.serialize import dump_yaml

from catalog_support import catalog_file, generated_tests


@pytest.mark.parametrize(
    "value", ["1e3", "1E-2", "0o17", "0x1F", ".inf", "-.Inf", ".nan", "True", "null", "~"]
)
def test_strings_a_yaml_1_2_reader_would_retype_are_quoted(value: str) -> None:
    text = dump_yaml({"name": value}).decode()
    assert text != f"name: {value}\n", text
    assert yaml.safe_load(text) == {"name": value}


def test_ordinary_strings_stay_plain() -> None:
    assert dump_yaml({"name": "checkout", "le": "0.3s"}) == b"le: 0.3s\nname: checkout\n"


def test_a_service_named_1e3_survives_kubectl_kustomize(tmp_path: Path, kubectl: str) -> None:
    from obskit import load_catalog, render

    path = catalog_file(tmp_path, "services: [{name: 1e3, team: web, namespace: 1e3}]\n")
    path.write_text(
        path.read_text()
        .replace("name: 1e3", "name: '1e3'")
        .replace("namespace: 1e3", "namespace: '1e3'")
    )
    out = tmp_path / "out"
    render(load_catalog(path), out, only=["manifests"])
    built = subprocess.run(
        [kubectl, "kustomize", str(out / "manifests")], capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr
    docs = [d for d in yaml.safe_load_all(built.stdout) if d]
    namespaces = {d["metadata"].get("namespace") for d in docs}
    assert "1e3" in namespaces and 1000.0 not in namespaces, namespaces


def test_check_prints_the_diff_as_plain_text(tmp_path: Path) -> None:
    """Markup and emoji codes in a changed file reach the terminal as they are."""
    from obskit import load_catalog, render

    path = catalog_file(tmp_path, "services: [{name: api, team: web}]\n")
    out = tmp_path / "out"
    render(load_catalog(path), out, only=["alerts"])
    rules = out / "alerts" / "api.rules.yaml"
    rules.write_text(rules.read_text() + "# [bold red]x[/] :warning: :smile:\n")
    proc = subprocess.run(
        [sys.executable, "-m", "obskit", "render", str(path), "--out", str(out), "--check",
         "--only", "alerts", "--no-cache"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "# [bold red]x[/] :warning: :smile:" in proc.stderr, proc.stderr


def test_selector_values_with_quotes_and_backslashes_pass_their_tests(
    tmp_path: Path, promtool: str
) -> None:
    """The rules escape selector values; the generated input series must escape the same."""
    from catalog_support import rendered, run_promtool

    out = rendered(
        tmp_path,
        """\
services:
  - name: api
    team: web
    metrics: {selector: {job: 'api "blue"', path: 'C:\\app'}}
    slos: [{name: availability, objective: 99.9}]
""",
    )
    tests = generated_tests(out, "api")
    assert r'job="api \"blue\""' in tests and r'path="C:\\app"' in tests, tests[:800]
    proc = run_promtool(promtool, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("selector", "message"),
    [("{__name__: x}", "labels starting with __"), ('{job: "a\\nb"}', "control character")],
)
def test_selectors_prometheus_would_misread_are_refused(
    tmp_path: Path, selector: str, message: str
) -> None:
    from catalog_support import problems

    body = f"services: [{{name: a, team: web, metrics: {{selector: {selector}}}}}]\n"
    found = problems(tmp_path, body)
    assert any(message in p and "catalog.yaml:5:" in p for p in found), found


@pytest.mark.parametrize(
    ("duration", "message"),
    [("1h1h", "largest first"), ("5s1m", "largest first"), ("300y", "292 years")],
)
def test_durations_prometheus_refuses_are_refused_at_load(
    tmp_path: Path, duration: str, message: str
) -> None:
    from catalog_support import problems

    body = (
        "services: [{name: a, team: web, slos: "
        f"[{{name: latency, objective: 99, threshold: {duration}}}]}}]\n"
    )
    found = problems(tmp_path, body)
    assert any(message in p and "catalog.yaml:5:" in p for p in found), found


def test_well_formed_durations_still_load(tmp_path: Path) -> None:
    from obskit.catalog.durations import duration_problem

    for ok in ("1h30m", "2500ms", "1y2w3d4h5m6s7ms", "30s"):
        assert duration_problem(ok) is None, ok


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("labels: {bad-name: x}", "label name"),
        ("labels: {team2: ''}", "an empty value removes the label"),
        ("description: 'now {{ $value'", "never closed"),
        ("annotations: {note: 'x }} y'}", "unbalanced"),
    ],
)
def test_hand_written_alerts_promtool_would_refuse_are_refused_at_load(
    tmp_path: Path, field: str, message: str
) -> None:
    from catalog_support import problems

    body = f"""\
services:
  - name: a
    team: web
    alerts:
      - alert: X
        expr: up == 0
        summary: down
        {field}
"""
    found = problems(tmp_path, body)
    assert any(message in p and "alerts[0]" in p for p in found), found


# --- bounded input (issue 12) -------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BOMB, "alias bomb"),
        ("x: " + "[" * 200 + "]" * 200 + "\n", "nested more than 64 levels"),
        ("a: &a [1, *a]\n", "refers to itself"),
        ("x:\n" + "  [\n" * 200 + "  " + "]" * 200 + "\n", "nested more than 64 levels"),
        ("x:\n" + "  {a:\n" * 200 + "  b" + "}" * 200 + "\n", "nested more than 64 levels"),
        ("x:\n  " + "- " * 200 + "y\n", "nested more than 64 levels"),
    ],
    ids=["alias-bomb", "deep-nesting", "recursive-alias", "deep-flow-lines", "deep-maps", "dashes"],
)
def test_hostile_yaml_is_refused_fast_with_a_line(tmp_path: Path, text: str, message: str) -> None:
    import time

    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "obskit", "validate", str(path)], capture_output=True, text=True
    )
    assert time.monotonic() - start < 10  # the process start dominates; the check is ms
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "catalog.yaml:" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert max(map(len, proc.stderr.splitlines())) < 300, "the value is quoted, not dumped"


@pytest.mark.parametrize(
    ("services", "message"),
    [
        ("  - {name: a, team: web, tier: !!int abc}\n", "`abc` is not a valid !!int"),
        ("  - {name: a, team: web, tier: !!float x}\n", "`x` is not a valid !!float"),
        ("  - {name: a, team: web, tier: !!bool maybe}\n", "`maybe` is not a valid !!bool"),
        ("  - {name: a, team: web, tier: !!timestamp x}\n", "`x` is not a valid !!timestamp"),
        ("  - {name: a, team: web, !!int key: 1}\n", "`key` is not a valid !!int"),
        (
            "  - {name: a, team: web, tier: !!int " + "9" * 30 + "x" * 30 + "}\n",
            "9xxxxxxx...` is not",
        ),
    ],
)
def test_a_core_tag_its_value_does_not_fit_is_one_line_with_its_place(
    tmp_path: Path, services: str, message: str
) -> None:
    path = catalog_file(tmp_path, "services:\n" + services)
    proc = subprocess.run(
        [sys.executable, "-m", "obskit", "validate", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert message in proc.stderr, proc.stderr
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "!!" in text)
    assert f"catalog.yaml:{line}:" in proc.stderr, proc.stderr


def test_anchors_that_stay_small_still_load(tmp_path: Path) -> None:
    from obskit import load_catalog

    from catalog_support import catalog_file

    path = catalog_file(
        tmp_path,
        "services:\n  - {name: a, team: web, slos: &s [{name: availability, objective: 99}]}\n"
        "  - {name: b, team: web, slos: *s}\n",
    )
    assert [len(s.slos) for s in load_catalog(path).services] == [1, 1]


def test_an_endless_file_is_refused_by_size() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "obskit", "validate", "/dev/zero"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "OBSKIT_MAX_CATALOG_BYTES": "1048576"},
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "larger than 1 MiB" in proc.stderr and "Traceback" not in proc.stderr
