"""The CI examples run `obskit report` with options it has, against the base branch, and post
report.md; docs/report.md links them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from obskit.cli import app

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = ["examples/ci/github-actions-report.yaml", "examples/ci/gitlab-ci-report.yaml"]


def commands(doc: object) -> list[str]:
    """Every shell string in a CI document."""
    if isinstance(doc, dict):
        return [c for v in doc.values() for c in commands(v)]
    if isinstance(doc, list):
        return [c for v in doc for c in commands(v)]
    return [doc] if isinstance(doc, str) else []


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_runs_report_and_posts_it(example: str) -> None:
    shell = commands(yaml.safe_load((REPO / example).read_text()))
    (run,) = [c for c in shell if "obskit report catalog" in c]
    options = set(re.findall(r"(?<!\S)(--?[a-z][\w-]*)", run.split("obskit report", 1)[1]))
    help_text = CliRunner().invoke(app, ["report", "--help"], terminal_width=200).stdout
    assert options and all(re.search(rf"{o}\b", help_text) for o in options), options
    assert "--base" in options and "-o" in options
    assert any("report/report.md" in c for c in shell)
    assert f"../{example}" in (REPO / "docs/report.md").read_text()
