"""validate ≡ render (issue 12): validate refuses exactly the catalogs render refuses,
and a refused render writes nothing (real ``python -m obskit`` subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata:
  name: {name}
  plugins: {{dashboards: [{plugins}]}}
teams: [{{name: a}}]
services:
  - {{name: api, team: a, metrics: {{preset: prometheus-http}}, slos: [{{name: availability, objective: 99.9}}]}}
  - {{name: web, team: a}}
"""

PLUGIN = '''
import grafanalib.core as G


def huge(service, catalog):
    """Enough panels that the dashboard no longer fits one ConfigMap (1 MiB)."""
    return [G.Stat(title=f"panel {i}", description="x" * 200, targets=[G.Target(expr="up")])
            for i in range(3000)]


def broken(service, catalog):
    raise RuntimeError("plugin bug")
'''

CASES = {
    "valid": ("shop", ""),
    "name-100-characters": ("a" * 100, ""),
    "dashboard-over-1-MiB": ("shop", '"plugs:huge"'),
    "plugin-raises": ("shop", '"plugs:broken"'),
}


def obskit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "obskit", *args], capture_output=True, text=True, env=os.environ
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_refuses_what_render_refuses(tmp_path, monkeypatch, case):
    monkeypatch.setenv("OBSKIT_CACHE_DIR", str(tmp_path / "cache"))
    name, plugins = CASES[case]
    (tmp_path / "plugs.py").write_text(PLUGIN)
    cat = tmp_path / "catalog.yaml"
    cat.write_text(BASE.format(name=name, plugins=plugins))
    out = tmp_path / "out"
    validate, render = obskit("validate", str(cat)), obskit("render", str(cat), "-o", str(out))
    assert "Traceback" not in validate.stderr + render.stderr
    assert (validate.returncode != 0) == (render.returncode != 0), (validate, render)
    assert (render.returncode == 0) == (case == "valid"), render.stderr
    if render.returncode:
        assert validate.returncode == render.returncode == 2
        assert not out.exists(), "a refused render writes nothing"
        # both name the same problem
        assert render.stderr.strip().splitlines()[-1].split(": ")[-1] in validate.stderr


def test_a_refused_rerender_leaves_the_previous_tree_untouched(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSKIT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "plugs.py").write_text(PLUGIN)
    cat, out = tmp_path / "catalog.yaml", tmp_path / "out"
    cat.write_text(BASE.format(name="shop", plugins=""))
    assert obskit("render", str(cat), "-o", str(out)).returncode == 0
    before = {p: p.read_bytes() for p in sorted(Path(out).rglob("*")) if p.is_file()}
    cat.write_text(BASE.format(name="shop", plugins='"plugs:huge"'))
    proc = obskit("render", str(cat), "-o", str(out))
    assert proc.returncode == 2 and "too large for one ConfigMap" in proc.stderr
    assert {p: p.read_bytes() for p in sorted(Path(out).rglob("*")) if p.is_file()} == before
