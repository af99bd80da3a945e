"""Proving many services: batched promtool runs, split test files and the pass cache.

Every test runs the real promtool through a shim that logs each call, so "promtool was not
run" is shown by the log, not by timing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from obskit.promtool_cache import PassCache
from obskit.promtool_run import prove, split_tests

pytestmark = pytest.mark.promtool

RULES = """groups:
- name: {name}
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - alert: {alert}Down
    expr: up == 0
    for: 1m
"""

GROUP = """- name: '{name}: down fires ({i})'
  interval: 1m
  input_series:
  - series: up{{job="{name}"}}
    values: 0x5
  alert_rule_test:
  - eval_time: 3m
    alertname: {alert}Down
    exp_alerts:
    - exp_labels: {{job: {job}}}
"""


def _write_service(alerts: Path, name: str, groups: int = 1, broken: int | None = None) -> None:
    alert = name.capitalize()
    (alerts / "tests").mkdir(parents=True, exist_ok=True)
    (alerts / f"{name}.rules.yaml").write_text(RULES.format(name=name, alert=alert))
    body = "".join(
        GROUP.format(name=name, alert=alert, i=i, job="wrong" if i == broken else name)
        for i in range(groups)
    )
    head = f"rule_files:\n- ../{name}.rules.yaml\nevaluation_interval: 1m\ntests:\n"
    (alerts / "tests" / f"{name}.test.yaml").write_text(head + body)


def _shim(tmp_path: Path, promtool: str, version: str | None = None) -> tuple[str, Path]:
    """A promtool that logs its arguments (one call per line) and runs the real one."""
    log = tmp_path / "calls.log"
    shim = tmp_path / ("promtool-" + (version or "real"))
    fake_version = f'if [ "$1" = --version ]; then echo "{version}"; exit 0; fi\n'
    shim.write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n' + (fake_version if version else "") + f'exec "{promtool}" "$@"\n'
    )
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    return str(shim), log


def _calls(log: Path, kind: str) -> list[str]:
    if not log.exists():
        return []
    return [line for line in log.read_text().splitlines() if line.startswith(kind)]


@pytest.fixture
def cache(tmp_path: Path) -> PassCache:
    return PassCache(root=tmp_path / "cache")


def test_batched_run_passes_and_a_cached_pass_skips_promtool(promtool, tmp_path, cache):
    alerts = tmp_path / "alerts"
    names = [f"svc{i}" for i in range(8)]
    for name in names:
        _write_service(alerts, name)
    shim, log = _shim(tmp_path, promtool)
    first = prove(alerts, names, promtool=shim, jobs=1, cache=cache)
    assert all(r.ok and not r.cached for r in first), [r.output for r in first]
    assert [r.rules for r in first] == [2] * 8 and [r.tests for r in first] == [1] * 8
    test_calls = _calls(log, "test rules")
    # several files per promtool process, every file exactly once
    assert len(test_calls) < len(names)
    assert sorted(a for c in test_calls for a in c.split()[2:]) == sorted(
        str((alerts / "tests" / f"{n}.test.yaml").resolve()) for n in names
    )
    log.unlink()
    second = prove(alerts, names, promtool=shim, jobs=1, cache=cache)
    assert all(r.ok and r.cached for r in second)
    assert [(r.rules, r.tests) for r in second] == [(r.rules, r.tests) for r in first]
    assert _calls(log, "test rules") == [] and _calls(log, "check rules") == []


@pytest.mark.parametrize("which", ["rules", "test"])
def test_a_changed_file_is_proven_again(promtool, tmp_path, cache, which):
    alerts = tmp_path / "alerts"
    for name in ("a", "b"):
        _write_service(alerts, name)
    shim, log = _shim(tmp_path, promtool)
    assert all(r.ok for r in prove(alerts, ["a", "b"], promtool=shim, cache=cache))
    log.unlink()
    path = alerts / ("b.rules.yaml" if which == "rules" else "tests/b.test.yaml")
    path.write_text(path.read_text() + "# changed\n")
    results = prove(alerts, ["a", "b"], promtool=shim, jobs=1, cache=cache)
    assert [r.cached for r in results] == [True, False] and all(r.ok for r in results)
    assert [c.split()[2:] for c in _calls(log, "test rules")] == [
        [str((alerts / "tests" / "b.test.yaml").resolve())]
    ]


def test_a_new_promtool_version_proves_everything_again(promtool, tmp_path, cache):
    alerts = tmp_path / "alerts"
    _write_service(alerts, "a")
    shim, log = _shim(tmp_path, promtool)
    assert prove(alerts, ["a"], promtool=shim, cache=cache)[0].ok
    other, log2 = _shim(tmp_path, promtool, version="promtool, version 9.9.9")
    log.unlink(missing_ok=True)
    result = prove(alerts, ["a"], promtool=other, cache=cache)[0]
    assert result.ok and not result.cached
    assert len(_calls(log2, "test rules")) >= 1


def test_a_failure_is_never_cached_and_is_named(promtool, tmp_path, cache):
    alerts = tmp_path / "alerts"
    names = [f"svc{i}" for i in range(6)]
    for name in names:
        _write_service(alerts, name, broken=0 if name == "svc3" else None)
    shim, log = _shim(tmp_path, promtool)
    for _ in range(2):
        results = {r.service: r for r in prove(alerts, names, promtool=shim, jobs=1, cache=cache)}
        assert [n for n, r in results.items() if not r.ok] == ["svc3"]
        assert results["svc3"].check_ok and not results["svc3"].test_ok
        assert "svc3.test.yaml" in results["svc3"].output and "FAILED" in results["svc3"].output
        assert not results["svc3"].cached
    assert sum("svc3.test.yaml" in c for c in _calls(log, "test rules")) == 2


def test_a_broken_rule_file_fails_check_only_for_its_service(promtool, tmp_path, cache):
    alerts = tmp_path / "alerts"
    for name in ("a", "b", "c"):
        _write_service(alerts, name)
    bad = RULES.format(name="b", alert="B") + "    annotations: {summary: '{{ $value | nope }}'}\n"
    (alerts / "b.rules.yaml").write_text(bad)
    results = {
        r.service: r for r in prove(alerts, ["a", "b", "c"], promtool=promtool, jobs=1, cache=cache)
    }
    assert not results["b"].check_ok and "b.rules.yaml" in results["b"].output
    assert results["a"].ok and results["c"].ok and results["a"].rules == 2


def test_one_service_is_split_over_every_core(promtool, tmp_path, cache):
    alerts = tmp_path / "alerts"
    _write_service(alerts, "big", groups=4)
    shim, log = _shim(tmp_path, promtool)
    result = prove(alerts, ["big"], promtool=shim, jobs=2, cache=cache)[0]
    assert result.ok and result.tests == 4, result.output
    pieces = [a for c in _calls(log, "test rules") for a in c.split()[2:]]
    assert len(pieces) == 4 and all(".test.yaml" in p and "/big." in p for p in pieces)
    assert not any(p.startswith(str(alerts)) for p in pieces)  # never written into alerts/
    assert sorted(os.listdir(alerts / "tests")) == ["big.test.yaml"]


def test_a_failing_piece_is_reported_from_the_original_file(promtool, tmp_path, cache):
    alerts = tmp_path / "alerts"
    _write_service(alerts, "big", groups=4, broken=2)
    shim, log = _shim(tmp_path, promtool)
    result = prove(alerts, ["big"], promtool=shim, jobs=2, cache=cache)[0]
    assert not result.test_ok and "down fires (2)" in result.output
    assert "test rules big.test.yaml" in _calls(log, "test rules")


def test_split_tests_keeps_the_header_and_every_group_once():
    head = "rule_files:\n- ../x.rules.yaml\nevaluation_interval: 1m\ntests:\n"
    groups = [f"- name: g{i}\n  interval: 1m\n" for i in range(5)]
    parts = split_tests(head + "".join(groups), 2)
    assert parts == [head + groups[0] + groups[2] + groups[4], head + groups[1] + groups[3]]
    assert split_tests(head + groups[0], 4) is None  # one group: run whole
    assert split_tests("tests:\n  - name: indented\n", 2) is None  # unknown shape
    assert split_tests(head + "".join(groups) + "group_eval_order: [a]\n", 2) is None
