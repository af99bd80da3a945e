"""The lint interface: findings, the context checks read, the check protocol."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import yaml

from obskit.catalog.durations import parse_duration
from obskit.catalog.model import Catalog, ResolvedService

#: scrape interval assumed when the catalog sets none (kube-prometheus-stack's default)
DEFAULT_SCRAPE_INTERVAL = "30s"
#: renderers whose output lint reads
LINT_RENDERERS: tuple[str, ...] = ("alerts", "helm")


@dataclass(frozen=True)
class Finding:
    """One problem: which check, where (file, group, rule) and what."""

    check: str
    path: str
    group: str
    rule: str
    message: str
    severity: str = "error"


@dataclass(frozen=True)
class Rule:
    """One rule of a rule file, with where it is."""

    path: str
    group: str
    data: Mapping[str, Any]
    service: ResolvedService | None

    @property
    def name(self) -> str:
        return str(self.data.get("alert") or self.data.get("record") or "")

    @property
    def is_alert(self) -> bool:
        return "alert" in self.data

    @property
    def expr(self) -> str:
        return str(self.data.get("expr", ""))

    def finding(self, check: str, message: str, severity: str = "error") -> Finding:
        return Finding(check, self.path, self.group, self.name, message, severity)


@dataclass
class LintContext:
    """What checks read: the catalog and the rendered files (``{path: bytes}``)."""

    catalog: Catalog | None
    files: Mapping[str, bytes]
    default_scrape_interval: str = DEFAULT_SCRAPE_INTERVAL
    _services: dict[str, ResolvedService] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.catalog is not None:
            self._services = {s.name: s for s in self.catalog.services}

    @cached_property
    def rule_files(self) -> dict[str, Any]:
        """Parsed ``alerts/*.rules.yaml`` files."""
        return {
            path: yaml.safe_load(data) or {}
            for path, data in sorted(self.files.items())
            if path.startswith("alerts/") and path.endswith(".rules.yaml")
        }

    def service_of(self, path: str) -> ResolvedService | None:
        name = path.rsplit("/", 1)[-1].removesuffix(".rules.yaml")
        return self._services.get(name)

    def rules(self) -> Iterator[Rule]:
        """Every rule of every rule file, in file order."""
        for path, doc in self.rule_files.items():
            service = self.service_of(path)
            for group in doc.get("groups") or []:
                for data in group.get("rules") or []:
                    yield Rule(path, str(group.get("name", "")), data, service)

    def scrape_interval_seconds(self, service: ResolvedService | None) -> float:
        """The service's scrape interval (catalog ``metrics.scrape.interval``) or the default."""
        if service is not None and service.metrics.scrape is not None:
            return parse_duration(service.metrics.scrape.interval)
        return parse_duration(self.default_scrape_interval)


class Check(Protocol):
    """A lint check module."""

    NAME: str
    DESCRIPTION: str

    def run(self, ctx: LintContext) -> Iterable[Finding]: ...


def context_from_catalog(catalog: Catalog) -> LintContext:
    """Render the lint renderers' output in memory and wrap it with the catalog."""
    from obskit.render.registry import load_renderer

    files: dict[str, bytes] = {}
    for name in LINT_RENDERERS:
        for unit in load_renderer(name).units(catalog):
            files.update(unit.produce())
    files.update(rbac_files(catalog))
    return LintContext(catalog, files)


def rbac_files(catalog: Catalog) -> dict[str, bytes]:
    """The manifests holding RBAC objects (team access, the event exporter), for rbac-wildcard."""
    from obskit.renderers.access.objects import access_files
    from obskit.renderers.manifests import events_files

    return {**access_files(catalog), **events_files(catalog)}
