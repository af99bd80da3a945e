"""Builders for the objects the manifests renderer emits.

Core kinds are built from the ``kubernetes`` client's typed models and turned into plain
data by ``ApiClient.sanitize_for_serialization``, except the per-service ones (object
metadata, dashboard ConfigMaps: written as that data directly, as they are thousands and
the models cost ~20x more; the tests validate them); Prometheus Operator kinds have no typed
model there, so they are plain dicts with the same key layout (and the tests check them
against the pinned CRD schemas). ``kubernetes`` is imported lazily: only a render needs it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from obskit.catalog.model import ResolvedService
from obskit.renderers.manifests.names import ManifestError, check_labels, check_name
from obskit.stack import (
    GRAFANA_DASHBOARD_LABEL,
    GRAFANA_DASHBOARD_LABEL_VALUE,
    GRAFANA_FOLDER_ANNOTATION,
    MONITOR_SELECTOR_LABELS,
    OVERVIEW_FOLDER,
)

MONITORING_API = "monitoring.coreos.com/v1"
GRAFANA_OPERATOR_API = "grafana.integreatly.org/v1beta1"
#: grafana-operator's limit on a folder uid (``spec.uid``)
FOLDER_UID_MAX = 40
#: the API server refuses a ConfigMap whose data (keys + values) exceeds 1 MiB
CONFIGMAP_MAX_BYTES = 1024 * 1024
#: label the ServiceMonitor selects the service's Kubernetes Service by
SERVICE_NAME_LABEL = "app.kubernetes.io/name"


class Serializer:
    """One ``ApiClient`` per render (building one is not free), used for every object.

    The client is built on the first :meth:`data` call: the per-service kinds (metadata,
    ConfigMaps) are written as the plain data ``sanitize_for_serialization`` gives for them
    (names from the models' ``attribute_map``, ``None`` left out), which is ~20x cheaper.
    """

    def __init__(self) -> None:
        self._client: Any = None

    def data(self, model: Any) -> dict[str, Any]:
        if self._client is None:
            from kubernetes.client import ApiClient

            self._client = ApiClient()
        return self._client.sanitize_for_serialization(model)

    def metadata(
        self,
        name: str,
        namespace: str,
        *,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """``V1ObjectMeta(name, namespace, labels, annotations)`` as plain data."""
        meta: dict[str, Any] = {}
        if annotations:
            meta["annotations"] = dict(annotations)
        if labels:
            meta["labels"] = dict(labels)
        meta["name"] = name
        meta["namespace"] = namespace
        return meta


def dashboard_config_map(
    ser: Serializer,
    *,
    name: str,
    namespace: str,
    key: str,
    dashboard: bytes,
    folder: str,
    source: str,
    one_line: bytes | None = None,
) -> dict[str, Any]:
    """A ConfigMap the Grafana sidecar loads as one dashboard, into ``folder``.

    The dashboard is held as compact JSON on one line (the same value, keys in the same
    order): the indented file under ``dashboards/`` is what people review, and the compact
    copy makes the manifests ~3x smaller than a second indented copy (benchmarks/README.md).
    ``one_line``: that copy (with its final newline) when the caller has it already.
    """
    import orjson

    what = f"dashboard {source}"
    check_name("ConfigMap", name, what)
    labels = check_labels({GRAFANA_DASHBOARD_LABEL: GRAFANA_DASHBOARD_LABEL_VALUE}, what)
    try:
        compact = one_line or orjson.dumps(orjson.loads(dashboard)) + b"\n"
    except orjson.JSONDecodeError as exc:
        raise ManifestError(f"dashboard {source} is not JSON: {exc}") from None
    text = compact.decode("utf-8")
    _check_size(len(key.encode()) + len(compact), source, "ConfigMap")
    # V1ConfigMap(api_version, kind, metadata, data) as sanitize_for_serialization gives it
    return {
        "apiVersion": "v1",
        "data": {key: text},
        "kind": "ConfigMap",
        "metadata": ser.metadata(
            name, namespace, labels=labels, annotations={GRAFANA_FOLDER_ANNOTATION: folder}
        ),
    }


def _check_size(size: int, source: str, kind: str) -> None:
    """Refuse a dashboard over 1 MiB (the ConfigMap limit; kept for the CRs, see docs)."""
    if size > CONFIGMAP_MAX_BYTES:
        raise ManifestError(
            f"dashboard {source} is {size} bytes: too large for one {kind} "
            f"(the limit is {CONFIGMAP_MAX_BYTES} bytes); split the dashboard"
        )


def folder_uid(folder: str) -> str:
    """The Grafana folder uid of a team's folder (or of the overviews'): at most 40 chars."""
    uid = "obskit-overview" if folder == OVERVIEW_FOLDER else f"obskit-team-{folder}"
    if len(uid) <= FOLDER_UID_MAX:
        return uid
    digest = hashlib.sha256(folder.encode()).hexdigest()[:8]
    return f"{uid[: FOLDER_UID_MAX - 9]}-{digest}"


def folder_name(folder: str) -> str:
    """The name of the ``GrafanaFolder`` object of ``folder`` (in the platform namespace)."""
    return "obskit-overview" if folder == OVERVIEW_FOLDER else f"obskit-team-{folder}"


def _instance_selector(labels: dict[str, str], what: str) -> dict[str, Any]:
    return {"matchLabels": dict(sorted(check_labels(dict(labels), what).items()))}


def grafana_dashboard(
    ser: Serializer,
    *,
    name: str,
    namespace: str,
    dashboard: bytes,
    folder: str,
    instance_labels: dict[str, str],
    source: str,
) -> dict[str, Any]:
    """A grafana-operator ``GrafanaDashboard`` embedding the dashboard JSON unchanged.

    The folder is named by uid (``folderUID``): ``folderRef`` only reaches a GrafanaFolder
    in the same namespace, and a team's services may live in several namespaces.
    """
    what = f"dashboard {source}"
    check_name("GrafanaDashboard", name, what)
    _check_size(len(dashboard), source, "GrafanaDashboard")
    return {
        "apiVersion": GRAFANA_OPERATOR_API,
        "kind": "GrafanaDashboard",
        "metadata": ser.metadata(name, namespace),
        "spec": {
            "allowCrossNamespaceImport": True,
            "folderUID": folder_uid(folder),
            "instanceSelector": _instance_selector(instance_labels, what),
            "json": dashboard.decode("utf-8"),
        },
    }


def grafana_folder(
    ser: Serializer,
    *,
    folder: str,
    namespace: str,
    instance_labels: dict[str, str],
    permissions: str | None = None,
) -> dict[str, Any]:
    """A grafana-operator ``GrafanaFolder`` titled ``folder`` (a team, or the overviews),
    with ``permissions`` (Grafana's folder permissions API body, JSON) when given."""
    name = folder_name(folder)
    what = f"the Grafana folder {folder!r}"
    check_name("GrafanaFolder", name, what)
    spec: dict[str, Any] = {
        "allowCrossNamespaceImport": True,
        "instanceSelector": _instance_selector(instance_labels, what),
        "title": folder,
        "uid": folder_uid(folder),
    }
    if permissions is not None:
        spec["permissions"] = permissions
    return {
        "apiVersion": GRAFANA_OPERATOR_API,
        "kind": "GrafanaFolder",
        "metadata": ser.metadata(name, namespace),
        "spec": spec,
    }


def prometheus_rule(
    ser: Serializer, *, name: str, namespace: str, groups: list[Any] | str, source: str
) -> dict[str, Any]:
    """A PrometheusRule holding the groups of one rule file."""
    what = f"rule file {source}"
    check_name("PrometheusRule", name, what)
    return {
        "apiVersion": MONITORING_API,
        "kind": "PrometheusRule",
        "metadata": ser.metadata(
            name, namespace, labels=check_labels(dict(MONITOR_SELECTOR_LABELS), what)
        ),
        "spec": {"groups": groups},
    }


def service_monitor(ser: Serializer, service: ResolvedService) -> dict[str, Any] | None:
    """The ServiceMonitor scraping ``service`` (None without ``metrics.scrape``).

    It selects Services labelled ``app.kubernetes.io/name: <workload name>`` in the
    service's namespace. A named port is the Service port name; a number is the container
    port (``targetPort``). When the service's selector matches on ``job``, the scraped
    series get exactly that ``job`` label, so the preset queries match whatever the
    Kubernetes Service is called.
    """
    scrape = service.metrics.scrape
    if scrape is None:
        return None
    what = f"service {service.name}"
    check_name("ServiceMonitor", service.name, what)
    endpoint: dict[str, Any] = {"path": scrape.path, "interval": scrape.interval}
    if isinstance(scrape.port, int):
        endpoint["targetPort"] = scrape.port
    else:
        endpoint["port"] = scrape.port
    job = service.metrics.selector.get("job")
    if job is not None:
        endpoint["relabelings"] = [{"action": "replace", "targetLabel": "job", "replacement": job}]
    selector = check_labels({SERVICE_NAME_LABEL: service.workload_name}, what)
    return {
        "apiVersion": MONITORING_API,
        "kind": "ServiceMonitor",
        "metadata": ser.metadata(
            service.name,
            service.namespace,
            labels=check_labels(dict(MONITOR_SELECTOR_LABELS), what),
        ),
        "spec": {
            "endpoints": [endpoint],
            "namespaceSelector": {"matchNames": [service.namespace]},
            "selector": {"matchLabels": selector},
        },
    }


#: the Envoy sidecar's Prometheus port, as the Istio sidecar injector names it (15090)
ISTIO_ENVOY_PORT = "http-envoy-prom"
ISTIO_ENVOY_PATH = "/stats/prometheus"


def istio_sidecar_pod_monitor(
    ser: Serializer, name: str, namespace: str, namespaces: list[str], interval: str = "30s"
) -> dict[str, Any]:
    """A PodMonitor scraping the Envoy sidecars of ``namespaces`` (the istio preset's metrics).

    ``istio_requests_total`` and its histogram come from the sidecars, not the application,
    and kube-prometheus-stack does not scrape them by default. Every Pod in those namespaces
    is selected; the named port narrows the targets to the ``istio-proxy`` containers.
    """
    what = "the istio sidecar PodMonitor"
    check_name("PodMonitor", name, what)
    return {
        "apiVersion": MONITORING_API,
        "kind": "PodMonitor",
        "metadata": ser.metadata(
            name, namespace, labels=check_labels(dict(MONITOR_SELECTOR_LABELS), what)
        ),
        "spec": {
            "namespaceSelector": {"matchNames": sorted(namespaces)},
            "selector": {},
            "podMetricsEndpoints": [
                {"port": ISTIO_ENVOY_PORT, "path": ISTIO_ENVOY_PATH, "interval": interval}
            ],
        },
    }
