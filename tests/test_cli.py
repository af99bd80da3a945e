"""The obskit command end to end: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE_CATALOG, REPO

OBSKIT = [sys.executable, "-m", "obskit"]


def run(*args: str, cwd: Path | None = None, env: dict | None = None, check_rc: int | None = None):
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        [*OBSKIT, *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300
    )
    if check_rc is not None:
        assert proc.returncode == check_rc, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_help_on_every_command():
    top = run("--help", check_rc=0)
    commands = [c for c in ("init", "schema", "validate", "render") if c in top.stdout]
    assert len(commands) == 4
    for command in commands:
        assert "Usage" in run(command, "--help", check_rc=0).stdout


def test_render_is_byte_identical_across_processes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    run(
        "render",
        str(EXAMPLE_CATALOG),
        "--out",
        str(a),
        "-q",
        "--no-cache",
        check_rc=0,
        env={"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C.UTF-8"},
    )
    run(
        "render",
        str(EXAMPLE_CATALOG),
        "--out",
        str(b),
        "-q",
        "--no-cache",
        check_rc=0,
        env={"PYTHONHASHSEED": "4242", "TZ": "Asia/Kolkata", "LC_ALL": "C"},
    )
    assert tree(a) == tree(b)
    kinds = {path.split("/")[0] for path in tree(a)}
    assert {"dashboards", "alerts", "helm-values", "manifests"} <= kinds


def test_check_exit_codes(tmp_path):
    out = tmp_path / "out"
    run("render", str(EXAMPLE_CATALOG), "--out", str(out), "-q", check_rc=0)
    assert run("render", str(EXAMPLE_CATALOG), "--out", str(out), "--check", check_rc=0)
    generated = json.loads((out / ".obskit/manifest.json").read_text())["generated"]
    victim = out / sorted(p for paths in generated.values() for p in paths)[0]
    victim.write_bytes(victim.read_bytes() + b"\n# hand edit\n")
    proc = run("render", str(EXAMPLE_CATALOG), "--out", str(out), "--check", check_rc=1)
    assert "changed" in proc.stderr and "+# hand edit" not in proc.stderr
    assert "-# hand edit" in proc.stderr
    victim.unlink()
    proc = run("render", str(EXAMPLE_CATALOG), "--out", str(out), "--check", check_rc=1)
    assert "missing" in proc.stderr


def test_bad_catalog_exits_2_writes_nothing(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text(EXAMPLE_CATALOG.read_text().replace("team: payments\n", "team: paymnts\n", 1))
    out = tmp_path / "out"
    proc = run("render", str(bad), "--out", str(out), check_rc=2)
    assert "did you mean `payments`?" in proc.stderr
    assert "nothing was written" in proc.stderr
    assert not out.exists()


def test_validate_summary(tmp_path):
    proc = run("validate", str(EXAMPLE_CATALOG), check_rc=0)
    assert "13 services" in proc.stdout and "4 teams" in proc.stdout


def test_init_then_validate_and_render(tmp_path):
    run("init", str(tmp_path), check_rc=0)
    text = (tmp_path / "catalog.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=catalog.schema.json")
    assert json.loads((tmp_path / "catalog.schema.json").read_text())["title"]
    run("validate", str(tmp_path / "catalog.yaml"), check_rc=0)
    run("init", str(tmp_path), check_rc=2)
    run("render", str(tmp_path / "catalog.yaml"), "--out", str(tmp_path / "out"), check_rc=0)


def test_schema_is_generated_from_models_and_committed_copy_is_current():
    proc = run("schema", check_rc=0)
    schema = json.loads(proc.stdout)
    assert "services" in schema["properties"] and "apiVersion" in schema["properties"]
    committed = json.loads((REPO / "catalog.schema.json").read_text())
    assert committed == schema, "catalog.schema.json is stale: obskit schema > catalog.schema.json"


def test_schema_accepts_the_example_catalog():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads(run("schema", check_rc=0).stdout)
    jsonschema.validate(yaml.safe_load(EXAMPLE_CATALOG.read_text()), schema)


def test_unknown_only_is_a_clear_error(tmp_path):
    proc = run(
        "render", str(EXAMPLE_CATALOG), "--out", str(tmp_path), "--only", "dashbords", check_rc=2
    )
    assert proc.stderr.startswith("obskit: error: unknown output kind dashbords")


def test_committed_example_output_is_current():
    """The repository is its own GitOps example: its rendered tree must be up to date."""
    proc = run("render", "catalog.yaml", "--check", "--no-cache", cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
