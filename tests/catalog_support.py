"""Helpers for tests that write a small catalog, render it and run the real promtool."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from obskit import load_catalog, render
from obskit.catalog.errors import CatalogError

HEAD = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {name: shop}
teams: [{name: web}]
"""

#: services of three presets, production on two clusters (the many-cluster tests)
TWO_CLUSTERS = """\
services:
  - name: web
    team: web
    slos:
      - {name: availability, objective: 99.9}
      - {name: latency, objective: 99, threshold: 250ms}
  - name: api
    team: web
    metrics: {preset: grpc}
    slos: [{name: availability, objective: 99.5}]
  - name: mesh
    team: web
    metrics: {preset: istio}
    slos: [{name: latency, objective: 99, threshold: 500ms, window: 7d}]
environments:
  staging: {}
  production:
    clusters:
      - {name: eu-1, labels: {region: eu-west-1, provider: aws}}
      - {name: us-1, context: arn-us-1, managed: false}
"""


def catalog_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(HEAD + textwrap.dedent(body))
    return path


def problems(tmp_path: Path, body: str) -> list[str]:
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog_file(tmp_path, body))
    return [str(p) for p in info.value.problems]


def rendered(tmp_path: Path, body: str) -> Path:
    out = tmp_path / "out"
    render(load_catalog(catalog_file(tmp_path, body)), out, only=["alerts"])
    return out


def run_promtool(promtool: str, out: Path) -> subprocess.CompletedProcess:
    rules = sorted(str(p) for p in (out / "alerts").glob("*.rules.yaml"))
    check = subprocess.run([promtool, "check", "rules", *rules], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tests = sorted(str(p) for p in (out / "alerts" / "tests").glob("*.test.yaml"))
    return subprocess.run([promtool, "test", "rules", *tests], capture_output=True, text=True)


def generated_tests(out: Path, service: str) -> str:
    """The text of every generated test file of ``service`` (steady and outage tests)."""
    from obskit.promtool import service_test_files

    return "\n".join(p.read_text() for p in service_test_files(out / "alerts", service))


def generated_groups(out: Path, service: str) -> list[dict]:
    """The test groups of every generated test file of ``service``."""
    from obskit.promtool import service_test_files

    return [
        group
        for p in service_test_files(out / "alerts", service)
        for group in yaml.safe_load(p.read_text())["tests"]
    ]


def rules_of(out: Path, service: str) -> dict[str, list[str]]:
    doc = yaml.safe_load((out / "alerts" / f"{service}.rules.yaml").read_text())
    found: dict[str, list[str]] = {}
    for group in doc["groups"]:
        for rule in group["rules"]:
            if "record" in rule:
                found.setdefault(rule["record"], []).append(rule["expr"])
    return found
