"""lint custom-sli-cluster: a custom query SLI that adds clusters together (issue 13)."""

from __future__ import annotations

from obskit import load_catalog
from obskit.lint import load_checks, run_checks
from obskit.lint.base import context_from_catalog

from catalog_support import catalog_file

BODY = """\
services:
  - name: web
    team: web
    slos:
      - name: moderation
        objective: 99
        sli:
          errorQuery: sum by (code)(rate(jobs_total{result="failed"}[{{.window}}]))
          totalQuery: sum(rate(jobs_total[{{.window}}]))
      - name: pods
        objective: 99
        sli:
          errorQuery: sum(rate(jobs_total{result="failed"}[{{.window}}]) and on (pod) up == 0)
          totalQuery: sum by (cluster, code)(rate(jobs_total[{{.window}}]))
"""
TWO = "environments:\n  production:\n    clusters: [{name: a}, {name: b}]\n"


def _findings(tmp_path, body):
    path = catalog_file(tmp_path, body)
    checks = load_checks(["custom_sli_cluster"])
    return path, run_checks(context_from_catalog(load_catalog(path)), checks)


def test_inner_aggregations_without_cluster_are_warned_at_their_line(tmp_path):
    path, findings = _findings(tmp_path, BODY + TWO)
    lines = path.read_text().splitlines()
    got = [(f.path, f.rule, f.severity, f.message.split(": ", 1)[1]) for f in findings]
    error_line = next(i for i, t in enumerate(lines, 1) if "errorQuery: sum by (code)" in t)
    pods_line = next(i for i, t in enumerate(lines, 1) if "on (pod)" in t)
    assert got == [
        (
            f"{path}:{error_line}",
            "moderation",
            "warning",
            "sli.errorQuery aggregates without `cluster` (sum by (code)): it adds the clusters "
            "together; add `cluster` to that `by` / `on`, e.g. sum by (cluster, code)(...)",
        ),
        (
            f"{path}:{pods_line}",
            "pods",
            "warning",
            "sli.errorQuery aggregates without `cluster` (on (pod)): it adds the clusters "
            "together; add `cluster` to that `by` / `on`, e.g. sum by (cluster, code)(...)",
        ),
    ]


def test_one_cluster_is_not_warned(tmp_path):
    assert _findings(tmp_path, BODY)[1] == []
