"""One preview run: metric check, now and backtest for every selected service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from obskit.catalog.model import Catalog
from obskit.preview.backtest import backtest_alert, choose_step
from obskit.preview.connection import Server
from obskit.preview.evaluate import evaluate_now
from obskit.preview.expand import Expander, ExpandError
from obskit.preview.metric_check import check_service
from obskit.preview.report import (
    AlertResult,
    BacktestResult,
    NowResult,
    PreviewResult,
    ServiceResult,
)
from obskit.preview.retention import retention_warnings
from obskit.preview.rules import RuleSet


@dataclass(frozen=True)
class Options:
    #: backtest range in seconds; None: no backtest
    since_seconds: float | None = 7 * 86400.0
    #: backtest step in seconds; None: the rule interval, coarsened for long ranges
    step_seconds: float | None = None
    checks: bool = True


def run_preview(
    server: Server,
    catalog: Catalog,
    rules: Mapping[str, RuleSet],
    options: Options,
    progress: Callable[[str], None] = lambda _: None,
) -> PreviewResult:
    """Query ``server`` for each service of ``rules`` (raises ``Unreachable``)."""
    server.ping()
    at = datetime.fromtimestamp(int(server.now().timestamp()), tz=UTC)
    warnings: list[str] = []
    since = options.since_seconds
    start = datetime.fromtimestamp(at.timestamp() - since, tz=UTC) if since else None
    if since:
        warnings += retention_warnings(server, since, at)
    step_used: float | None = None
    services: list[ServiceResult] = []
    for name, ruleset in rules.items():
        service = catalog.service(name)
        progress(f"{name}: metric check")
        checks = check_service(server, service) if options.checks else ()
        expander = Expander(ruleset.recording)
        alerts: list[AlertResult] = []
        for alert in ruleset.alerts:
            progress(f"{name}: {alert.alert}")
            try:
                expr = expander.expand(alert.expr)
            except ExpandError as exc:
                error = f"cannot expand recording rules: {exc}"
                alerts.append(
                    AlertResult(
                        alert.alert,
                        alert.severity,
                        alert.for_seconds,
                        alert.expr,
                        NowResult("error", error=error),
                        BacktestResult(error=error) if since else None,
                    )
                )
                continue
            now = evaluate_now(server, alert, expr, at)
            backtest = None
            if since and start:
                step = choose_step(since, alert.interval, options.step_seconds)
                step_used = max(step_used or 0.0, step)
                backtest = backtest_alert(server, alert, expr, start, at, step)
            alerts.append(
                AlertResult(alert.alert, alert.severity, alert.for_seconds, expr, now, backtest)
            )
        if not ruleset.alerts:
            warnings.append(f"{name}: no alerting rules rendered for this service")
        services.append(ServiceResult(name, tuple(checks), tuple(alerts)))
    return PreviewResult(
        prometheus=server.url,
        evaluated_at=at.timestamp(),
        since_seconds=since,
        step_seconds=step_used,
        services=tuple(services),
        warnings=tuple(warnings),
    )
