"""Preview results as rich tables (people) or JSON (CI)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from obskit.catalog.durations import format_duration
from obskit.preview.report import AlertResult, PreviewResult, Sample
from obskit.render.serialize import clean_float, dump_json

STATUS_STYLE = {"ok": "green", "warn": "yellow", "fail": "red", "error": "magenta"}
STATE_STYLE = {"firing": "bold red", "pending": "yellow", "inactive": "green", "error": "magenta"}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _num(value: float) -> float | str | None:
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return clean_float(value, 6)


def _fmt(value: float) -> str:
    shown = _num(value)
    return "NaN" if shown is None else f"{shown:.4g}" if isinstance(shown, float) else shown


def _samples(samples: tuple[Sample, ...]) -> list[dict[str, Any]]:
    return [{"labels": dict(sorted(s.labels.items())), "value": _num(s.value)} for s in samples]


def _alert_json(a: AlertResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "alert": a.alert,
        "severity": a.severity,
        "for": format_duration(a.for_seconds),
        "expr": a.expr,
        "missingMetrics": list(a.missing_metrics),
        "unmatchedSelectors": list(a.unmatched),
    }
    if a.now:
        out["now"] = {
            "state": a.now.state,
            "values": _samples(a.now.values),
            "observed": _samples(a.now.observed),
            "error": a.now.error,
        }
    if a.backtest:
        bt = a.backtest
        out["backtest"] = {
            "episodes": len(bt.episodes),
            "firingSeconds": bt.firing_seconds,
            "longestSeconds": bt.longest_seconds,
            "firing": [
                {
                    "start": _iso(e.start),
                    "end": _iso(e.end),
                    "labels": dict(sorted(e.labels.items())),
                }
                for e in bt.episodes
            ],
            "error": bt.error,
        }
    return out


def to_json(result: PreviewResult) -> dict[str, Any]:
    """The JSON document of ``--output json`` (documented in docs/preview.md)."""
    return {
        "prometheus": result.prometheus,
        "evaluatedAt": _iso(result.evaluated_at),
        "since": format_duration(result.since_seconds) if result.since_seconds else None,
        "step": format_duration(result.step_seconds) if result.step_seconds else None,
        "warnings": list(result.warnings),
        "services": [
            {
                "service": s.service,
                "checks": [
                    {"check": c.check, "status": c.status, "detail": c.detail, "series": c.series}
                    for c in s.checks
                ],
                "alerts": [_alert_json(a) for a in s.alerts],
            }
            for s in result.services
        ],
        "criticalFiring": result.critical_firing,
        "failedChecks": result.failed_checks,
        "failedAlerts": result.failed_alerts,
        "exitCode": result.exit_code,
    }


def dump(result: PreviewResult) -> bytes:
    return dump_json(to_json(result))


def _value_cell(a: AlertResult) -> str:
    if a.now is None:
        return ""
    if a.now.error:
        return escape(a.now.error)
    samples = a.now.values or a.now.observed
    if not samples:
        return "-"
    text = ", ".join(_fmt(s.value) for s in samples[:3])
    more = len(samples) - 3
    text += f" (+{more})" if more > 0 else ""
    return text if a.now.values else f"{text} (observed)"


def _duration(seconds: float) -> str:
    return format_duration(round(seconds)) if seconds else "-"


def print_tables(result: PreviewResult, console: Console | None = None) -> None:
    """Checks, then alerts (now + backtest), then warnings and the verdict."""
    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:  # CI logs: do not fold every cell at 80 columns
            console = Console(highlight=False, width=200)
    checks = Table(title="Metric check", title_justify="left", expand=False)
    for col in ("service", "check", "status", "detail"):
        checks.add_column(col, overflow="fold")
    for s in result.services:
        for c in s.checks:
            style = STATUS_STYLE[c.status]
            checks.add_row(s.service, c.check, f"[{style}]{c.status}[/]", escape(c.detail))
    if checks.row_count:
        console.print(checks)

    since = format_duration(result.since_seconds) if result.since_seconds else None
    title = f"Alerts at {_iso(result.evaluated_at)}"
    if since:
        title += f"; backtest over the last {since} (step {_duration(result.step_seconds or 0)})"
    alerts = Table(title=title, title_justify="left")
    for col in ("service", "alert", "severity", "for", "now", "value"):
        alerts.add_column(col, overflow="fold")
    if since:
        for col in ("fired", "firing total", "longest"):
            alerts.add_column(col, justify="right")
    for s in result.services:
        for a in s.alerts:
            state = a.now.state if a.now else ""
            row = [
                s.service,
                a.alert,
                a.severity,
                _duration(a.for_seconds),
                f"[{STATE_STYLE.get(state, '')}]{state}[/]" if state else "",
                _value_cell(a),
            ]
            if since:
                bt = a.backtest
                if bt is None or bt.error:
                    row += ["error" if bt else "", "", ""]
                else:
                    row += [
                        f"{len(bt.episodes)}x",
                        _duration(bt.firing_seconds),
                        _duration(bt.longest_seconds),
                    ]
            alerts.add_row(*row)
    if alerts.row_count:
        console.print(alerts)
    for s in result.services:
        for a in s.alerts:
            if a.backtest and a.backtest.error and a.backtest.error != (a.now and a.now.error):
                console.print(
                    f"[magenta]backtest error[/] {s.service}/{a.alert}: " + escape(a.backtest.error)
                )
    for s in result.services:
        for a in s.alerts:
            if a.missing_metrics:
                console.print(
                    f"[yellow]missing metric:[/] {s.service}/{a.alert} reads "
                    + escape(", ".join(a.missing_metrics))
                    + ": no series in the last hour and no metadata on this server (a typo, or "
                    "an exporter that is not scraped): it cannot fire"
                )
    for warning in result.warnings:
        console.print("[yellow]warning:[/] " + escape(warning))
    firing = result.critical_firing
    if result.failed_checks:
        console.print(f"[bold red]metric checks failed:[/] {', '.join(result.failed_checks)}")
    if firing:
        console.print(f"[bold red]critical alerts firing now:[/] {', '.join(firing)}")
    elif result.failed_alerts or result.errored_checks:
        failed = result.errored_checks + result.failed_alerts
        console.print(f"[magenta]could not evaluate:[/] {', '.join(failed)}")
    elif not result.failed_checks:
        console.print("[green]no critical alert firing now[/]")
