"""Generated promtool unit tests (``alerts/tests/<service>.test.yaml`` and
``alerts/tests/<service>.outages.test.yaml``).

promtool evaluates every rule of the file at every evaluation step up to a group's last
check, so the step is most of the cost. The scenarios whose inputs hold one state from the
start (healthy, no errors yet, slow burn, no traffic, metrics absent, every workload alert)
are checked on a 5m grid (``<service>.test.yaml``); the outage scenarios, whose claim is
"pages within N minutes", keep a 1m grid (``<service>.outages.test.yaml``).

Scenarios (traffic: 600 requests per 1m step, counters growing linearly):

* **healthy**: every SLI at 0.01% errors (or a tenth of the budget if that is smaller) for
  2h10m (past the 2h window; the ratio is the same in every window): no SLO alert, no
  absent alert; objective and budget series have their values.
* **outage** (per SLO): healthy for 1h, then every request fails (or is slow). The page
  must be firing ``max(T, short window) + margin`` after the outage starts, where
  ``T = factor * budget * long window`` is when the error ratio over the long window crosses
  the threshold (with a full window of healthy history; less history only makes it faster).
  Nothing fires 5 minutes before the outage. ``tier: low`` expects ``severity: warning``.
* **slow burn** (per SLO): a constant burn of 5x the budget (or, when the SLO window's
  factors put 5x outside, halfway between the highest ticket and the lowest page factor)
  from the start: at 2h10m (the 2h window full) the ticket fires and the page does not.
* **no traffic**: counters exist but stay flat (0/0 = NaN): nothing fires.
* **metrics absent**: no request series: only the absent alert fires.
* **two clusters** (per SLO, when an environment lists several clusters): both clusters'
  series in one store, as a central ruler sees them (``cluster`` as the external label a
  remote-writing Prometheus adds); a total outage in the first pages once, for that cluster,
  never for the healthy second; the SLI is recorded per cluster. Per workload alert, the
  firing case in the first cluster and the quiet case in the second fire for the first only.
* **workload** (per workload alert): a firing and a quiet case from series shaped as
  kube-state-metrics 2.20 (two replicas) and the kubelet emit them; the quiet one includes
  a sibling pod/controller whose name shares the prefix (:mod:`.workload`).

Evaluation times keep several intervals away from window edges, and the alert values the
annotations show are exact in both Prometheus 2 (closed ranges) and 3 (left-open ranges):
an outage is checked once the short window only holds outage samples (ratio exactly 1), a
constant burn gives the same ratio whatever the extrapolation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from obskit import queries, slo_names
from obskit.catalog import regex_example
from obskit.catalog.durations import parse_duration
from obskit.catalog.model import ResolvedService, ResolvedSlo
from obskit.catalog.presets import format_le, split_matcher
from obskit.catalog.samples import Sample, samples_for
from obskit.render.block_yaml import dump_block_yaml
from obskit.render.serialize import clean_float, format_number
from obskit.renderers.alerts import burnrate, slo_alerts
from obskit.renderers.alerts.common import contract_annotations, contract_labels
from obskit.renderers.alerts.series import counter, duration, series_text
from obskit.renderers.alerts.service_rules import (
    CLUSTER_PHRASE,
    absent_alert,
    absent_alert_name,
)
from obskit.renderers.alerts.slo_rules import error_budget, objective_ratio
from obskit.renderers.alerts.workload import Series, WorkloadAlert

#: requests per evaluation step (1m)
RATE = 600
#: healthy error fraction (0.01%), capped at a tenth of the budget
HEALTHY = 0.0001
#: minutes of healthy history before an outage
HISTORY = 60
#: minutes of slack after the computed page time (several evaluation intervals)
MARGIN = 4
#: the burn the ticket test uses when the window's factors allow it
TICKET_BURN = 5.0
SLOW_BURN_EVAL = 130
HEALTHY_MINUTES = 130

Timeline = list[tuple[float, int]]  # (bad fraction, minutes)


def healthy_fraction(slo: ResolvedSlo) -> float:
    return clean_float(min(HEALTHY, error_budget(slo) / 10))


def humanize_percentage(value: float) -> str:
    """Go's ``humanizePercentage``: ``%.4g%%`` of value*100."""
    return f"{value * 100:.4g}%"


def printable_ratio(ratio: float) -> float:
    """``ratio`` moved to the middle of its ``humanizePercentage`` rounding step (4
    significant digits): the value Prometheus computes from counter samples differs from ours
    in the last bits, and next to a rounding edge (0.017885) that shows as another digit."""
    return float(f"{ratio * 100:.4g}") / 100


def example_value(value: str, service: ResolvedService) -> str | None:
    """A label value a selector value matches: the value itself, for ``~regex`` the
    service's name when it matches, else a short generated match; None for ``!~``."""
    op, text = split_matcher(value)
    if op == "=~":
        return regex_example.example(text, service.name)
    return text if op == "=" else None


def base_labels(service: ResolvedService, selector: dict[str, str] | None = None) -> dict:
    """Labels every input series of the service carries: fixed matchers and selector values
    (regex selector values as an example value they match)."""
    out = {}
    if queries.has_metrics(service):
        out = {lbl: val for lbl, op, val in queries.preset_of(service).fixed_matchers if op == "="}
    for label, value in (service.metrics.selector if selector is None else selector).items():
        example = example_value(value, service)
        if example is not None:
            out[label] = example
    return out


def testable(service: ResolvedService, slo: ResolvedSlo) -> bool:
    """SLOs whose input series the tests can make: the preset's, and histogram SLIs (query
    SLIs read metrics only the catalog's author knows)."""
    if slo.sli is not None:
        return slo.sli.kind == "histogram"
    return queries.has_metrics(service)


def page_plan(slo: ResolvedSlo) -> tuple[int, str] | None:
    """(minutes after the outage starts by which the page fires, short window) or None."""
    budget = error_budget(slo)
    for window in burnrate.windows("page", slo):
        threshold = window.factor(slo.window) * budget
        if threshold >= 1:
            continue  # an outage cannot cross it: the next window pages
        long_min = parse_duration(window.long) / 60
        short_min = parse_duration(window.short) / 60
        t_page = threshold * long_min
        return math.ceil(max(t_page * 1.05, short_min)) + MARGIN, window.short
    return None


def ticket_burn(slo: ResolvedSlo) -> float | None:
    """The burn factor of the slow-burn test (None when it cannot be a ratio below 1)."""
    factors = {
        k: [w.factor(slo.window) for w in burnrate.windows(k, slo)] for k in ("page", "ticket")
    }
    low, high = max(factors["ticket"]), min(factors["page"])
    burn = TICKET_BURN if low < TICKET_BURN < high else (low + high) / 2
    return burn if burn * error_budget(slo) < 1 else None


@dataclass
class Traffic:
    """The bad-request timeline of every SLO of a service in one scenario."""

    service: ResolvedService
    minutes: int
    timelines: dict[str, Timeline]
    flat: bool = False
    #: whose label sets the series carry (default: the preset's first recorded library)
    sample: Sample | None = None
    #: requests per 1m step
    rate: float = RATE
    #: labels every series carries besides the service's (``cluster``, as the external
    #: label a remote-writing Prometheus adds, for the two-cluster tests)
    extra: dict[str, str] | None = None

    def series(self) -> list[dict[str, str]]:
        svc = self.service
        out: dict[str, str] = {}
        scale = 0.0 if self.flat else self.rate
        if queries.has_metrics(svc):
            self._preset_series(out, scale)
        for slo in svc.slos:
            if slo.sli is not None and slo.sli.kind == "histogram":
                self._histogram_sli_series(out, slo, scale)
        return [{"series": k, "values": v} for k, v in out.items()]

    def _preset_series(self, out: dict[str, str], scale: float) -> None:
        svc = self.service
        preset = queries.preset_of(svc)
        sample = self.sample or samples_for(preset)[0]
        base = {**base_labels(svc), **(self.extra or {})}
        total = self.minutes
        avail = next((s for s in svc.slos if s.kind == "availability" and s.sli is None), None)
        bad = self.timelines[avail.name] if avail else [(0.0, total)]
        out[series_text(preset.requests, {**sample.ok, **base})] = counter(
            [((1 - f) * scale, m) for f, m in bad]
        )
        out[series_text(preset.requests, {**sample.error, **base})] = counter(
            [(f * scale, m) for f, m in bad]
        )
        if not preset.has_histogram:
            return
        hist = {**sample.histogram, **base}
        if preset.histogram_count != preset.requests:
            out[series_text(preset.histogram_count, hist)] = counter([(scale, total)])
        for slo in svc.slos:
            if slo.kind != "latency" or slo.sli is not None:
                continue
            assert slo.threshold_seconds is not None
            le = format_le(slo.threshold_seconds, preset.unit)
            out[series_text(preset.histogram, {**hist, "le": le})] = counter(
                [((1 - f) * scale, m) for f, m in self.timelines[slo.name]]
            )

    def _histogram_sli_series(self, out: dict[str, str], slo: ResolvedSlo, scale: float) -> None:
        sli = slo.sli
        assert sli is not None and sli.histogram and slo.threshold_seconds is not None
        labels = {**base_labels(self.service, sli.selector), **(self.extra or {})}
        le = format_le(slo.threshold_seconds, "ms" if sli.unit == "milliseconds" else "s")
        out[series_text(f"{sli.histogram}_count", labels)] = counter([(scale, self.minutes)])
        out[series_text(f"{sli.histogram}_bucket", {**labels, "le": le})] = counter(
            [((1 - f) * scale, m) for f, m in self.timelines[slo.name]]
        )


def _series_key(slo: ResolvedSlo) -> tuple:
    """SLOs with equal keys read the same series (all availability SLOs; equal thresholds;
    a histogram SLI's histogram and threshold)."""
    histogram = slo.sli.histogram if slo.sli is not None else None
    return (slo.kind, slo.threshold_seconds, histogram)


def _sharing(service: ResolvedService, slo: ResolvedSlo) -> list[ResolvedSlo]:
    return [s for s in service.slos if _series_key(s) == _series_key(slo)]


def _healthy(service: ResolvedService, slo: ResolvedSlo) -> float:
    """Healthy for every SLO reading the same series (the tightest budget decides)."""
    return min(healthy_fraction(s) for s in _sharing(service, slo))


def busy_rate(service: ResolvedService) -> float:
    """Requests per step for the firing tests: RATE, or twice every SLO's minimum traffic."""
    minimums = [s.alerting.min_request_rate or 0 for s in service.slos]
    return max(RATE, 2 * 60 * max(minimums, default=0))


def _timelines(service: ResolvedService, minutes: int, **override: Timeline) -> dict:
    out = {s.name: [(_healthy(service, s), minutes)] for s in service.slos}
    out.update(override)
    return out


def _override(service: ResolvedService, slo: ResolvedSlo, bad: Timeline) -> dict:
    """The same bad timeline for every SLO reading the target SLO's series."""
    return {s.name: bad for s in _sharing(service, slo)}


def _labels(service: ResolvedService, slo: ResolvedSlo, severity: str) -> dict[str, str]:
    return {**contract_labels(service, severity), "slo": slo.name, "tier": service.tier}


def _burn_expect(
    service: ResolvedService, slo: ResolvedSlo, kind: str, value: float
) -> dict[str, Any]:
    rule = slo_alerts.burn_alert(service, slo, kind)
    annotations = dict(rule["annotations"])
    annotations["description"] = annotations["description"].replace(
        "{{ $value | humanizePercentage }}", humanize_percentage(value)
    )
    return {
        "exp_labels": {
            **slo.alerting.labels,
            **_labels(service, slo, slo_alerts.severity(slo, kind)),
        },
        "exp_annotations": annotations,
    }


def _check(at: int, alert: str, expected: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"eval_time": duration(at), "alertname": alert, "exp_alerts": expected or []}


def _quiet_slo(service: ResolvedService, at: int) -> list[dict[str, Any]]:
    return [
        _check(at, slo_alerts.alert_name(service, slo, kind))
        for slo in service.slos
        if testable(service, slo)
        for kind in slo_alerts.enabled_kinds(slo)
    ]


def _quiet_absent(service: ResolvedService, at: int) -> list[dict[str, Any]]:
    return [_check(at, absent_alert_name(service))] if queries.has_metrics(service) else []


def _group(
    name: str, series: list[dict[str, str]], checks: list, exprs: list | None = None
) -> dict:
    group: dict[str, Any] = {"name": name, "interval": "1m", "input_series": series}
    if checks:
        group["alert_rule_test"] = checks
    if exprs:
        group["promql_expr_test"] = exprs
    return group


def healthy(service: ResolvedService) -> dict[str, Any]:
    traffic = Traffic(service, HEALTHY_MINUTES, _timelines(service, HEALTHY_MINUTES))
    checks = []
    for at in (15, 60, HEALTHY_MINUTES):
        checks += _quiet_slo(service, at)
        checks += _quiet_absent(service, at)
    exprs = []
    for slo in service.slos:
        sel = f'{{service="{service.name}", slo="{slo.name}"}}'
        for name, value in (
            (slo_names.OBJECTIVE, objective_ratio(slo)),
            (slo_names.ERROR_BUDGET, error_budget(slo)),
        ):
            exprs.append(
                {
                    "expr": f"{name}{sel}",
                    "eval_time": "30m",
                    "exp_samples": [
                        {
                            "labels": series_text(
                                name,
                                {
                                    "service": service.name,
                                    "slo": slo.name,
                                    "team": service.team,
                                    "tier": service.tier,
                                },
                            ),
                            "value": float(format_number(value)),
                        }
                    ],
                }
            )
    return _group(f"{service.name}: healthy traffic fires nothing", traffic.series(), checks, exprs)


def _sli_labels(service: ResolvedService, slo: ResolvedSlo, name: str) -> str:
    labels = {"service": service.name, "slo": slo.name, "team": service.team}
    return series_text(name, {**labels, "tier": service.tier})


def zero_errors(service: ResolvedService) -> dict[str, Any]:
    """Traffic and not one error series yet: the SLIs are 0, not empty (panels not blank)."""
    minutes = 40
    traffic = Traffic(service, minutes, {s.name: [(0.0, minutes)] for s in service.slos})
    series = [
        s
        for s in traffic.series()
        if not any(
            s["series"] == series_text(queries.preset_of(service).requests, labels)
            for labels in _error_label_sets(service)
        )
    ]
    exprs = []
    for slo in service.slos:
        if not testable(service, slo):
            continue
        for window in ("5m", "30m", slo.window):
            name = slo_names.sli_error_ratio(window)
            exprs.append(
                {
                    "expr": f'{name}{{service="{service.name}", slo="{slo.name}"}}',
                    "eval_time": "30m",
                    "exp_samples": [{"labels": _sli_labels(service, slo, name), "value": 0.0}],
                }
            )
    if queries.has_metrics(service):
        labels = {"service": service.name, "team": service.team, "tier": service.tier}
        exprs.append(
            {
                "expr": f'{slo_names.SERVICE_ERROR_RATIO}{{service="{service.name}"}}',
                "eval_time": "30m",
                "exp_samples": [
                    {"labels": series_text(slo_names.SERVICE_ERROR_RATIO, labels), "value": 0.0}
                ],
            }
        )
    checks = _quiet_slo(service, 30)
    name = f"{service.name}: traffic without one error series yet: SLIs are 0, not empty"
    return _group(name, series, checks, exprs)


def _error_label_sets(service: ResolvedService) -> list[dict[str, str]]:
    if not queries.has_metrics(service):
        return []
    base = base_labels(service)
    return [{**s.error, **base} for s in samples_for(queries.preset_of(service))]


def outage(
    service: ResolvedService, slo: ResolvedSlo, sample: Sample | None = None
) -> dict[str, Any] | None:
    plan = page_plan(slo)
    if plan is None or not slo.alerting.page:
        return None
    after, _ = plan
    over = _override(service, slo, [(_healthy(service, slo), HISTORY), (1.0, after + 10)])
    traffic = Traffic(
        service,
        HISTORY + after + 10,
        _timelines(service, HISTORY + after + 10, **over),
        sample=sample,
        rate=busy_rate(service),
    )
    page, ticket = (slo_alerts.alert_name(service, slo, k) for k in ("page", "ticket"))
    checks = [
        _check(HISTORY - 5, page),
        _check(HISTORY - 5, ticket),
        _check(HISTORY + after, page, [_burn_expect(service, slo, "page", 1.0)]),
    ]
    name = f"{service.name} {slo.name}: total outage pages within {duration(after)}"
    if sample is not None:
        name += f" ({sample.library} labels)"
    return _group(name, traffic.series(), checks)


def two_cluster_outage(
    service: ResolvedService, slo: ResolvedSlo, clusters: tuple[str, ...]
) -> dict[str, Any] | None:
    """Two clusters' series in one store (a central ruler's view): a total outage in the
    first pages once, labelled with that cluster, never for the healthy second; the SLI is
    recorded per cluster (two series), never summed across them."""
    plan = page_plan(slo)
    if plan is None or not slo.alerting.page or len(clusters) < 2:
        return None
    after, _ = plan
    failing, healthy_one = clusters[:2]
    minutes = HISTORY + after + 10
    over = _override(service, slo, [(_healthy(service, slo), HISTORY), (1.0, after + 10)])
    rate = busy_rate(service)
    series = Traffic(
        service,
        minutes,
        _timelines(service, minutes, **over),
        rate=rate,
        extra={"cluster": failing},
    ).series()
    series += Traffic(
        service, minutes, _timelines(service, minutes), rate=rate, extra={"cluster": healthy_one}
    ).series()
    page = slo_alerts.alert_name(service, slo, "page")
    expected = _burn_expect(service, slo, "page", 1.0)
    expected["exp_labels"] = {**expected["exp_labels"], "cluster": failing}
    checks = [_check(HISTORY - 5, page), _check(HISTORY + after, page, [expected])]
    sel = f'{{service="{service.name}", slo="{slo.name}"}}'
    ratio = slo_names.sli_error_ratio("5m")
    labels = {**_sli_fields(service, slo), "cluster": failing}
    exprs = [
        {
            "expr": f"count({ratio}{sel})",
            "eval_time": duration(HISTORY + after),
            "exp_samples": [{"labels": "{}", "value": 2.0}],
        },
        {
            "expr": f"{ratio}{sel} > 0.5",
            "eval_time": duration(HISTORY + after),
            "exp_samples": [{"labels": series_text(ratio, labels), "value": 1.0}],
        },
    ]
    name = (
        f"{service.name} {slo.name}: an outage in cluster {failing} pages for {failing} only, "
        f"never for {healthy_one}"
    )
    return _group(name, series, checks, exprs)


def _sli_fields(service: ResolvedService, slo: ResolvedSlo) -> dict[str, str]:
    return {"service": service.name, "slo": slo.name, "team": service.team, "tier": service.tier}


def low_traffic_outage(service: ResolvedService, slo: ResolvedSlo) -> dict[str, Any] | None:
    """With ``minRequestRate``: a total outage at half that traffic pages nothing."""
    minimum = slo.alerting.min_request_rate
    plan = page_plan(slo)
    if not minimum or plan is None:
        return None
    after, _ = plan
    minutes = HISTORY + after + 10
    over = _override(service, slo, [(_healthy(service, slo), HISTORY), (1.0, after + 10)])
    traffic = Traffic(service, minutes, _timelines(service, minutes, **over), rate=minimum * 60 / 2)
    checks = [
        _check(HISTORY + after, slo_alerts.alert_name(service, slo, kind))
        for kind in slo_alerts.enabled_kinds(slo)
    ]
    name = (
        f"{service.name} {slo.name}: an outage below {format_number(minimum)} req/s "
        "(minRequestRate) pages nothing"
    )
    return _group(name, traffic.series(), checks)


def slow_burn(service: ResolvedService, slo: ResolvedSlo) -> dict[str, Any] | None:
    burn = ticket_burn(slo)
    if burn is None or not slo.alerting.ticket:
        return None
    ratio = printable_ratio(burn * error_budget(slo))
    minutes = SLOW_BURN_EVAL + 10
    over = _override(service, slo, [(ratio, minutes)])
    traffic = Traffic(
        service, minutes, _timelines(service, minutes, **over), rate=busy_rate(service)
    )
    page, ticket = (slo_alerts.alert_name(service, slo, k) for k in ("page", "ticket"))
    checks = [_check(SLOW_BURN_EVAL, page)] if slo.alerting.page else []
    checks.append(_check(SLOW_BURN_EVAL, ticket, [_burn_expect(service, slo, "ticket", ratio)]))
    name = f"{service.name} {slo.name}: {format_number(burn)}x burn opens a ticket, no page"
    return _group(name, traffic.series(), checks)


def no_traffic(service: ResolvedService) -> dict[str, Any]:
    traffic = Traffic(service, 70, _timelines(service, 70), flat=True)
    checks = []
    for at in (10, 60):
        checks += _quiet_slo(service, at)
        checks += _quiet_absent(service, at)
    return _group(f"{service.name}: no traffic (0/0) fires nothing", traffic.series(), checks)


def _absent_expect(service: ResolvedService, per_cluster: bool, cluster: str | None = None):
    """The absent alert as it fires: plain ``absent()`` returns the selector's ``=`` labels,
    the per-cluster form the cluster (or none) only."""
    rule = absent_alert(service, per_cluster)
    annotations = dict(rule["annotations"])
    annotations["description"] = (
        annotations["description"]
        .replace("{{ $value | humanize }}", "1")
        .replace(CLUSTER_PHRASE, f"in cluster {cluster} " if cluster else "")
    )
    labels = {} if per_cluster else queries.equality_labels(service)
    if cluster is not None:
        labels["cluster"] = cluster
    labels.update(contract_labels(service, "warning"))
    return {"exp_labels": labels, "exp_annotations": annotations}


def metrics_absent(service: ResolvedService, per_cluster: bool = False) -> dict[str, Any]:
    checks = [
        _check(5, absent_alert_name(service)),
        _check(30, absent_alert_name(service), [_absent_expect(service, per_cluster)]),
        *_quiet_slo(service, 30),
    ]
    # an unrelated series keeps the test's storage non-empty
    series = [{"series": series_text("up", {"job": "unrelated"}), "values": "1x40"}]
    return _group(f"{service.name}: missing metrics raise the absent alert", series, checks)


#: minutes: the silent cluster's last sample; when its absent alert must fire
SILENT_FROM, SILENT_CHECK = 20, 50


def one_cluster_silent(service: ResolvedService, clusters: tuple[str, ...]) -> dict[str, Any]:
    """Two clusters' series in one store: the second stops reporting while the first goes on;
    the absent alert fires for the silent cluster only (``absent()`` alone would not)."""
    reporting, silent = clusters[:2]
    minutes = SILENT_CHECK + 10
    series = Traffic(
        service, minutes, _timelines(service, minutes), extra={"cluster": reporting}
    ).series()
    series += Traffic(
        service, SILENT_FROM, _timelines(service, SILENT_FROM), extra={"cluster": silent}
    ).series()
    name = absent_alert_name(service)
    checks = [
        _check(SILENT_FROM - 5, name),
        _check(SILENT_CHECK, name, [_absent_expect(service, True, silent)]),
    ]
    title = (
        f"{service.name}: cluster {silent} goes silent while {reporting} reports: "
        f"the absent alert fires for {silent} only"
    )
    return _group(title, series, checks)


def _inputs(series: tuple[Series, ...]) -> list[dict[str, str]]:
    return [{"series": s.text(), "values": s.values} for s in series]


def workload_groups(service: ResolvedService, alert: WorkloadAlert) -> list[dict[str, Any]]:
    at = int(parse_duration(alert.fixture.eval_time) / 60)
    expected = [
        {
            "exp_labels": {**labels, **contract_labels(service, alert.severity)},
            "exp_annotations": contract_annotations(
                service, alert.summary, alert.expected_description(labels)
            ),
        }
        for labels in (alert.fixture.labels, *alert.fixture.more)
    ]
    return [
        _group(
            f"{service.name}: {alert.name} fires",
            _inputs(alert.fixture.firing),
            [_check(at, alert.name, expected)],
        ),
        _group(
            f"{service.name}: {alert.name} stays quiet",
            _inputs(alert.fixture.quiet),
            [_check(at, alert.name)],
        ),
    ]


def workload_two_clusters(
    service: ResolvedService, alert: WorkloadAlert, clusters: tuple[str, ...]
) -> dict[str, Any] | None:
    """The firing case in the first cluster and the quiet one (the same objects' names) in
    the second, in one store: the alert fires for the first cluster only."""
    if len(clusters) < 2:
        return None
    failing, quiet = clusters[:2]
    at = int(parse_duration(alert.fixture.eval_time) / 60)
    expected = []
    for labels in (alert.fixture.labels, *alert.fixture.more):
        labels = {**labels, "cluster": failing}
        expected.append(
            {
                "exp_labels": {**labels, **contract_labels(service, alert.severity)},
                "exp_annotations": contract_annotations(
                    service, alert.summary, alert.expected_description(labels)
                ),
            }
        )
    series = [
        {"series": series_text(s.metric, {**s.labels, "cluster": name}), "values": s.values}
        for name, group in ((failing, alert.fixture.firing), (quiet, alert.fixture.quiet))
        for s in group
    ]
    name = f"{service.name}: {alert.name} fires in cluster {failing} only, not in {quiet}"
    return _group(name, series, [_check(at, alert.name, expected)])


def _outages(service: ResolvedService, slo: ResolvedSlo) -> list[dict[str, Any] | None]:
    """The outage test; an availability SLO on a preset gets one per recorded library (each
    library's own status values must page)."""
    if slo.sli is None and slo.kind == "availability":
        samples = samples_for(queries.preset_of(service))
        if len(samples) > 1:
            return [outage(service, slo, sample) for sample in samples]
    return [outage(service, slo)]


#: evaluation step of ``<service>.test.yaml`` (steady scenarios and workload alerts): their
#: inputs hold one state from the start (constant traffic or burn, objects in one state), so
#: the verdict at a check time does not depend on the step; every check time is a multiple
#: of it, so promtool reads the evaluation at that very minute. 5x fewer steps than 1m.
STEADY_INTERVAL = 5
#: evaluation step of ``<service>.outages.test.yaml``: "pages within N minutes" to the minute
OUTAGE_INTERVAL = 1


def _steady(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``groups``, after asserting every check time is on the steady evaluation grid."""
    for group in groups:
        for check in (*group.get("alert_rule_test", ()), *group.get("promql_expr_test", ())):
            minutes = parse_duration(check["eval_time"]) / 60
            assert minutes % STEADY_INTERVAL == 0, (group["name"], check["eval_time"])
    return groups


def test_groups(
    service: ResolvedService, workload: list[WorkloadAlert], clusters: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(steady groups, outage groups) of one service (``clusters``: two-cluster tests)."""
    steady: list[dict[str, Any]] = []
    outages: list[dict[str, Any]] = []
    slos = [slo for slo in service.slos if testable(service, slo)]
    if queries.has_metrics(service) or slos:
        steady.append(healthy(service))
        steady.append(zero_errors(service))
        for slo in slos:
            outages.extend(g for g in _outages(service, slo) if g is not None)
            group = slow_burn(service, slo)
            if group is not None:
                steady.append(group)
            group = low_traffic_outage(service, slo)
            if group is not None:
                outages.append(group)
            group = two_cluster_outage(service, slo, clusters)
            if group is not None:
                outages.append(group)
        steady.append(no_traffic(service))
    if queries.has_metrics(service):
        steady.append(metrics_absent(service, bool(clusters)))
        if clusters:
            # a cluster falls silent at a given minute: a timing claim, on the 1m grid
            outages.append(one_cluster_silent(service, clusters))
    for alert in workload:
        steady.extend(workload_groups(service, alert))
        group = workload_two_clusters(service, alert, clusters)
        if group is not None:
            steady.append(group)
    return _steady(steady), outages


def test_files(
    service: ResolvedService, workload: list[WorkloadAlert], clusters: tuple[str, ...] = ()
) -> dict[str, bytes]:
    """The promtool test files of one service: ``alerts/tests/<service>.test.yaml`` (steady
    scenarios and workload alerts, evaluated every 5m) and, when it has outage tests,
    ``alerts/tests/<service>.outages.test.yaml`` (evaluated every minute)."""
    steady, outages = test_groups(service, workload, clusters)
    untested = [slo.name for slo in service.slos if not testable(service, slo)]
    out = {}
    for suffix, interval, groups in (
        ("test", STEADY_INTERVAL, steady),
        ("outages.test", OUTAGE_INTERVAL, outages),
    ):
        if not groups and suffix != "test":
            continue
        rel = f"alerts/tests/{service.name}.{suffix}.yaml"
        doc = {
            "rule_files": [f"../{service.name}.rules.yaml"],
            "evaluation_interval": duration(interval),
            "tests": groups,
        }
        header = (
            f"promtool unit tests for {service.name}'s rules, generated by obskit.\n"
            f"Run: promtool test rules {rel}"
        )
        if untested:
            header += (
                f"\nNot tested here: SLO {', '.join(untested)} (custom query SLI: its input "
                "series are known only to the catalog's author; preview it against a real "
                "Prometheus)."
            )
        out[rel] = dump_block_yaml(doc, header=header)
    return out
