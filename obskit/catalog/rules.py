"""The contract's semantic rules across files, and the defaults that resolve a catalog."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from obskit.catalog import regex_example
from obskit.catalog.clusters import environment_problems
from obskit.catalog.durations import format_duration, parse_duration
from obskit.catalog.errors import Problem, did_you_mean
from obskit.catalog.model import (
    Alert,
    Catalog,
    Defaults,
    Environment,
    Logs,
    Metadata,
    Metrics,
    ResolvedMetrics,
    ResolvedService,
    ResolvedSli,
    ResolvedSlo,
    Service,
    Slo,
    SloAlerting,
    SloDefaults,
    Team,
    Traces,
    Workload,
)
from obskit.catalog.presets import (
    PRESETS,
    Preset,
    define,
    format_le,
    missing_fields,
    nearest_bounds,
)
from obskit.catalog.shared import Sharing
from obskit.promql import PromQLError, parse_promql

if TYPE_CHECKING:
    from obskit.catalog.loader import LoadedFile

DEFAULT_NAMESPACE = "default"
DEFAULT_TIER = "standard"
DEFAULT_PRESET = "prometheus-http"
DEFAULT_WINDOW = "30d"
SINGLETON_SECTIONS = ("metadata", "defaults", "environments")
#: the defaults of what a service leaves out: models are frozen, so every service shares
#: one instance (~10 MiB less at 10,000 services than one each)
_NO_ALERTING = SloAlerting()
_NO_LOGS = Logs()
_NO_TRACES = Traces()


def _singletons(files: Sequence[LoadedFile], problems: list[Problem]) -> dict[str, LoadedFile]:
    """metadata, defaults and environments may each be set in one file only."""
    owner: dict[str, LoadedFile] = {}
    for section in SINGLETON_SECTIONS:
        setters = [f for f in files if section in f.sections]
        if len(setters) > 1:
            names = ", ".join(f.path for f in setters)
            for f in setters[1:]:
                problems.append(
                    f.smap.problem(
                        (section,),
                        f"`{section}` is set in more than one file ({names})",
                        f"keep `{section}` in {setters[0].path} only",
                        key=True,
                    )
                )
        if setters:
            owner[section] = setters[0]
    return owner


def _merge_metrics(default: Metrics | None, own: Metrics | None) -> Metrics:
    """Field-wise: the service's own metrics fields win over the defaults' fields."""
    merged: dict[str, object] = {}
    for source in (default, own):
        if source is not None:
            for name in source.model_fields_set:
                merged[name] = getattr(source, name)
    if (
        own is not None
        and "preset" in own.model_fields_set
        and "selector" not in (own.model_fields_set)
    ):
        merged.pop("selector", None)  # a service that changes preset gets that preset's selector
    return Metrics(**merged)


def _resolve_service(
    svc: Service,
    where: tuple[LoadedFile, int],
    defaults: Defaults,
    teams: dict[str, Team],
    service_names: set[str],
    problems: list[Problem],
    presets: dict[str, Preset],
    runbooks: str | None = None,
    broken: frozenset[str] = frozenset(),
    sharing: Sharing | None = None,
) -> ResolvedService | None:
    file, index = where
    base = ("services", index)
    share = sharing or Sharing()
    known = presets

    def problem(path: tuple[str | int, ...], message: str, hint: str = "", key: bool = False):
        problems.append(file.smap.problem((*base, *path), message, hint, key=key))

    before = len(problems)
    team = svc.team or defaults.team
    if team is None:
        problem(("name",), "no team", "set `team:` here or `defaults.team`")
    elif team not in teams:
        path = ("team",) if svc.team else ("name",)
        source = "" if svc.team else " (from defaults.team)"
        problem(
            path,
            f"team `{team}` is not declared in `teams`{source}",
            did_you_mean(team, teams) or "declare it under `teams:`",
        )

    namespace = svc.namespace or defaults.namespace or DEFAULT_NAMESPACE
    metrics = _merge_metrics(defaults.metrics, svc.metrics)
    preset: Preset | None = None
    failed = False  # a problem reported elsewhere (defaults, the preset's own definition)
    if metrics.preset != "none":
        preset = known.get(metrics.preset)
        from_defaults = svc.metrics is None or "preset" not in svc.metrics.model_fields_set
        if preset is None and (from_defaults or metrics.preset in broken):
            failed = True
        elif preset is None:
            problem(("metrics", "preset"), *unknown_preset(metrics.preset, known))
        elif metrics.overrides is not None:
            preset = preset.with_fields(metrics.overrides)
    elif metrics.overrides is not None:
        problem(("metrics", "overrides"), "`preset: none` has no fields to override", "remove it")
    selector = (
        dict(metrics.selector)
        if metrics.selector is not None
        else (preset.default_selector(svc.name, namespace) if preset else {})
    )
    if preset and not selector:
        problem(
            ("metrics", "selector"),
            "an empty selector would match every service",
            "give at least one label matcher, e.g. {job: " + svc.name + "}",
        )
    for label, value in selector.items():
        if value.startswith("~") and regex_example.example(value[1:], svc.name) is None:
            problem(
                ("metrics", "selector", label),
                f"obskit finds no value that {value[1:]!r} matches for its generated tests",
                "simplify the regex (alternatives of literal values work best)",
            )
    buckets: tuple[float, ...] = ()
    if preset:
        if metrics.buckets:
            buckets = tuple(sorted(parse_duration(b) for b in metrics.buckets))
        else:
            buckets = tuple(sorted({*preset.buckets_seconds, *preset.other_buckets_seconds}))

    window_default = (defaults.slo or SloDefaults()).window
    slos: list[ResolvedSlo] = []
    seen_slos: set[str] = set()
    for i, slo in enumerate(svc.slos):
        if slo.sli is None and metrics.preset == "none":
            problem(
                ("slos", i),
                "a service with `metrics.preset: none` has no SLI for this SLO",
                "pick the preset its instrumentation exports, give the SLO its own `sli:`, "
                "or remove the SLO",
            )
        if slo.name in seen_slos:
            problem(
                ("slos", i, "name"),
                f"duplicate SLO name `{slo.name}`",
                "SLO names are unique per service",
            )
        seen_slos.add(slo.name)
        if slo.alerting is not None:
            _check_slo_alerting(slo.alerting, functools.partial(_at, problem, i))
            _check_windows(slo, slo.window or window_default, functools.partial(_at, problem, i))
        sli, sli_threshold = _resolve_sli(slo, selector, functools.partial(_at, problem, i))
        threshold_text = slo.threshold or sli_threshold
        threshold = parse_duration(threshold_text) if threshold_text else None
        if slo.name == "latency" and threshold is None:
            problem(("slos", i), "a latency SLO needs a `threshold`", "e.g. threshold: 300ms")
        if (
            threshold is not None
            and sli is None
            and preset is not None
            and not preset.has_histogram
        ):
            problem(
                ("slos", i, "threshold"),
                f"preset `{preset.name}` has no latency histogram",
                "set the preset's `histogram`, or give the SLO `sli: {histogram: <name>}`",
            )
        elif threshold is not None and sli is None and preset is not None and buckets:
            matches = [b for b in buckets if abs(b - threshold) < 1e-9]
            if not matches:
                # only bounds a duration can name (whole milliseconds) make a usable hint
                nameable = [b for b in buckets if abs(b * 1000 - round(b * 1000)) < 1e-6]
                nearest = nearest_bounds(sorted(nameable or buckets), threshold)
                shown = " or ".join(format_duration(b) for b in nearest)
                problem(
                    ("slos", i, "threshold"),
                    f"{slo.threshold} is not a bucket bound of {preset.histogram}"
                    f" (le values: {', '.join(format_le(b, preset.unit) for b in buckets)})",
                    f"use a bound such as {shown}, or declare the service's buckets in "
                    "`metrics.buckets`",
                )
        slos.append(
            share.model(
                ResolvedSlo(
                    name=slo.name,
                    kind="latency" if threshold is not None else "availability",
                    sli=share.model(sli) if sli else None,
                    alerting=share.model(slo.alerting) if slo.alerting else _NO_ALERTING,
                    objective=slo.objective,
                    window=slo.window or window_default,
                    threshold_seconds=threshold,
                    threshold=threshold_text,
                    description=slo.description,
                )
            )
        )

    seen_alerts: set[str] = set()
    for i, alert in enumerate(svc.alerts):
        if alert.alert in seen_alerts:
            problem(("alerts", i, "alert"), f"duplicate alert name `{alert.alert}`", "rename one")
        seen_alerts.add(alert.alert)
        try:
            parse_promql(alert.expr)
        except PromQLError as exc:
            problem(
                ("alerts", i, "expr"),
                f"not valid PromQL: {exc}",
                "check it with promtool or in Grafana's explorer",
            )
        for reserved in ("service", "team", "severity"):
            if reserved in alert.labels:
                problem(
                    ("alerts", i, "labels", reserved),
                    f"label `{reserved}` is set by obskit",
                    "remove it; use `severity:` for severity"
                    if reserved == "severity"
                    else "remove it",
                )

    for i, dep in enumerate(svc.depends_on):
        if dep not in service_names:
            problem(
                ("dependsOn", i),
                f"`{dep}` is not a service of this catalog",
                did_you_mean(dep, service_names) or "add it to `services:` or remove it",
            )

    if failed or len(problems) > before:
        return None
    return share.fields(
        ResolvedService(
            name=svc.name,
            team=team or "",
            namespace=namespace,
            tier=svc.tier or defaults.tier or DEFAULT_TIER,
            description=svc.description,
            metrics=share.fields(
                ResolvedMetrics(
                    preset=metrics.preset,
                    spec=preset,
                    selector=selector,
                    scrape=share.model(metrics.scrape) if metrics.scrape else None,
                    buckets=buckets,
                    buckets_declared=bool(metrics.buckets),
                )
            ),
            runbook=svc.runbook or (runbooks.replace("{service}", svc.name) if runbooks else None),
            workload=share.fields(
                (svc.workload or Workload()).model_copy(
                    update={"name": (svc.workload.name if svc.workload else None) or svc.name}
                )
            ),
            slos=tuple(slos),
            logs=share.model(svc.logs) if svc.logs else _NO_LOGS,
            traces=share.model(svc.traces) if svc.traces else _NO_TRACES,
            alerts=tuple(Alert.model_validate(a.model_dump(by_alias=True)) for a in svc.alerts),
            depends_on=tuple(svc.depends_on),
        )
    )


def resolve(files: Sequence[LoadedFile]) -> tuple[Catalog | None, list[Problem]]:
    """Check the cross-file and cross-reference rules, then apply defaults."""
    problems: list[Problem] = []
    owner = _singletons(files, problems)

    metadata: Metadata | None = owner["metadata"].document.metadata if "metadata" in owner else None
    if metadata is None:
        first = files[0]
        problems.append(
            first.smap.problem(
                (),
                "no `metadata` in the catalog",
                "add metadata: {name: <catalog-name>} to one file",
            )
        )
    defaults = (owner["defaults"].document.defaults if "defaults" in owner else None) or Defaults()

    teams: dict[str, Team] = {}
    for f in files:
        for i, team in enumerate(f.document.teams):
            if team.name in teams:
                problems.append(
                    f.smap.problem(
                        ("teams", i, "name"),
                        f"duplicate team `{team.name}`",
                        "team names are unique across the catalog",
                    )
                )
            teams.setdefault(team.name, team)
    if not teams:
        problems.append(
            files[0].smap.problem((), "the catalog declares no team", "add teams: [{name: <team>}]")
        )
    located: list[tuple[Service, tuple[LoadedFile, int]]] = []
    names: dict[str, tuple[LoadedFile, int]] = {}
    for f in files:
        for i, svc in enumerate(f.document.services):
            if svc.name in names:
                first_file, first_index = names[svc.name]
                line = first_file.smap.locate(("services", first_index, "name"))[0]
                problems.append(
                    f.smap.problem(
                        ("services", i, "name"),
                        f"duplicate service `{svc.name}`",
                        f"first declared in {first_file.path}:{line}; service names are unique",
                    )
                )
                continue
            names[svc.name] = (f, i)
            located.append((svc, (f, i)))
    if not located:
        problems.append(
            files[0].smap.problem(
                (),
                "the catalog declares no service",
                "add services: [{name: <service>, team: <team>}]",
            )
        )

    presets, broken = _catalog_presets(files, problems)
    default_preset = defaults.metrics.preset if defaults.metrics else None
    if default_preset not in (None, "none", *presets) and default_preset not in broken:
        problems.append(
            owner["defaults"].smap.problem(
                ("defaults", "metrics", "preset"), *unknown_preset(default_preset, presets)
            )
        )
    service_names = set(names)
    sharing = Sharing()
    services = [
        _resolve_service(
            svc,
            where,
            defaults,
            teams,
            service_names,
            problems,
            presets,
            metadata.runbooks if metadata else None,
            broken,
            sharing,
        )
        for svc, where in located
    ]
    if metadata is not None and metadata.access is not None:
        _check_access(files, owner["metadata"], metadata, teams, problems)
    for f in files:
        problems.extend(f.injected)
    if "environments" in owner:
        problems.extend(environment_problems(owner["environments"]))
    if problems or metadata is None:
        return None, problems

    env_owner = owner.get("environments")
    environments: dict[str, Environment] = (
        dict(env_owner.document.environments or {}) if env_owner else {}
    ) or {"default": Environment()}
    catalog = Catalog(
        metadata=metadata,
        teams=tuple(teams.values()),
        services=tuple(s for s in services if s is not None),
        environments=dict(sorted(environments.items())),
        presets=tuple(p for name, p in presets.items() if name not in PRESETS),
        sources=tuple(f.path for f in files),
    )
    return catalog, []


def _check_access(
    files: Sequence[LoadedFile],
    file: LoadedFile,
    metadata: Metadata,
    teams: dict[str, Team],
    problems: list[Problem],
) -> None:
    """``metadata.access``: a declared platform team; no team name its log pattern outgrows."""
    access = metadata.access
    assert access is not None
    base = ("metadata", "access")
    reserved = ("events", "unowned")  # obskit.renderers.access.logs.RESERVED_TEAMS
    for f in files if access.enabled else ():
        for i, team in enumerate(f.document.teams):
            if team.name in reserved:
                problems.append(
                    f.smap.problem(
                        ("teams", i, "name"),
                        f"team name `{team.name}` is reserved with access on (its log index "
                        "pattern would cover other indices)",
                        "rename the team",
                    )
                )
    if access.platform_team is not None and access.platform_team not in teams:
        problems.append(
            file.smap.problem(
                (*base, "platformTeam"),
                f"team `{access.platform_team}` is not declared in `teams`",
                did_you_mean(access.platform_team, teams) or "declare it under `teams:`",
            )
        )
    if access.enabled and access.platform_team is None:
        problems.append(
            file.smap.problem(
                (*base, "enabled"),
                "access rendering needs the team that operates the stack",
                "set metadata.access.platformTeam: <team>",
            )
        )


WINDOW_PLACEHOLDER = "{{.window}}"


RESERVED_LABELS = ("service", "team", "severity", "slo", "tier")
RESERVED_ANNOTATIONS = ("summary", "description", "runbook_url", "dashboard")


def _check_slo_alerting(alerting: SloAlerting, report: Callable[..., None]) -> None:
    """Extra labels and annotations must not replace the ones obskit sets."""
    for label in alerting.labels:
        if label in RESERVED_LABELS:
            report(("alerting", "labels", label), f"label `{label}` is set by obskit", "remove it")
        elif not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", label):
            report(
                ("alerting", "labels", label),
                f"`{label}` is not a label name",
                "use [a-zA-Z_][a-zA-Z0-9_]*",
            )
    for key in alerting.annotations:
        if key in RESERVED_ANNOTATIONS:
            report(
                ("alerting", "annotations", key),
                f"annotation `{key}` is set by obskit",
                "remove it (the service's `runbook` and `description` fields feed them)",
            )
    if not (alerting.page or alerting.ticket):
        report(("alerting",), "page and ticket are both off", "remove the SLO, or keep one")


def _check_windows(slo: Slo, period: str, report: Callable[..., None]) -> None:
    """Custom burn windows: short below long, long within the SLO period, pages above 1x."""
    windows = slo.alerting.windows if slo.alerting else None
    if windows is None:
        return
    period_s = parse_duration(period)
    for kind in ("page", "ticket"):
        for speed in ("quick", "slow"):
            w = getattr(getattr(windows, kind), speed)
            path = ("alerting", "windows", kind, speed)
            short, long = parse_duration(w.short_window), parse_duration(w.long_window)
            if short >= long:
                report(path, "shortWindow must be shorter than longWindow", "e.g. 5m and 1h")
            if long > period_s:
                report(path, f"longWindow is longer than the SLO window {period}", "shorten it")
            factor = w.error_budget_percent / 100 * period_s / long
            if kind == "page" and factor <= 1:
                report(
                    (*path, "errorBudgetPercent"),
                    f"a page at a {factor:.3g}x burn pages on an SLO that is being met",
                    "spend more of the budget in the long window, or use a shorter one",
                )


def _at(problem: Callable[..., None], index: int, path: tuple, message: str, hint: str = ""):
    """Report a problem below ``slos[index]``."""
    problem(("slos", index, *path), message, hint)


def _check_query(
    query: str, field: str, report: Callable[[tuple[str, ...], str, str], None]
) -> None:
    """A custom SLI query must hold ``{{.window}}`` and parse once it is replaced."""
    if WINDOW_PLACEHOLDER not in query:
        report(
            ("sli", field),
            f"`{field}` has no `{WINDOW_PLACEHOLDER}` placeholder",
            f"write the range as [{WINDOW_PLACEHOLDER}], e.g. "
            f"sum(rate(my_requests_total[{WINDOW_PLACEHOLDER}]))",
        )
        return
    try:
        parse_promql(query.replace(WINDOW_PLACEHOLDER, "5m"))
    except PromQLError as exc:
        report(("sli", field), f"not valid PromQL: {exc}", "check it with promtool or Grafana")


def _resolve_sli(
    slo: Slo,
    service_selector: dict[str, str],
    report: Callable[..., None],
) -> tuple[ResolvedSli | None, str | None]:
    """The SLO's custom SLI (None: the preset's) and the threshold it names."""
    sli = slo.sli
    if sli is None:
        return None, None
    queries = {
        "errorQuery": sli.error_query,
        "goodQuery": sli.good_query,
        "totalQuery": sli.total_query,
    }
    given = [name for name, q in queries.items() if q is not None]
    if sli.histogram is not None:
        if given:
            report(
                ("sli",),
                "`histogram` and queries are two kinds of SLI",
                f"keep `histogram` or {', '.join(given)}",
            )
            return None, None
        if (
            sli.threshold
            and slo.threshold
            and parse_duration(sli.threshold) != parse_duration(slo.threshold)
        ):
            report(
                ("sli", "threshold"),
                f"differs from the SLO's threshold {slo.threshold}",
                "give the threshold once",
            )
        if not (sli.threshold or slo.threshold):
            report(("sli",), "a histogram SLI needs a threshold", "e.g. threshold: 300ms")
        resolved = ResolvedSli(
            kind="histogram",
            histogram=sli.histogram,
            unit=sli.unit or "seconds",
            selector=dict(sli.selector if sli.selector is not None else service_selector),
        )
        return resolved, sli.threshold
    if sli.error_query is not None and sli.good_query is not None:
        report(
            ("sli",),
            "`errorQuery` and `goodQuery` both given",
            "keep one: bad events (errorQuery) or good events (goodQuery), with totalQuery",
        )
        return None, None
    if (sli.error_query is None) == (sli.good_query is None) or sli.total_query is None:
        report(
            ("sli",),
            "a query SLI needs `totalQuery` and one of `errorQuery` or `goodQuery`",
            "e.g. sli: {errorQuery: 'sum(rate(x_total{code=~\"5..\"}[{{.window}}]))', "
            "totalQuery: 'sum(rate(x_total[{{.window}}]))'}",
        )
        return None, None
    for name in given:
        _check_query(queries[name] or "", name, report)
    if slo.threshold or sli.threshold or sli.unit or sli.selector:
        report(
            ("sli",),
            "threshold, unit and selector belong to histogram SLIs",
            "put the latency condition into the queries",
        )
    return (
        ResolvedSli(
            kind="ratio",
            error_query=sli.error_query,
            good_query=sli.good_query,
            total_query=sli.total_query,
        ),
        None,
    )


def unknown_preset(name: str, known: dict[str, Preset]) -> tuple[str, str]:
    """Message and hint for a preset name that is neither built in nor declared."""
    close = did_you_mean(name, [*known, "none"])
    if not close:
        starting = sorted(n for n in known if n.startswith(name))
        if starting:
            close = f"did you mean `{starting[0]}`?"
    return (
        f"unknown preset `{name}`",
        close or "use a built-in preset or declare it under `presets:`",
    )


def _catalog_presets(
    files: Sequence[LoadedFile], problems: list[Problem]
) -> tuple[dict[str, Preset], frozenset[str]]:
    """Built-in presets plus the catalog's own (``presets:``, across files, in order), and
    the names of declared presets that are broken (their problem is reported once, at the
    declaration; services using them are not reported again)."""
    known: dict[str, Preset] = dict(PRESETS)
    broken: set[str] = set()
    declared = [d.name for f in files for d in f.document.presets]
    for f in files:
        for i, definition in enumerate(f.document.presets):
            path = ("presets", i)
            if definition.name in known or definition.name == "none":
                what = "a built-in preset" if definition.name in PRESETS else "declared twice"
                problems.append(
                    f.smap.problem(
                        (*path, "name"),
                        f"preset `{definition.name}` is {what}",
                        "pick another name; a preset may `extends:` a built-in one",
                    )
                )
                continue
            if definition.extends is not None and definition.extends not in known:
                later = definition.extends in declared and definition.extends not in broken
                message, hint = unknown_preset(definition.extends, known)
                if later:
                    message = f"preset `{definition.extends}` is declared after `{definition.name}`"
                    hint = f"declare `{definition.extends}` first"
                problems.append(f.smap.problem((*path, "extends"), message, hint))
                broken.add(definition.name)
                continue
            missing = missing_fields(definition)
            if missing:
                problems.append(
                    f.smap.problem(
                        path,
                        f"preset `{definition.name}` needs {', '.join(missing)}",
                        "set them, or `extends:` a preset that has them",
                    )
                )
                broken.add(definition.name)
                continue
            known[definition.name] = define(definition, known)
    return known, frozenset(broken)
