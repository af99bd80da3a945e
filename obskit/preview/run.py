"""One preview run: metric check, now and backtest for every selected service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from obskit.catalog.durations import format_duration
from obskit.catalog.model import Catalog, ResolvedService
from obskit.detect import catalog_presets
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
from obskit.preview.retention import data_start, retention_warnings
from obskit.preview.rules import AlertRule, RuleSet
from obskit.preview.selectors import SeriesCounter
from obskit.queries import has_metrics, preset_of, selector

#: alerts queried at the same time (Prometheus runs 20 queries at once by default)
WORKERS = 4


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
    # the server's clock, so "now" and the ranges are the server's even with clock skew
    at = datetime.fromtimestamp(int(server.ping().timestamp()), tz=UTC)
    warnings: list[str] = []
    since = options.since_seconds
    start = datetime.fromtimestamp(at.timestamp() - since, tz=UTC) if since else None
    if since:
        warnings += retention_warnings(server, since, at)
    step_used: float | None = None
    counter = SeriesCounter(server) if options.checks else None
    presets = catalog_presets(catalog) if options.checks else []
    services: list[ServiceResult] = []
    for name, ruleset in rules.items():
        service = catalog.service(name)
        progress(f"{name}: metric check")
        checks = check_service(server, service, presets) if options.checks else ()
        if since and start and has_metrics(service):
            warnings += _coverage(server, service, start, at, since, options.step_seconds)
        expander = Expander(ruleset.recording)
        alerts: list[AlertResult] = []
        progress(f"{name}: {len(ruleset.alerts)} alerts")
        work = partial(
            _alert_result,
            server=server,
            expander=expander,
            at=at,
            start=start,
            options=options,
            counter=counter,
        )
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for result, step in pool.map(work, ruleset.alerts):
                alerts.append(result)
                if step:
                    step_used = max(step_used or 0.0, step)
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


def _alert_result(
    alert: AlertRule,
    *,
    server: Server,
    expander: Expander,
    at: datetime,
    start: datetime | None,
    options: Options,
    counter: SeriesCounter | None,
) -> tuple[AlertResult, float | None]:
    """Now, backtest and selector check of one alert (and the backtest step used)."""
    since = options.since_seconds
    try:
        expr = expander.expand(alert.expr)
    except ExpandError as exc:
        error = f"cannot expand recording rules: {exc}"
        return AlertResult(
            alert.alert,
            alert.severity,
            alert.for_seconds,
            alert.expr,
            NowResult("error", error=error),
            BacktestResult(error=error) if since else None,
        ), None
    now = evaluate_now(server, alert, expr, at)
    missing, unmatched = counter.without_data(expr) if counter else ((), ())
    backtest, step = None, None
    if since and start:
        step = choose_step(since, alert.interval, options.step_seconds)
        backtest = backtest_alert(server, alert, expr, start, at, step)
    result = AlertResult(
        alert.alert,
        alert.severity,
        alert.for_seconds,
        expr,
        now,
        backtest,
        missing_metrics=missing,
        unmatched=unmatched,
    )
    return result, step


def _coverage(
    server: Server,
    service: ResolvedService,
    start: datetime,
    end: datetime,
    since: float,
    step: float | None,
) -> list[str]:
    """A warning when the service's request series start after the backtest range does."""
    step = choose_step(since, 60.0, step)
    metric = f"{preset_of(service).requests}{selector(service)}"
    first = data_start(server, metric, start, end, step)
    if first is None or first <= start.timestamp() + 2 * step:
        return []
    missing = format_duration(round((first - start.timestamp()) / 60) * 60)
    return [
        f"{service.name}: no {preset_of(service).requests} data in the first {missing} of "
        f"--since {format_duration(since)}: the backtest sees no traffic there (absent() "
        "alerts count it as firing)"
    ]
