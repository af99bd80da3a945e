"""Burn-rate windows per SLO period, checked by the real promtool on the rendered rules.

For every period the catalog allows: a constant burn just below the lowest page factor never
pages (over 7h: past the 6h window), and one just above the highest page factor pages within
its long window (1h); a burn of 0.9x (the SLO met) never opens a ticket over 3 days (exactly
1x may on 7d, whose 3d ticket factor is Sloth's 0.98: docs/alerts.md, detection times).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from obskit.renderers.alerts import burnrate
from obskit.renderers.alerts.series import counter, series_text

from catalog_support import rendered

PERIODS = ("7d", "28d", "30d")
BODY = "services:\n" + "".join(
    f"  - name: svc-{p}\n    team: web\n    slos: [{{name: availability, objective: 99.9, "
    f"window: {p}}}]\n"
    for p in PERIODS
)
RATE = 600  # requests per minute
BUDGET = 0.001


def factors(period: str, kind: str) -> list[float]:
    return [w.factor(period) for w in burnrate.windows(kind)]


def _series(service: str, bad_fraction: float, minutes: int, step: int = 1) -> list[dict[str, str]]:
    base = {"job": service, "namespace": "default"}
    steps = minutes // step
    return [
        {
            "series": series_text("http_requests_total", {**base, "code": "200"}),
            "values": counter([((1 - bad_fraction) * RATE * step, steps)]),
        },
        {
            "series": series_text("http_requests_total", {**base, "code": "500"}),
            "values": counter([(bad_fraction * RATE * step, steps)]),
        },
    ]


def _alert(service: str, kind: str) -> str:
    camel = "".join(p.capitalize() for p in service.split("-"))
    return f"{camel}AvailabilityErrorBudget{'FastBurn' if kind == 'page' else 'SlowBurn'}"


def _run(
    promtool: str, out: Path, tests: list[dict], interval: str = "1m"
) -> subprocess.CompletedProcess:
    path = out / "alerts" / "tests" / "property.test.yaml"
    rule_files = [f"../svc-{p}.rules.yaml" for p in PERIODS]
    doc = {"rule_files": rule_files, "evaluation_interval": interval, "tests": tests}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return subprocess.run([promtool, "test", "rules", str(path)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return rendered(tmp_path_factory.mktemp("windows"), BODY)


def test_7d_uses_sloths_window_set() -> None:
    assert factors("7d", "page") == [13.44, 3.5]
    assert factors("7d", "ticket") == [1.4, 0.98]
    for period in PERIODS:  # a 1x burn never pages, and tickets at most near 1x
        assert min(factors(period, "page")) > min(factors(period, "ticket")) >= 0.9


@pytest.mark.parametrize("period", PERIODS)
def test_page_boundaries(promtool: str, out: Path, period: str) -> None:
    service = f"svc-{period}"
    below = 0.9 * min(factors(period, "page")) * BUDGET
    above = 1.1 * max(factors(period, "page")) * BUDGET
    tests = [
        {
            "name": f"{period}: {below:.5f} (below the lowest page factor) never pages",
            "interval": "1m",
            "input_series": _series(service, below, 7 * 60),
            "alert_rule_test": [
                {"eval_time": f"{m}m", "alertname": _alert(service, "page"), "exp_alerts": []}
                for m in (10, 61, 125, 250, 361, 419)
            ],
        },
        {
            "name": f"{period}: {above:.5f} (above the highest page factor) pages within 1h",
            "interval": "1m",
            "input_series": _series(service, above, 70),
            "promql_expr_test": [
                {
                    "expr": f'count(ALERTS{{alertname="{_alert(service, "page")}", '
                    'alertstate="firing"})',
                    "eval_time": "60m",
                    "exp_samples": [{"labels": "{}", "value": 1}],
                }
            ],
        },
    ]
    proc = _run(promtool, out, tests)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("period", PERIODS)
def test_meeting_the_slo_never_tickets(promtool: str, out: Path, period: str) -> None:
    """A burn of 0.9x (the SLO met) over 3 days and 2 hours: no ticket, no page (10m steps:
    the ticket windows are 2h to 3d)."""
    service = f"svc-{period}"
    minutes = 3 * 24 * 60 + 120
    checks = [
        {"eval_time": f"{m}m", "alertname": _alert(service, kind), "exp_alerts": []}
        for m in (130, 1500, minutes - 10)
        for kind in ("page", "ticket")
    ]
    tests = [
        {
            "name": f"{period}: 0.9x burn",
            "interval": "10m",
            "input_series": _series(service, 0.9 * BUDGET, minutes, step=10),
            "alert_rule_test": checks,
        }
    ]
    proc = _run(promtool, out, tests, interval="10m")
    assert proc.returncode == 0, proc.stdout + proc.stderr
