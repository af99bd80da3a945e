"""The contract's semantic rules across files, and the defaults that resolve a catalog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

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
    ResolvedSlo,
    Service,
    SloDefaults,
    Team,
    Traces,
    Workload,
)
from obskit.catalog.presets import PRESETS, format_le
from obskit.promql import PromQLError, parse_promql

if TYPE_CHECKING:
    from obskit.catalog.loader import LoadedFile

DEFAULT_NAMESPACE = "default"
DEFAULT_TIER = "standard"
DEFAULT_PRESET = "prometheus-http"
DEFAULT_WINDOW = "30d"
SINGLETON_SECTIONS = ("metadata", "defaults", "environments")


def _singletons(files: Sequence[LoadedFile], problems: list[Problem]) -> dict[str, LoadedFile]:
    """metadata, defaults and environments may each be set in one file only."""
    owner: dict[str, LoadedFile] = {}
    for section in SINGLETON_SECTIONS:
        setters = [f for f in files if section in f.data]
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
) -> ResolvedService | None:
    file, index = where
    base = ("services", index)

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
    preset = PRESETS.get(metrics.preset)
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
    buckets: tuple[float, ...] = ()
    if preset:
        if metrics.buckets:
            buckets = tuple(sorted(parse_duration(b) for b in metrics.buckets))
        else:
            buckets = preset.buckets_seconds

    window_default = (defaults.slo or SloDefaults()).window
    slos: list[ResolvedSlo] = []
    seen_slos: set[str] = set()
    if svc.slos and metrics.preset == "none":
        problem(
            ("slos",),
            "a service with `metrics.preset: none` cannot have SLOs",
            "pick the preset its instrumentation exports, or remove the SLOs",
        )
    for i, slo in enumerate(svc.slos):
        if slo.name in seen_slos:
            problem(
                ("slos", i, "name"),
                f"duplicate SLO name `{slo.name}`",
                "SLO names are unique per service",
            )
        seen_slos.add(slo.name)
        threshold = parse_duration(slo.threshold) if slo.threshold else None
        if slo.name == "latency" and threshold is None:
            problem(("slos", i), "a latency SLO needs a `threshold`", "e.g. threshold: 300ms")
        if threshold is not None and preset is not None:
            matches = [b for b in buckets if abs(b - threshold) < 1e-9]
            if not matches:
                # only bounds a duration can name (whole milliseconds) make a usable hint
                nameable = [b for b in buckets if abs(b * 1000 - round(b * 1000)) < 1e-6]
                nearest = sorted(nameable or buckets, key=lambda b: abs(b - threshold))[:2]
                shown = ", ".join(format_duration(b) for b in sorted(nearest))
                problem(
                    ("slos", i, "threshold"),
                    f"{slo.threshold} is not a bucket bound of {preset.histogram}"
                    f" (le values: {', '.join(format_le(b, preset.unit) for b in buckets)})",
                    f"use a bound such as {shown}, or declare the service's buckets in "
                    "`metrics.buckets`",
                )
        slos.append(
            ResolvedSlo(
                name=slo.name,
                kind="latency" if threshold is not None else "availability",
                objective=slo.objective,
                window=slo.window or window_default,
                threshold_seconds=threshold,
                threshold=slo.threshold,
                description=slo.description,
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

    if len(problems) > before:
        return None
    return ResolvedService(
        name=svc.name,
        team=team or "",
        namespace=namespace,
        tier=svc.tier or defaults.tier or DEFAULT_TIER,
        description=svc.description,
        metrics=ResolvedMetrics(
            preset=metrics.preset, selector=selector, scrape=metrics.scrape, buckets=buckets
        ),
        runbook=svc.runbook,
        workload=Workload(
            kind=svc.workload.kind if svc.workload else "Deployment",
            name=(svc.workload.name if svc.workload else None) or svc.name,
        ),
        slos=tuple(slos),
        logs=svc.logs or Logs(),
        traces=svc.traces or Traces(),
        alerts=tuple(Alert.model_validate(a.model_dump(by_alias=True)) for a in svc.alerts),
        depends_on=tuple(svc.depends_on),
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

    service_names = set(names)
    services = [
        _resolve_service(svc, where, defaults, teams, service_names, problems)
        for svc, where in located
    ]
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
        sources=tuple(f.path for f in files),
    )
    return catalog, []
