"""Result types of a preview run (what the output module prints)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: ``error``: the check could not be made (a query failed): not a finding, exit 3
CheckStatus = Literal["ok", "warn", "fail", "error"]
AlertState = Literal["firing", "pending", "inactive", "error"]


@dataclass(frozen=True)
class Sample:
    """One series' labels and value."""

    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class Check:
    """One metric check of a service."""

    check: str
    status: CheckStatus
    detail: str
    series: int | None = None


@dataclass(frozen=True)
class NowResult:
    """An alert evaluated at the current time (``for`` honoured)."""

    state: AlertState
    #: series for which the condition holds now (firing or pending)
    values: tuple[Sample, ...] = ()
    #: the quantity compared against the threshold (left side of the comparison), if any
    observed: tuple[Sample, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Episode:
    """One time an alert series would have fired (unix seconds)."""

    start: float
    end: float
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class BacktestResult:
    """How often and how long an alert would have fired over the backtest range."""

    episodes: tuple[Episode, ...] = ()
    error: str | None = None

    @property
    def firing_seconds(self) -> float:
        return sum(e.seconds for e in self.episodes)

    @property
    def longest_seconds(self) -> float:
        return max((e.seconds for e in self.episodes), default=0.0)


@dataclass(frozen=True)
class AlertResult:
    alert: str
    severity: str
    for_seconds: float
    expr: str
    now: NowResult | None = None
    backtest: BacktestResult | None = None
    #: metrics the (expanded) expression reads that do not exist: the alert cannot fire
    missing_metrics: tuple[str, ...] = ()
    #: selectors whose metric exists but that match no series now
    unmatched: tuple[str, ...] = ()

    @property
    def critical_firing(self) -> bool:
        return self.severity == "critical" and self.now is not None and self.now.state == "firing"

    @property
    def failed(self) -> bool:
        return bool((self.now and self.now.error) or (self.backtest and self.backtest.error))


@dataclass(frozen=True)
class ServiceResult:
    service: str
    checks: tuple[Check, ...] = ()
    alerts: tuple[AlertResult, ...] = ()


@dataclass(frozen=True)
class PreviewResult:
    prometheus: str
    evaluated_at: float
    since_seconds: float | None
    step_seconds: float | None
    services: tuple[ServiceResult, ...]
    warnings: tuple[str, ...] = ()

    @property
    def critical_firing(self) -> list[str]:
        return [
            f"{s.service}/{a.alert}" for s in self.services for a in s.alerts if a.critical_firing
        ]

    @property
    def failed_alerts(self) -> list[str]:
        return [f"{s.service}/{a.alert}" for s in self.services for a in s.alerts if a.failed]

    @property
    def failed_checks(self) -> list[str]:
        """``service/check`` of every failed metric check (an SLO reading nothing, or the
        wrong thing)."""
        return [
            f"{s.service}/{c.check}" for s in self.services for c in s.checks if c.status == "fail"
        ]

    @property
    def errored_checks(self) -> list[str]:
        """``service/check`` of every check that could not be made (a query failed)."""
        return [
            f"{s.service}/{c.check}" for s in self.services for c in s.checks if c.status == "error"
        ]

    @property
    def errors(self) -> list[str]:
        """The distinct query errors, in order of appearance."""
        found: list[str] = []
        for s in self.services:
            found += [c.detail for c in s.checks if c.status == "error"]
            for a in s.alerts:
                found += [e for e in (a.now and a.now.error, a.backtest and a.backtest.error) if e]
        return list(dict.fromkeys(found))

    @property
    def exit_code(self) -> int:
        """1: a critical alert fires now or a metric check failed (a query error is
        neither); 3: some alert or check could not be evaluated; else 0."""
        if self.critical_firing or self.failed_checks:
            return 1
        if self.failed_alerts or self.errored_checks:
            return 3
        return 0
