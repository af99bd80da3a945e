"""Turn the dashboards and alerts renderers' files into Kubernetes objects.

Every file is placed by its path, whichever unit produced it: ``dashboards/overview/*.json``
become ConfigMaps in the platform namespace (folder ``Overview``); ``dashboards/<service>.json``
a ConfigMap in the service's namespace (folder: its team); ``alerts/<service>.rules.yaml`` a
PrometheusRule in the service's namespace; ``alerts/tests/`` are promtool tests and skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import yaml

from obskit.catalog.model import DashboardsSettings, ResolvedService
from obskit.renderers.dashboards import one_line_copy
from obskit.renderers.manifests.names import ManifestError, slug
from obskit.renderers.manifests.objects import (
    Serializer,
    dashboard_config_map,
    grafana_dashboard,
    prometheus_rule,
)
from obskit.renderers.manifests.rawyaml import RawGroups, groups_block
from obskit.stack import OVERVIEW_FOLDER, STACK_NAMESPACE

#: libyaml's loader: rule files of thousands of services are read back (10x faster)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: sort order of kinds inside one file
KIND_ORDER = {
    "PrometheusRule": 0,
    "ServiceMonitor": 1,
    "PodMonitor": 2,
    "ConfigMap": 3,
    "GrafanaFolder": 4,
    "GrafanaDashboard": 5,
}
RULE_SUFFIXES = (".rules.yaml", ".rules.yml", ".yaml", ".yml")


def objects_for_files(
    ser: Serializer,
    services: Mapping[str, ResolvedService],
    files: Mapping[str, bytes],
    owner: ResolvedService | None,
    dashboards: DashboardsSettings | None = None,
) -> list[dict[str, Any]]:
    """The objects made from one unit's files (``owner``: the service the unit renders).

    ``services`` maps the catalog's service names to services: files of units that render
    no single service are placed by the service their path names. ``dashboards`` says how
    dashboards are delivered (default: sidecar ConfigMaps).
    """
    settings = dashboards or DashboardsSettings()
    objects: list[dict[str, Any]] = []
    for path in sorted(files):
        if path.startswith("dashboards/") and path.endswith(".json"):
            objects.append(_dashboard(ser, services, path, files[path], owner, settings))
        elif (
            path.startswith("alerts/")
            and not path.startswith("alerts/tests/")
            and path.endswith(RULE_SUFFIXES)
        ):
            rule = _rules(ser, services, path, files[path], owner)
            if rule is not None:
                objects.append(rule)
    return objects


def _platform_name(stem: str) -> str:
    """Objects in the platform namespace are prefixed ``obskit-`` (once)."""
    return stem if stem.startswith("obskit-") else f"obskit-{stem}"


def _dashboard(
    ser: Serializer,
    services: Mapping[str, ResolvedService],
    path: str,
    data: bytes,
    owner: ResolvedService | None,
    settings: DashboardsSettings,
) -> dict[str, Any]:
    rel = path.removeprefix("dashboards/").removesuffix(".json")
    title, one_line = _title_and_one_line(path, data)
    source = f"{path} ({title!r})"
    if rel.startswith("overview/"):
        stem = slug(rel.removeprefix("overview/"))
        name, key = f"obskit-overview-{stem}", f"overview-{stem}.json"
        namespace, folder = STACK_NAMESPACE, OVERVIEW_FOLDER
    else:
        service = owner or services.get(rel)
        if service is None:
            name, key = _platform_name(f"dashboard-{slug(rel)}"), f"{slug(rel)}.json"
            namespace, folder = STACK_NAMESPACE, OVERVIEW_FOLDER
        else:
            namespace, folder = service.namespace, service.team
            if rel == service.name:
                name, key = f"{service.name}-dashboard", f"{service.name}.json"
            else:
                name = f"{service.name}-dashboard-{slug(rel)}"
                key = f"{service.name}-{slug(rel)}.json"
    if settings.delivery == "grafana-operator":
        return grafana_dashboard(
            ser,
            name=name,
            namespace=namespace,
            dashboard=data,
            folder=folder,
            instance_labels=settings.instance_labels,
            source=source,
        )
    return dashboard_config_map(
        ser,
        name=name,
        namespace=namespace,
        key=key,
        dashboard=data,
        folder=folder,
        source=source,
        one_line=one_line,
    )


def _title_and_one_line(path: str, data: bytes) -> tuple[Any, bytes]:
    """The dashboard's title and its JSON on one line: from the dashboards renderer when it
    has just dumped ``data`` in this process, else ``data`` parsed once."""
    known = one_line_copy(data)
    if known is not None:
        return known
    try:
        dashboard = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ManifestError(f"{path} is not JSON: {exc}") from None
    if not isinstance(dashboard, dict) or not dashboard.get("title"):
        raise ManifestError(f"{path} is not a Grafana dashboard (no title)")
    return dashboard["title"], orjson.dumps(dashboard) + b"\n"


def _rules(
    ser: Serializer,
    services: Mapping[str, ResolvedService],
    path: str,
    data: bytes,
    owner: ResolvedService | None,
) -> dict[str, Any] | None:
    groups: Any = groups_block(data.decode("utf-8"))
    if groups is None:
        groups = _parsed_groups(path, data)
    if not groups or (isinstance(groups, RawGroups) and groups.empty):
        return None
    stem = path.removeprefix("alerts/")
    for suffix in RULE_SUFFIXES:
        if stem.endswith(suffix):
            stem = stem.removesuffix(suffix)
            break
    service = owner or services.get(stem)
    if service is None:
        name, namespace = _platform_name(slug(stem)), STACK_NAMESPACE
    else:
        namespace = service.namespace
        name = service.name if stem == service.name else f"{service.name}-{slug(stem)}"
    return prometheus_rule(ser, name=name, namespace=namespace, groups=groups, source=path)


def _parsed_groups(path: str, data: bytes) -> list[Any]:
    try:
        content = yaml.load(data, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path} is not YAML: {exc}") from None
    if content is None:
        return []
    if not isinstance(content, dict) or not isinstance(content.get("groups", []), list):
        raise ManifestError(f"{path} is not a Prometheus rule file (no `groups:` list)")
    return content.get("groups") or []


def sort_and_check(objects: Iterable[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """Stable order (kind, namespace, name); two objects with one identity are an error."""
    seen: set[tuple[str, str, str]] = set()
    ordered = []
    for obj in sorted(
        objects,
        key=lambda o: (
            KIND_ORDER.get(o["kind"], 9),
            o["kind"],
            o["metadata"].get("namespace", ""),
            o["metadata"]["name"],
        ),
    ):
        ident = (obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if ident in seen:
            raise ManifestError(f"{where}: two {ident[0]} objects named {ident[1]}/{ident[2]}")
        seen.add(ident)
        ordered.append(obj)
    return ordered
