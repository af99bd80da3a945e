"""Workloads -> catalog services: name, team, preset and scrape settings, each with a reason.

Works on the client's model objects (``V1Deployment``, ``V1Service`` ...), so it is tested
on real-shaped objects without an API server.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from obskit.catalog.model import NAME_RE
from obskit.discover.cluster import ClusterSnapshot

DEFAULT_TEAM_LABELS = ("team", "app.kubernetes.io/part-of")
DEFAULT_TEAM = "unassigned"
#: label the rendered ServiceMonitor selects Services by (see the manifests renderer)
SERVICE_NAME_LABEL = "app.kubernetes.io/name"
_DURATION = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w|y))+$")
_NGINX_INGRESS_IMAGE = re.compile(r"(^|/)(ingress-nginx/controller|nginx-ingress-controller)[:@]?")
_ISTIO_PROXY_IMAGE = re.compile(r"(^|/)proxyv2[:@]?")
KINDS = (
    ("Deployment", "deployments"),
    ("StatefulSet", "statefulsets"),
    ("DaemonSet", "daemonsets"),
)


@dataclass
class Discovered:
    """One workload as a catalog service (before names are made unique)."""

    name: str
    namespace: str
    kind: str
    workload: str
    team: str
    team_reason: str
    preset: str
    preset_reason: str
    #: ``{port, path?, interval?}`` or None
    scrape: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    #: where it was found, when not a workload (``job api (namespace shop)``)
    source: str | None = None
    #: ``metrics.selector`` to write (None: the preset's default)
    selector: dict[str, str] | None = None
    #: ``metrics.buckets`` to write (None: the preset's default)
    buckets: list[str] | None = None
    #: SLOs to write
    slos: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.source or f"{self.kind} {self.namespace}/{self.workload}"


def discover(
    snap: ClusterSnapshot,
    team_labels: Sequence[str] = DEFAULT_TEAM_LABELS,
    default_team: str = DEFAULT_TEAM,
) -> list[Discovered]:
    """One :class:`Discovered` per workload, sorted by namespace, kind and name."""
    services_by_ns: dict[str, list[Any]] = {}
    for svc in snap.services:
        services_by_ns.setdefault(svc.metadata.namespace, []).append(svc)
    found = []
    for kind, attr in KINDS:
        for w in getattr(snap, attr):
            ns = w.metadata.namespace
            ns_labels = (snap.namespace_labels or {}).get(ns, {})
            selecting = _selecting_services(w, services_by_ns.get(ns, []))
            found.append(_one(kind, w, selecting, ns_labels, team_labels, default_team))
    found.sort(key=lambda d: (d.namespace, d.kind, d.workload))
    return found


def _one(
    kind: str,
    w: Any,
    services: list[Any],
    ns_labels: dict[str, str],
    team_labels: Sequence[str],
    default_team: str,
) -> Discovered:
    team, team_reason = guess_team(w, ns_labels, team_labels, default_team)
    preset, preset_reason = guess_preset(w, services, ns_labels)
    d = Discovered(
        name=w.metadata.name,
        namespace=w.metadata.namespace,
        kind=kind,
        workload=w.metadata.name,
        team=team,
        team_reason=team_reason,
        preset=preset,
        preset_reason=preset_reason,
    )
    d.scrape = guess_scrape(w, services, d.notes)
    if preset == "nginx-ingress":
        d.notes.append(
            "the nginx-ingress preset selects exported_service/exported_namespace: set "
            "metrics.selector to the backend whose traffic this service should measure"
        )
    return d


def _template(w: Any) -> tuple[dict[str, str], dict[str, str], Any]:
    tpl = w.spec.template if w.spec else None
    meta = tpl.metadata if tpl and tpl.metadata else None
    labels = dict(meta.labels or {}) if meta else {}
    annotations = dict(meta.annotations or {}) if meta else {}
    return labels, annotations, tpl.spec if tpl else None


def _containers(pod_spec: Any) -> list[Any]:
    if pod_spec is None:
        return []
    return list(pod_spec.containers or []) + list(pod_spec.init_containers or [])


def _selecting_services(w: Any, services: list[Any]) -> list[Any]:
    """Services of the namespace whose selector matches the workload's Pod labels."""
    labels, _, _ = _template(w)
    out = []
    for svc in services:
        selector = (svc.spec.selector if svc.spec else None) or {}
        if selector and all(labels.get(k) == v for k, v in selector.items()):
            out.append(svc)
    return sorted(out, key=lambda s: s.metadata.name)


def team_name(value: str) -> str | None:
    """A label value as a catalog team name, or None when it cannot be one."""
    name = re.sub(r"[^a-z0-9-]+", "-", value.strip().lower()).strip("-")
    return name if name and re.match(NAME_RE, name) else None


def guess_team(
    w: Any, ns_labels: dict[str, str], team_labels: Sequence[str], default_team: str
) -> tuple[str, str]:
    """The first team label found on the workload, its Pod template, then its namespace."""
    tpl_labels, _, _ = _template(w)
    places = (
        ("workload", dict(w.metadata.labels or {})),
        ("pod template", tpl_labels),
        ("namespace", ns_labels),
    )
    for label in team_labels:
        for where, labels in places:
            if label in labels and (team := team_name(labels[label])):
                return team, f"{where} label {label}={labels[label]}"
    return default_team, f"no {' or '.join(team_labels)} label (default team)"


def guess_preset(w: Any, services: list[Any], ns_labels: dict[str, str]) -> tuple[str, str]:
    """The metric preset the workload most likely exports, and why."""
    labels, annotations, pod_spec = _template(w)
    containers = _containers(pod_spec)
    for c in containers:
        if c.image and _NGINX_INGRESS_IMAGE.search(c.image):
            return "nginx-ingress", f"ingress-nginx controller image {c.image}"
    istio = _istio_reason(labels, annotations, containers, ns_labels)
    if istio:
        return "istio", istio
    for name, where in _port_names(containers, services):
        if name == "grpc" or name.startswith("grpc-"):
            return "grpc", f"port name {name} ({where})"
    for svc in services:
        for port in svc.spec.ports or []:
            if (port.app_protocol or "").lower() in ("grpc", "kubernetes.io/h2c"):
                return "grpc", f"appProtocol {port.app_protocol} on Service {svc.metadata.name}"
    path = _annotation(annotations, services, "prometheus.io/path")
    if path and "/actuator" in path[0]:
        return "micrometer", f"prometheus.io/path={path[0]} ({path[1]})"
    otel = _otel_reason(annotations, containers)
    if otel:
        return "otel-http", otel
    scraped = _annotation(annotations, services, "prometheus.io/scrape")
    if scraped and scraped[0].lower() == "true":
        return "prometheus-http", f"prometheus.io/scrape=true ({scraped[1]})"
    return "none", "no metrics annotation, port name or image that names a preset"


def _istio_reason(
    labels: dict[str, str], annotations: dict[str, str], containers: list[Any], ns: dict[str, str]
) -> str | None:
    for c in containers:
        if c.name == "istio-proxy" or (c.image and _ISTIO_PROXY_IMAGE.search(c.image)):
            return f"istio sidecar container {c.name} ({c.image})"
    inject = annotations.get("sidecar.istio.io/inject", labels.get("sidecar.istio.io/inject"))
    if inject is not None:
        return f"sidecar.istio.io/inject={inject}" if inject.lower() == "true" else None
    if ns.get("istio-injection") == "enabled":
        return "namespace label istio-injection=enabled"
    if "istio.io/rev" in ns:
        return f"namespace label istio.io/rev={ns['istio.io/rev']}"
    return None


def _otel_reason(annotations: dict[str, str], containers: list[Any]) -> str | None:
    for key, value in sorted(annotations.items()):
        if key.startswith("instrumentation.opentelemetry.io/inject-") and value.lower() != "false":
            return f"{key}={value}"
    for c in containers:
        for env in c.env or []:
            if env.name.startswith("OTEL_"):
                return f"env {env.name} on container {c.name}"
    return None


def _port_names(containers: list[Any], services: list[Any]) -> list[tuple[str, str]]:
    names = []
    for svc in services:
        for port in svc.spec.ports or []:
            if port.name:
                names.append((port.name, f"Service {svc.metadata.name}"))
    for c in containers:
        for port in c.ports or []:
            if port.name:
                names.append((port.name, f"container {c.name}"))
    return names


def _annotation(
    annotations: dict[str, str], services: list[Any], key: str
) -> tuple[str, str] | None:
    """An annotation from the Pod template, else from a selecting Service."""
    if key in annotations:
        return annotations[key], "pod template"
    for svc in services:
        value = (svc.metadata.annotations or {}).get(key)
        if value is not None:
            return value, f"Service {svc.metadata.name}"
    return None


def guess_scrape(w: Any, services: list[Any], notes: list[str]) -> dict[str, Any] | None:
    """``metrics.scrape`` from ``prometheus.io/*`` annotations (None when not scraped)."""
    _, annotations, pod_spec = _template(w)
    scraped = _annotation(annotations, services, "prometheus.io/scrape")
    if not scraped or scraped[0].lower() != "true":
        return None
    if not services:
        notes.append(
            "annotated for scraping but no Service selects its Pods: a ServiceMonitor needs "
            "one, so metrics.scrape was left out"
        )
        return None
    scrape: dict[str, Any] = {"port": _scrape_port(annotations, services, pod_spec, notes)}
    path = _annotation(annotations, services, "prometheus.io/path")
    if path and path[0].startswith("/") and path[0] != "/metrics":
        scrape["path"] = path[0]
    interval = _annotation(annotations, services, "prometheus.io/interval")
    if interval and _DURATION.match(interval[0]):
        scrape["interval"] = interval[0]
    name = w.metadata.name
    if not any((s.metadata.labels or {}).get(SERVICE_NAME_LABEL) == name for s in services):
        notes.append(
            f"no selecting Service has the label {SERVICE_NAME_LABEL}={name}, which the "
            "rendered ServiceMonitor selects: add it to the Service"
        )
    return scrape


def _scrape_port(
    annotations: dict[str, str], services: list[Any], pod_spec: Any, notes: list[str]
) -> str | int:
    """The Service port name for ``prometheus.io/port`` (a number when none is named)."""
    port = _annotation(annotations, services, "prometheus.io/port")
    container_ports = {
        p.container_port: p.name for c in _containers(pod_spec) for p in c.ports or []
    }
    if port:
        value = port[0].strip()
        for svc in services:
            for sp in svc.spec.ports or []:
                target = sp.target_port
                matches = value in (str(sp.port), str(target), sp.name)
                if not matches and isinstance(target, str) and value.isdigit():
                    matches = container_ports.get(int(value)) == target
                if matches and sp.name:
                    return sp.name
        if value.isdigit():
            return int(value)
        return value
    for svc in services:
        for sp in svc.spec.ports or []:
            if sp.name and "metrics" in sp.name:
                return sp.name
    named = [sp.name for svc in services for sp in svc.spec.ports or [] if sp.name]
    if len(named) == 1:
        return named[0]
    notes.append("no prometheus.io/port annotation: check metrics.scrape.port")
    return "metrics"
