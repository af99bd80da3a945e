"""The rendered rule files of a service: recording rules and alerting rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from obskit.catalog.durations import parse_duration
from obskit.catalog.model import Catalog

#: Prometheus' default rule evaluation interval (global.evaluation_interval)
DEFAULT_INTERVAL_SECONDS = 60.0


class RulesError(ValueError):
    """A rule file that cannot be read."""


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)
    #: the group's evaluation interval in seconds
    interval: float = DEFAULT_INTERVAL_SECONDS


@dataclass(frozen=True)
class AlertRule:
    alert: str
    expr: str
    for_seconds: float = 0.0
    keep_firing_for_seconds: float = 0.0
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    interval: float = DEFAULT_INTERVAL_SECONDS
    group: str = ""

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")


@dataclass(frozen=True)
class RuleSet:
    """Every rule of one service's rule file, in file order."""

    service: str
    recording: tuple[RecordingRule, ...] = ()
    alerts: tuple[AlertRule, ...] = ()


def _seconds(value: object, where: str) -> float:
    if value is None:
        return 0.0
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise RulesError(f"{where}: {exc}") from None


def parse_rule_file(service: str, text: bytes | str, source: str = "<rules>") -> RuleSet:
    """Parse a Prometheus rule file (``groups:``) into a :class:`RuleSet`."""
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RulesError(f"{source}: not YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("groups", []), list):
        raise RulesError(f"{source}: not a Prometheus rule file (no `groups:` list)")
    recording: list[RecordingRule] = []
    alerts: list[AlertRule] = []
    for group in doc.get("groups") or []:
        name = str(group.get("name", ""))
        interval = _seconds(group.get("interval"), f"{source}: group {name}")
        interval = interval or DEFAULT_INTERVAL_SECONDS
        for rule in group.get("rules") or []:
            labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
            if "record" in rule:
                recording.append(
                    RecordingRule(str(rule["record"]), str(rule["expr"]), labels, interval)
                )
            elif "alert" in rule:
                where = f"{source}: alert {rule['alert']}"
                alerts.append(
                    AlertRule(
                        alert=str(rule["alert"]),
                        expr=str(rule["expr"]),
                        for_seconds=_seconds(rule.get("for"), where),
                        keep_firing_for_seconds=_seconds(rule.get("keep_firing_for"), where),
                        labels=labels,
                        annotations={
                            str(k): str(v) for k, v in (rule.get("annotations") or {}).items()
                        },
                        interval=interval,
                        group=name,
                    )
                )
    return RuleSet(service, tuple(recording), tuple(alerts))


def rule_file_name(service: str) -> str:
    """``alerts/<service>.rules.yaml``: where the alerts renderer writes a service's rules."""
    return f"alerts/{service}.rules.yaml"


def rendered_rule_files(catalog: Catalog, services: Iterable[str]) -> dict[str, bytes]:
    """The rule file of each of ``services``, rendered in memory by the ``alerts`` renderer.

    A service the renderer writes no rule file for maps to ``b""``.
    """
    from obskit.render.registry import load_renderer

    wanted = {rule_file_name(name): name for name in services}
    found: dict[str, bytes] = {}
    for unit in load_renderer("alerts").units(catalog):
        if unit.key.startswith("service/") and rule_file_name(unit.key[8:]) not in wanted:
            continue  # another service's unit: skip rendering it
        for path, data in unit.produce().items():
            if path in wanted:
                found[wanted[path]] = bytes(data)
    return {name: found.get(name, b"") for name in wanted.values()}


def rule_files_from_dir(directory: Path, services: Iterable[str]) -> dict[str, bytes]:
    """Already rendered rule files: ``DIR/alerts/<service>.rules.yaml`` (absent: ``b""``)."""
    if not (directory / "alerts").is_dir():
        raise RulesError(f"{directory}: no alerts/ folder (render with `obskit render`)")
    out: dict[str, bytes] = {}
    for name in services:
        path = directory / rule_file_name(name)
        out[name] = path.read_bytes() if path.is_file() else b""
    return out


def parse_rule_files(files: Mapping[str, bytes]) -> dict[str, RuleSet]:
    """``{service: rule file bytes}`` -> ``{service: RuleSet}``."""
    return {name: parse_rule_file(name, data, rule_file_name(name)) for name, data in files.items()}
