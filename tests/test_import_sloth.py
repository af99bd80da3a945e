"""obskit import sloth: Sloth's own examples imported, rendered and driven into outages.

Every example in ../shared/reference/sloth/examples/ that uses Prometheus imports; the rest
are refused with the precise reason. Each imported catalog is rendered by obskit, its rule
files pass ``promtool check rules`` and obskit's generated tests pass ``promtool test
rules``; and since those generated tests leave query SLIs untested (their series are the
author's), this test derives input series from each SLO's own queries and checks with
promtool that the page alert fires on an outage and nothing fires while healthy.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import promql_parser as pp
import pytest
import yaml
from typer.testing import CliRunner

from obskit.adapters import sloth
from obskit.adapters.source import InputError, parse_documents, read_documents
from obskit.catalog import regex_example
from obskit.catalog.loader import load_catalog
from obskit.cli import app
from obskit.lint.promql_ast import walk_expr
from obskit.render.pipeline import render
from obskit.renderers.alerts.common import camel

from conftest import SHARED_REFERENCE

EXAMPLES_DIR = SHARED_REFERENCE / "sloth" / "examples"
ABSENT = "../shared/reference/sloth/examples is absent (pinned Sloth v0.16.0 examples)"
#: examples Sloth reads that are not Sloth specs (OpenSLO v1alpha: `obskit import openslo`)
OPENSLO = ("openslo-getting-started.yml", "openslo-kubernetes-apiserver.yml")
#: examples obskit refuses, and the reason it must give
REFUSED = {
    "plugin-getting-started.yml": "SLI plugin `getting_started_availability` is Go code",
    "plugin-k8s-getting-started.yml": "SLI plugin `getting_started_availability` is Go code",
    "raw-home-wifi.yml": "a raw error-ratio SLI has no events to count",
    "victoria-metrics.yml": "unknown function with name 'histogram_share'",
}


def _examples() -> list[Any]:
    if not EXAMPLES_DIR.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=ABSENT))]
    files = sorted(p for p in EXAMPLES_DIR.glob("*.y*ml") if p.name not in OPENSLO)
    return [pytest.param(p, id=p.name) for p in files]


def _import(path: Path, tmp_path: Path) -> Path:
    out = tmp_path / "catalog.yaml"
    result = CliRunner().invoke(app, ["import", "sloth", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


# --- input series from an SLI's own queries ------------------------------------------------


def _labels(selector: pp.VectorSelector) -> dict[str, str]:
    """Labels a series needs to be selected by ``selector``."""
    out = {}
    for m in selector.matchers.matchers:
        op = str(m.op).rsplit(".", 1)[-1]
        if op == "Equal":
            out[m.name] = m.value
        elif op == "Re":
            example = regex_example.example(m.value)
            assert example is not None, f"no example value for {m.value!r}"
            out[m.name] = example
        else:  # != and !~: a value neither equals nor matches
            out[m.name] = "obskit-other"
    return out


def _matches(selector: pp.VectorSelector, name: str, labels: dict[str, str]) -> bool:
    if selector.name and selector.name != name:
        return False
    for m in selector.matchers.matchers:
        op, value = str(m.op).rsplit(".", 1)[-1], labels.get(m.name, "")
        ok = {
            "Equal": value == m.value,
            "NotEqual": value != m.value,
            "Re": re.fullmatch(m.value, value) is not None,
            "NotRe": re.fullmatch(m.value, value) is None,
        }[op]
        if not ok:
            return False
    return True


def _selectors(query: str) -> list[tuple[pp.VectorSelector, bool, float | None, str]]:
    """(selector, counted negatively, gauge comparison threshold, its operator) per selector."""
    out = []
    for node, ancestors in walk_expr(query.replace("{{.window}}", "5m")):
        if not isinstance(node, pp.VectorSelector):
            continue
        chain = (*ancestors, node)
        negated = any(
            isinstance(a, pp.BinaryExpr) and str(a.op) == "-" and chain[i + 1] is a.rhs
            for i, a in enumerate(ancestors)
        )
        threshold, op = None, ""
        for a in reversed(ancestors):
            if isinstance(a, pp.BinaryExpr) and isinstance(a.rhs, pp.NumberLiteral):
                threshold, op = a.rhs.val, str(a.op)
                break
        out.append((node, negated, threshold, op))
    return out


def _series(slo: Any, outage: bool, minutes: int) -> list[dict[str, str]]:
    """Input series of one SLO's queries: all failing (outage) or all healthy."""
    roles: dict[tuple[str, tuple], set[str]] = {}
    gauges: dict[tuple[str, tuple], list[tuple[float, str]]] = {}
    totals = []
    for role, query in (("P", slo.sli.error_query), ("T", slo.sli.total_query)):
        for sel, negated, threshold, op in _selectors(query):
            key = (sel.name, tuple(sorted(_labels(sel).items())))
            roles.setdefault(key, set()).add("N" if negated else role)
            if role == "T":
                totals.append(sel)
            if threshold is not None:
                gauges.setdefault(key, []).append((threshold, op))
    for key in roles:  # a series a total selector also reads is counted in the total
        if any(_matches(t, key[0], dict(key[1])) for t in totals):
            roles[key].add("T")
    subtracted = any("N" in r for r in roles.values())
    out = []
    for (name, labels), role in sorted(roles.items()):
        text = name + "{" + ", ".join(f'{k}="{v}"' for k, v in labels) + "}"
        if (name, labels) in gauges:
            low = min(t for t, _ in gauges[(name, labels)])
            below = all(op in ("<", "<=") for _, op in gauges[(name, labels)])
            bad = low / 2 if below else low * 2 + 1
            good = low * 4 + 1 if below else 0
            out.append({"series": text, "values": f"{bad if outage else good}x{minutes}"})
            continue
        # outage: bad events flow, what is subtracted from them does not; healthy: no bad
        # events, totals flow, and for bad = a - b, a and b flow alike
        rising = "P" in role if outage else "N" in role or "P" not in role or subtracted
        out.append({"series": text, "values": f"0+{60 if rising else 0}x{minutes}"})
    return out


def _page_expectation(rules: dict[str, Any], name: str) -> dict[str, Any]:
    """The page alert as it fires at a 100% error ratio (labels from its rules)."""
    for group in rules["groups"]:
        alert = next((r for r in group["rules"] if r.get("alert") == name), None)
        if alert is None:
            continue
        ratio = next(r for r in group["rules"] if r.get("record") == "slo:sli_error:ratio_rate5m")
        annotations = {
            k: v.replace("{{ $value | humanizePercentage }}", "100%")
            for k, v in alert["annotations"].items()
        }
        return {
            "exp_labels": {**ratio["labels"], **alert["labels"]},
            "exp_annotations": annotations,
        }
    raise AssertionError(f"no alert {name}")


def _outage_tests(catalog: Any, root: Path) -> Path:
    """A promtool test file per service: outage pages, healthy stays quiet."""
    files = []
    for service in catalog.services:
        rule_file = root / "alerts" / f"{service.name}.rules.yaml"
        rules = yaml.safe_load(rule_file.read_text())
        tests = []
        for slo in service.slos:
            names = [
                f"{camel(service.name)}{camel(slo.name)}ErrorBudget{k}Burn"
                for k in ("Fast", "Slow")
            ]
            page = [_page_expectation(rules, names[0])] if slo.alerting.page else []
            tests.append(
                {
                    "name": f"{slo.name}: an outage pages",
                    "interval": "1m",
                    "input_series": _series(slo, outage=True, minutes=60),
                    "alert_rule_test": [
                        {"eval_time": "60m", "alertname": names[0], "exp_alerts": page}
                    ],
                }
            )
            tests.append(
                {
                    "name": f"{slo.name}: healthy traffic is quiet",
                    "interval": "1m",
                    "input_series": _series(slo, outage=False, minutes=60),
                    "alert_rule_test": [
                        {"eval_time": "60m", "alertname": name, "exp_alerts": []} for name in names
                    ],
                }
            )
        test = root / f"{service.name}.outage.test.yaml"
        test.write_text(
            yaml.safe_dump({"rule_files": [str(rule_file)], "tests": tests}, sort_keys=False)
        )
        files.append(test)
    return files


@pytest.mark.promtool
@pytest.mark.parametrize("example", _examples())
def test_sloth_example_round_trip(example: Path, tmp_path: Path, promtool: str) -> None:
    if example.name in REFUSED:
        result = CliRunner().invoke(app, ["import", "sloth", str(example), "-o", "x.yaml"])
        assert result.exit_code == 2, result.output
        assert REFUSED[example.name] in result.output
        assert "nothing was written" in result.output
        return
    catalog_file = _import(example, tmp_path)
    catalog = load_catalog(catalog_file)
    source = [d.data for d in read_documents(example)]
    specs = [d.get("spec", d) for d in source if d.get("kind") != "AlertWindows"]
    assert [s.name for s in catalog.services] == [s["service"] for s in specs]
    assert sum(len(s.slos) for s in catalog.services) == sum(len(s["slos"]) for s in specs)
    root = tmp_path / "out"
    render(catalog, root, only=["alerts"], use_cache=False)
    rule_files = sorted((root / "alerts").glob("*.rules.yaml"))
    assert rule_files
    check = subprocess.run([promtool, "check", "rules", *map(str, rule_files)], capture_output=True)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    generated = sorted((root / "alerts" / "tests").glob("*.test.yaml"))
    outages = _outage_tests(catalog, root)
    run = subprocess.run(
        [promtool, "test", "rules", *map(str, generated + outages)], capture_output=True
    )
    assert run.returncode == 0, run.stdout.decode() + run.stderr.decode()


# --- mapping, field by field -----------------------------------------------------------------

SPEC = """\
version: "prometheus/v1"
service: "myservice"
labels:
  owner: "myteam"
  repo: "myorg/myservice"
slos:
  - name: "requests-availability"
    objective: 99.9
    description: "Availability."
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
      labels:
        category: "availability"
      annotations:
        summary: "High error rate"
        runbook: "https://runbooks/x"
      page_alert:
        labels:
          severity: critical
          routing_key: myteam
      ticket_alert:
        disable: true
"""


def test_mapping_and_report() -> None:
    imported = sloth.import_documents(parse_documents(SPEC, "s.yaml"))
    assert imported.teams == ["myteam"]
    assert imported.services == [
        {
            "name": "myservice",
            "team": "myteam",
            "metrics": {"preset": "none"},
            "slos": [
                {
                    "name": "requests-availability",
                    "objective": 99.9,
                    "description": "Availability.",
                    "window": "30d",
                    "sli": {
                        "errorQuery": 'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))',
                        "totalQuery": "sum(rate(http_requests_total[{{.window}}]))",
                    },
                    "alerting": {
                        "labels": {"category": "availability"},
                        "annotations": {"runbook": "https://runbooks/x"},
                        "pageSeverity": "critical",
                        "ticket": False,
                    },
                }
            ],
        }
    ]
    report = {(u.line, u.field) for u in imported.unmapped}
    assert report == {
        (5, "labels.repo"),
        (15, "slos[0].alerting.name"),
        (19, "slos[0].alerting.annotations.summary"),
        (24, "slos[0].alerting.page_alert.labels.routing_key"),
    }


def test_alert_windows_set_window_and_burn_windows() -> None:
    windows = EXAMPLES_DIR / "windows" / "7d.yaml"
    if not windows.is_file():
        pytest.skip(ABSENT)
    docs = parse_documents(SPEC, "s.yaml") + read_documents(windows)
    slo = sloth.import_documents(docs).services[0]["slos"][0]
    assert slo["window"] == "7d"
    assert slo["alerting"]["windows"]["page"]["quick"] == {
        "errorBudgetPercent": 8,
        "shortWindow": "5m",
        "longWindow": "1h",
    }


def test_not_sloth_is_bad_input(tmp_path: Path) -> None:
    bad = tmp_path / "x.yaml"
    bad.write_text("apiVersion: v1\nkind: ConfigMap\n")
    result = CliRunner().invoke(app, ["import", "sloth", str(bad), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert f"{bad}:1:1: not a Sloth spec (v1 ConfigMap)" in result.output
    assert not (tmp_path / "o").exists()
    with pytest.raises(InputError, match=r"x\.yaml:3:3: not valid YAML"):
        parse_documents("a:\n  - b\n  c: d\n", "x.yaml")


def test_strict_fails_on_unmapped(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "o.yaml"
    result = CliRunner().invoke(app, ["import", "sloth", str(spec), "--strict", "-o", str(out)])
    assert result.exit_code == 1
    assert "s.yaml:5:3: labels.repo: Sloth adds these labels" in result.output
    assert not out.exists()
