"""The adapter: every Kubernetes API call of `obskit discover` (and its error messages).

It reads Deployments, StatefulSets, DaemonSets, Services and (when allowed) Namespaces
through the official client, from a kubeconfig or the in-cluster service account, and
turns every failure into a :class:`DiscoveryError` with one line a human can act on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

#: namespaces skipped unless named with --namespace
SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
PAGE_SIZE = 500
#: (connect, read) seconds for every API call
REQUEST_TIMEOUT = (5, 30)


class DiscoveryError(Exception):
    """The cluster cannot be read: no config, unreachable, credentials or RBAC refused."""


@dataclass
class ClusterSnapshot:
    """What discovery read: client model objects (``V1Deployment`` ...), sorted by the caller."""

    deployments: list[Any] = field(default_factory=list)
    statefulsets: list[Any] = field(default_factory=list)
    daemonsets: list[Any] = field(default_factory=list)
    services: list[Any] = field(default_factory=list)
    #: namespace -> labels; None when Namespaces could not be read (RBAC)
    namespace_labels: dict[str, dict[str, str]] | None = None
    #: kubeconfig context the snapshot came from ("in-cluster" inside a Pod)
    context: str | None = None
    #: namespaces that were scanned (empty: all but the system ones)
    namespaces: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


def kubeconfig_paths(explicit: str | None) -> str:
    return explicit or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


def connect(context: str | None = None, kubeconfig: str | None = None) -> tuple[Any, str]:
    """An ``ApiClient`` for ``context`` of the kubeconfig, or in-cluster; and its name."""
    from kubernetes import config
    from kubernetes.client import ApiClient, Configuration

    paths = kubeconfig_paths(kubeconfig)
    existing = [p for p in paths.split(os.pathsep) if p and os.path.isfile(os.path.expanduser(p))]
    cfg = Configuration()
    if not existing:
        in_cluster = "KUBERNETES_SERVICE_HOST" in os.environ
        if kubeconfig or not in_cluster or context:
            raise DiscoveryError(
                f"no kubeconfig: {paths} does not exist (set KUBECONFIG or --kubeconfig)"
                + ("" if in_cluster else " and this is not running inside a cluster")
            )
        try:
            config.load_incluster_config(client_configuration=cfg)
        except config.ConfigException as exc:
            raise DiscoveryError(f"in-cluster configuration failed: {exc}") from None
        return ApiClient(cfg), "in-cluster"
    joined = os.pathsep.join(existing)
    try:
        contexts, current = config.list_kube_config_contexts(config_file=joined)
    except Exception as exc:  # a kubeconfig can fail to parse in many ways (YAML, keys)
        raise DiscoveryError(f"cannot read kubeconfig {joined}: {_first_line(exc)}") from None
    names = [c["name"] for c in contexts or []]
    if context and context not in names:
        raise DiscoveryError(
            f"context {context!r} is not in {joined} (contexts: {', '.join(names) or 'none'})"
        )
    try:
        config.load_kube_config(
            config_file=joined, context=context, client_configuration=cfg, persist_config=False
        )
    except Exception as exc:  # missing keys, bad base64, failing exec credential plugins
        raise DiscoveryError(f"cannot use kubeconfig {joined}: {_first_line(exc)}") from None
    cfg.retries = 1
    return ApiClient(cfg), context or (current or {}).get("name", "")


def read_cluster(
    context: str | None = None,
    namespaces: Sequence[str] = (),
    kubeconfig: str | None = None,
) -> ClusterSnapshot:
    """Read the workloads and Services of ``namespaces`` (default: all but the system ones)."""
    from kubernetes.client import AppsV1Api, CoreV1Api

    client, name = connect(context, kubeconfig)
    server = client.configuration.host
    apps, core = AppsV1Api(client), CoreV1Api(client)
    snap = ClusterSnapshot(context=name, namespaces=tuple(namespaces))
    with client:
        for attr, kind, every, per_ns in (
            ("deployments", "deployments", apps.list_deployment_for_all_namespaces,
             apps.list_namespaced_deployment),
            ("statefulsets", "statefulsets", apps.list_stateful_set_for_all_namespaces,
             apps.list_namespaced_stateful_set),
            ("daemonsets", "daemonsets", apps.list_daemon_set_for_all_namespaces,
             apps.list_namespaced_daemon_set),
            ("services", "services", core.list_service_for_all_namespaces,
             core.list_namespaced_service),
        ):  # fmt: skip
            items = _call(
                server, kind, namespaces, lambda e=every, n=per_ns: _list(e, n, namespaces)
            )
            if not namespaces:
                items = [i for i in items if i.metadata.namespace not in SYSTEM_NAMESPACES]
            setattr(snap, attr, items)
        snap.namespace_labels = _namespace_labels(core, server, namespaces, snap)
    return snap


def _list(every: Callable, per_ns: Callable, namespaces: Sequence[str]) -> list[Any]:
    if not namespaces:
        return list(_paged(every))
    return [item for ns in namespaces for item in _paged(per_ns, namespace=ns)]


def _paged(fn: Callable, **kwargs: Any) -> Iterator[Any]:
    token = None
    while True:
        page = fn(limit=PAGE_SIZE, _continue=token, _request_timeout=REQUEST_TIMEOUT, **kwargs)
        yield from page.items
        token = page.metadata._continue if page.metadata else None
        if not token:
            return


def _namespace_labels(
    core: Any, server: str, namespaces: Sequence[str], snap: ClusterSnapshot
) -> dict[str, dict[str, str]] | None:
    """Namespace labels (istio injection); None, with a note, when RBAC does not allow it."""
    from kubernetes.client.exceptions import ApiException

    try:
        if namespaces:
            found = [core.read_namespace(ns, _request_timeout=REQUEST_TIMEOUT) for ns in namespaces]
        else:
            found = list(_paged(core.list_namespace))
    except ApiException as exc:
        if exc.status in (401, 403, 404):
            snap.notes.append(
                "Namespaces are not readable (RBAC): istio injection by namespace label "
                "(istio-injection=enabled) was not detected"
            )
            return None
        raise _api_error(server, "namespaces", namespaces, exc) from None
    except _connection_errors() as exc:
        raise _connection_error(server, exc) from None
    return {n.metadata.name: dict(n.metadata.labels or {}) for n in found}


def _call(server: str, kind: str, namespaces: Sequence[str], fn: Callable[[], list[Any]]):
    from kubernetes.client.exceptions import ApiException

    try:
        return fn()
    except ApiException as exc:
        raise _api_error(server, kind, namespaces, exc) from None
    except _connection_errors() as exc:
        raise _connection_error(server, exc) from None


def _api_error(server: str, kind: str, namespaces: Sequence[str], exc: Any) -> DiscoveryError:
    where = f"in namespace {', '.join(namespaces)}" if namespaces else "in all namespaces"
    if exc.status == 401:
        return DiscoveryError(f"{server} rejected the credentials (401 Unauthorized)")
    if exc.status == 403:
        return DiscoveryError(
            f"access denied (403 Forbidden): RBAC does not allow listing {kind} {where}; "
            "discovery needs get/list on deployments, statefulsets, daemonsets and services"
        )
    if exc.status == 404 and namespaces:
        return DiscoveryError(f"{server}: {kind} not found {where} (does the namespace exist?)")
    return DiscoveryError(
        f"{server} answered {exc.status} {exc.reason or ''} listing {kind}".rstrip()
    )


def _connection_error(server: str, exc: Exception) -> DiscoveryError:
    reason = getattr(exc, "reason", None) or exc
    text = _first_line(reason)
    low = text.lower()
    if "ssl" in low or "certificate" in low:
        return DiscoveryError(f"TLS error talking to {server}: {text}")
    if "refused" in low:
        return DiscoveryError(f"cannot reach the Kubernetes API at {server}: connection refused")
    if "timed out" in low or "timeout" in low:
        return DiscoveryError(f"cannot reach the Kubernetes API at {server}: timed out")
    return DiscoveryError(f"cannot reach the Kubernetes API at {server}: {text}")


def _connection_errors() -> tuple[type[BaseException], ...]:
    """Transport failures (refused, DNS, TLS, timeouts) as raised through the client."""
    import urllib3

    return (urllib3.exceptions.HTTPError, OSError)


def _first_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
