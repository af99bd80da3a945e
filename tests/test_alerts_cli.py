"""`obskit test` and `obskit lint` end to end."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obskit.cli import app

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _invoke(*args: str, **env: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", **env})


def _text(result) -> str:
    out = result.output
    with contextlib.suppress(ValueError, AttributeError):  # stderr kept apart or not
        out += result.stderr
    return out


@pytest.mark.promtool
@pytest.mark.slow
def test_obskit_test_on_the_example_catalog(promtool, example_catalog, tmp_path):
    result = _invoke("test", str(REPO / "catalog.yaml"), "--out", str(tmp_path), "--no-cache")
    text = _text(result)
    assert result.exit_code == 0, text
    for service in example_catalog.services:
        row = next(line for line in text.splitlines() if f" {service.name} " in line)
        assert row.count("ok") == 2, row
    summary = re.search(r"13 services, (\d+) rules, (\d+) test groups: all passed", text)
    assert summary, text
    assert int(summary.group(1)) > 300 and int(summary.group(2)) > 150
    # --out keeps the rendered files
    assert (tmp_path / "alerts" / "tests" / "checkout.test.yaml").is_file()


def test_obskit_test_without_promtool_says_how_to_install(tmp_path):
    result = _invoke("test", str(REPO / "catalog.yaml"), PATH=str(tmp_path))
    assert result.exit_code == 3
    assert "apt-get install -y prometheus" in _text(result)


BROKEN = """
apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {name: broken}
teams: [{name: core}]
services:
  - name: api
    team: core
    metrics: {preset: none}
    alerts:
      - alert: ApiBadTemplate
        expr: vector(1)
        for: 5m
        summary: a template promtool refuses
        description: "{{ $value | noSuchFunction }}"
"""


@pytest.mark.promtool
def test_obskit_test_fails_on_a_rule_promtool_refuses(promtool, tmp_path):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(BROKEN)
    result = _invoke("test", str(catalog))
    text = _text(result)
    assert result.exit_code == 1, text
    assert "FAILED" in text and "noSuchFunction" in text


@pytest.mark.promtool
def test_obskit_test_reuses_a_pass_and_never_a_failure(promtool, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(BROKEN.replace("$value | noSuchFunction", "$value"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN)
    env = {"OBSKIT_CACHE_DIR": str(tmp_path / "cache")}
    first = _invoke("test", str(good), **env)
    assert first.exit_code == 0 and "(0 from the pass cache)" in _text(first), _text(first)
    second = _invoke("test", str(good), **env)
    assert second.exit_code == 0 and "(1 from the pass cache)" in _text(second)
    assert re.search(r" api .* cached", _text(second)), _text(second)
    for _ in range(2):
        failed = _invoke("test", str(bad), **env)
        assert failed.exit_code == 1 and "(0 from the pass cache)" in _text(failed)


def test_obskit_lint_example_is_clean():
    result = _invoke("lint", str(REPO / "catalog.yaml"))
    assert result.exit_code == 0, _text(result)
    from obskit.lint import CHECK_MODULES

    assert f"no findings from {len(CHECK_MODULES)} checks" in result.output


def test_obskit_lint_reports_findings(tmp_path):
    catalog = tmp_path / "catalog.yaml"
    text = BROKEN.replace("{{ $value | noSuchFunction }}", "x").replace("        for: 5m\n", "")
    catalog.write_text(text)
    result = _invoke("lint", str(catalog))
    assert result.exit_code == 1
    assert "missing-for" in result.output and "ApiBadTemplate" in result.output


def test_obskit_lint_list_and_unknown_check():
    listed = _invoke("lint", "--list")
    assert listed.exit_code == 0 and "docs/lint/rate-range.md" in listed.output
    bad = _invoke("lint", str(REPO / "catalog.yaml"), "--check", "nope")
    assert bad.exit_code == 2
