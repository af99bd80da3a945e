"""The `manifests` renderer: Kubernetes objects for GitOps (Argo CD, Flux) under ``manifests/``.

Per service, ``manifests/services/<service>.yaml`` holds its PrometheusRule (from the alerts
renderer's rule file), its ServiceMonitor (when ``metrics.scrape`` is set) and a ConfigMap per
dashboard (from the dashboards renderer) for the Grafana sidecar, or with
``metadata.dashboards.delivery: grafana-operator`` a ``GrafanaDashboard`` per dashboard plus
``manifests/platform/grafana-folders.yaml`` (a ``GrafanaFolder`` per team). Units of those renderers
that belong to no service (the overviews) become ``manifests/platform/<renderer>-<key>.yaml``.
When a service uses the istio preset, ``manifests/platform/istio-sidecars.yaml`` holds a
PodMonitor for the Envoy sidecars of those namespaces (where the istio metrics come from).
When a team owns services, ``manifests/platform/event-exporter.yaml`` runs
kubernetes-event-exporter (``obskit.renderers.events``, docs/events.md). With
``metadata.access.enabled``, ``manifests/platform/access.yaml`` holds the team RBAC, the
monitoring NetworkPolicies and the Elasticsearch roles (``obskit.renderers.access``).
``manifests/kustomization.yaml`` lists every file and adds the common labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

from obskit.catalog.model import Catalog, ResolvedService, dashboards_settings
from obskit.render.registry import Files, RenderUnit, catalog_inputs, service_inputs
from obskit.render.serialize import dump_yaml
from obskit.renderers.manifests.names import ManifestError, check_labels, slug
from obskit.stack import MANAGED_BY_LABELS, OVERVIEW_FOLDER, STACK_NAMESPACE

#: renderers whose files become objects (dashboards -> ConfigMaps, alerts -> PrometheusRules)
SOURCES = ("dashboards", "alerts")
ROOT = "manifests"
PART_OF_LABEL = "app.kubernetes.io/part-of"
KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"

Source = tuple[str, RenderUnit]


class _LazySerializer:
    """Builds the (not free) ``ApiClient`` once per render, on the first object."""

    def __init__(self) -> None:
        self._ser: Any = None

    def get(self) -> Any:
        if self._ser is None:
            from obskit.renderers.manifests.objects import Serializer

            self._ser = Serializer()
        return self._ser


def _fingerprint(base: bytes, sources: list[Source]) -> bytes:
    h = hashlib.sha256(base)
    for name, unit in sources:
        h.update(b"\0" + name.encode() + b"\0" + unit.key.encode() + b"\0")
        h.update(hashlib.sha256(unit.inputs).digest())
    return h.digest()


def _owner(key: str, services: dict[str, ResolvedService]) -> str | None:
    """The service an upstream unit renders: key ``service/<name>`` (or just ``<name>``)."""
    name = key.removeprefix("service/")
    return name if name in services else None


def common_labels(catalog: Catalog) -> dict[str, str]:
    labels = {**MANAGED_BY_LABELS, PART_OF_LABEL: catalog.metadata.name}
    return check_labels(labels, "the kustomization's common labels")


class _Renderer:
    name = "manifests"
    folders = (ROOT,)

    def __init__(self, sources: tuple[str, ...] = SOURCES) -> None:
        self.sources = sources

    def _upstream(self, catalog: Catalog) -> Iterator[Source]:
        from obskit.render.registry import renderer_units

        for name in self.sources:
            for unit in renderer_units(name, catalog):
                yield name, unit

    def units(self, catalog: Catalog) -> Iterable[RenderUnit]:
        ser = _LazySerializer()
        services = {s.name: s for s in catalog.services}
        by_service: dict[str, list[Source]] = {name: [] for name in services}
        platform: list[Source] = []
        for name, unit in self._upstream(catalog):
            owner = _owner(unit.key, services)
            (by_service[owner] if owner else platform).append((name, unit))
        resources: list[str] = []
        for service in catalog.services:
            path = f"services/{service.name}.yaml"
            resources.append(path)
            sources = by_service[service.name]
            yield RenderUnit(
                key=f"service/{service.name}",
                inputs=_fingerprint(service_inputs(catalog, service), sources),
                produce=_producer(ser, catalog, services, path, sources, service),
            )
        whole = catalog_inputs(catalog)
        taken: dict[str, str] = {}
        for name, unit in platform:
            path = f"platform/{name}-{slug(unit.key)}.yaml"
            if path in taken:
                raise ManifestError(
                    f"{name} units {taken[path]!r} and {unit.key!r} both map to {path}"
                )
            taken[path] = unit.key
            resources.append(path)
            yield RenderUnit(
                key=f"platform/{name}/{unit.key}",
                inputs=_fingerprint(whole, [(name, unit)]),
                produce=_producer(ser, catalog, services, path, [(name, unit)], None),
            )
        istio = sorted({s.namespace for s in catalog.services if s.metrics.preset == "istio"})
        if istio:
            path = "platform/istio-sidecars.yaml"
            resources.append(path)
            yield RenderUnit(
                key="platform/istio-sidecars",
                inputs="\0".join([catalog.metadata.name, *istio]).encode(),
                produce=_istio_producer(ser, catalog, path, istio),
            )
        folders = _folders_unit(ser, catalog)
        if folders is not None:
            resources.append(folders.key + ".yaml")
            yield folders
        events = _events_unit(ser, catalog)
        if events is not None:
            resources.append(events.key + ".yaml")
            yield events
        access = _access_unit(ser, catalog)
        if access is not None:
            resources.append(access.key + ".yaml")
            yield access
        kustomization = kustomization_file(catalog, resources)
        yield RenderUnit(
            key="kustomization",
            inputs=kustomization,
            produce=lambda: {f"{ROOT}/kustomization.yaml": kustomization},
        )


def _producer(
    ser: _LazySerializer,
    catalog: Catalog,
    services: dict[str, ResolvedService],
    path: str,
    sources: list[Source],
    service: ResolvedService | None,
):
    def produce() -> Files:
        from obskit.render.registry import shared_produce
        from obskit.renderers.manifests.build import objects_for_files, sort_and_check
        from obskit.renderers.manifests.objects import service_monitor
        from obskit.renderers.manifests.rawyaml import dump_documents

        s = ser.get()
        objects = []
        for name, unit in sources:
            files = shared_produce(name, unit)
            objects.extend(
                objects_for_files(s, services, files, service, dashboards_settings(catalog))
            )
        if service is not None:
            monitor = service_monitor(s, service)
            if monitor is not None:
                objects.append(monitor)
        what = f"service {service.name}" if service else path
        header = f"Generated by obskit from the catalog `{catalog.metadata.name}` ({what}).\n"
        header += "Do not edit: change the catalog and run `obskit render`."
        docs = sort_and_check(objects, f"{ROOT}/{path}")
        return {f"{ROOT}/{path}": dump_documents(docs, header)}

    return produce


def _istio_producer(ser: _LazySerializer, catalog: Catalog, path: str, namespaces: list[str]):
    def produce() -> Files:
        from obskit.renderers.manifests.objects import istio_sidecar_pod_monitor
        from obskit.renderers.manifests.rawyaml import dump_documents

        monitor = istio_sidecar_pod_monitor(
            ser.get(), "obskit-istio-sidecars", STACK_NAMESPACE, namespaces
        )
        header = (
            f"Generated by obskit from the catalog `{catalog.metadata.name}`: the Envoy "
            "sidecars of the\nnamespaces of services with the istio preset. Do not edit."
        )
        return {f"{ROOT}/{path}": dump_documents([monitor], header)}

    return produce


def _folders_unit(ser: _LazySerializer, catalog: Catalog) -> RenderUnit | None:
    """``platform/grafana-folders.yaml`` (grafana-operator delivery): a folder per team.

    One ``GrafanaFolder`` per team owning a service, and one for the overviews, in the
    platform namespace; dashboards name them by uid (docs/grafana-operator.md).
    """
    settings = dashboards_settings(catalog)
    if settings.delivery != "grafana-operator":
        return None
    path = "platform/grafana-folders.yaml"
    teams = sorted({s.team for s in catalog.services})
    folders = [*teams, OVERVIEW_FOLDER]
    from obskit.renderers.access.grafana import applied_folder_permissions

    permissions = applied_folder_permissions(catalog)

    def produce() -> Files:
        from obskit.renderers.manifests.build import sort_and_check
        from obskit.renderers.manifests.objects import grafana_folder
        from obskit.renderers.manifests.rawyaml import dump_documents

        objects = [
            grafana_folder(
                ser.get(),
                folder=folder,
                namespace=STACK_NAMESPACE,
                instance_labels=settings.instance_labels,
                permissions=permissions,
            )
            for folder in folders
        ]
        header = (
            f"Generated by obskit from the catalog `{catalog.metadata.name}`: a Grafana folder "
            "per team\nand one for the overviews (grafana-operator). Do not edit."
        )
        docs = sort_and_check(objects, f"{ROOT}/{path}")
        return {f"{ROOT}/{path}": dump_documents(docs, header)}

    inputs = dump_yaml(
        {
            "catalog": catalog.metadata.name,
            "folders": folders,
            "permissions": permissions,
            "settings": settings.model_dump(mode="json"),
        }
    )
    return RenderUnit(key=path.removesuffix(".yaml"), inputs=inputs, produce=produce)


def _events_unit(ser: _LazySerializer, catalog: Catalog) -> RenderUnit | None:
    """``platform/event-exporter.yaml``: events to team chats and Elasticsearch (events.md)."""
    from obskit.renderers.events.config import exporter_config, secret_env

    config = exporter_config(catalog)
    if not config["receivers"]:
        return None
    path = "platform/event-exporter.yaml"

    def produce() -> Files:
        from obskit.renderers.events.objects import event_exporter_objects
        from obskit.renderers.manifests.build import sort_and_check
        from obskit.renderers.manifests.rawyaml import dump_documents

        header = (
            f"Generated by obskit from the catalog `{catalog.metadata.name}`: Kubernetes events "
            "to each\nteam's chat and to Elasticsearch (docs/events.md). Do not edit."
        )
        docs = sort_and_check(event_exporter_objects(ser.get(), catalog), f"{ROOT}/{path}")
        return {f"{ROOT}/{path}": dump_documents(docs, header)}

    inputs = dump_yaml({"config": config, "env": secret_env(catalog)})
    return RenderUnit(key=path.removesuffix(".yaml"), inputs=inputs, produce=produce, cost=40)


def events_files(catalog: Catalog) -> Files:
    """The event exporter's manifests file (empty without receivers); lint reads it."""
    unit = _events_unit(_LazySerializer(), catalog)
    return unit.produce() if unit is not None else {}


def _access_unit(ser: _LazySerializer, catalog: Catalog) -> RenderUnit | None:
    """``platform/access.yaml``: team RBAC, NetworkPolicies, ES roles (docs/access.md)."""
    from obskit.renderers.access import access_settings
    from obskit.renderers.access.objects import PATH, access_files

    if access_settings(catalog) is None:
        return None
    return RenderUnit(
        key=PATH.removesuffix(".yaml"),
        inputs=catalog_inputs(catalog),
        produce=lambda: access_files(catalog, ser.get()),
    )


def kustomization_file(catalog: Catalog, resources: list[str]) -> bytes:
    """``manifests/kustomization.yaml``: every file, sorted, plus the common labels."""
    data = {
        "apiVersion": KUSTOMIZE_API,
        "kind": "Kustomization",
        "labels": [{"includeSelectors": False, "pairs": common_labels(catalog)}],
        "resources": sorted(resources),
    }
    return dump_yaml(data, header="Generated by obskit: `kubectl kustomize manifests/` builds it.")


RENDERER = _Renderer()
