"""``helm-values/helmfile.yaml``: every release of every environment, pinned and ordered.

One release set per environment: each set targets the kube context named like the
environment's cluster and carries the label ``environment=<name>``, so
``helmfile -f helm-values/helmfile.yaml -l environment=staging apply`` installs one
environment. An environment with several clusters or a central store has one set per
cluster (label ``cluster=<name>``, its own kube context, its overlay
``<env>/<cluster>/kube-prometheus-stack.yaml``) and, for ``central.kind: mimir``, the
``mimir`` release on the central cluster (label ``central=true``). ``needs`` orders the
installs (ECK operator -> eck-stack -> collectors and Jaeger); kube-prometheus-stack
installs its own CRDs and needs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from obskit.catalog.clusters import resolved_clusters
from obskit.catalog.model import Catalog
from obskit.renderers.helm import central, keyindex
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.kubernetes_dashboard import host as dashboard_host
from obskit.renderers.helm.sizing import Sizing, sizing
from obskit.stack import (
    DASHBOARD_RELEASE,
    ECK_OPERATOR_RELEASE,
    ECK_STACK_RELEASE,
    FLUENT_BIT_RELEASE,
    FLUENTD_RELEASE,
    JAEGER_RELEASE,
    KPS_RELEASE,
    KSM_RELEASE,
    STACK_NAMESPACE,
)

#: Helm repositories of the pinned charts
REPOSITORIES = {
    "prometheus-community": "https://prometheus-community.github.io/helm-charts",
    "elastic": "https://helm.elastic.co",
    "fluent": "https://fluent.github.io/helm-charts",
    "jaegertracing": "https://jaegertracing.github.io/helm-charts",
    "kubernetes-dashboard": "https://kubernetes.github.io/dashboard/",
    "grafana": "https://grafana.github.io/helm-charts",
}


@dataclass(frozen=True)
class Release:
    name: str
    chart: str
    repository: str
    needs: tuple[str, ...] = ()


#: in install order
RELEASES = (
    Release(ECK_OPERATOR_RELEASE, "eck-operator", "elastic"),
    Release(ECK_STACK_RELEASE, "eck-stack", "elastic", (ECK_OPERATOR_RELEASE,)),
    Release(KPS_RELEASE, "kube-prometheus-stack", "prometheus-community"),
    Release(KSM_RELEASE, "kube-state-metrics", "prometheus-community"),
    Release(FLUENTD_RELEASE, "fluentd", "fluent", (ECK_STACK_RELEASE,)),
    Release(FLUENT_BIT_RELEASE, "fluent-bit", "fluent", (ECK_STACK_RELEASE,)),
    Release(JAEGER_RELEASE, "jaeger", "jaegertracing", (ECK_STACK_RELEASE,)),
    Release(DASHBOARD_RELEASE, "kubernetes-dashboard", "kubernetes-dashboard"),
)


def chart_version(chart: str) -> str:
    """The pinned version of ``chart`` (the committed key index's)."""
    return keyindex.available()[chart]


def _installed(release: Release, size: Sizing) -> tuple[bool, str | None]:
    if release.chart == "kube-state-metrics":
        return False, "kube-prometheus-stack runs kube-state-metrics as a subchart; this\n" + (
            "release is for clusters that install it separately (set kubeStateMetrics.enabled\n"
            "false in kube-prometheus-stack's overrides then)."
        )
    if release.chart == "fluentd":
        return not size.fluent_bit, "The log collector unless the environment picks fluent-bit."
    if release.chart == "fluent-bit":
        return size.fluent_bit, "Lighter alternative collector: environments.<env>.fluentBit."
    return True, None


def _uses_mimir(catalog: Catalog) -> bool:
    return any(e.central and e.central.kind == "mimir" for e in catalog.environments.values())


def _central_releases(catalog: Catalog, env: str) -> list[dict[str, Any]]:
    """The central store's release (``central.kind: mimir``) on its cluster."""
    spec = catalog.environments[env]
    if spec.central is None or spec.central.kind != "mimir":
        return []
    home = central.central_cluster(env, spec, catalog)
    cluster = next(c for c in resolved_clusters(env, spec, catalog) if c.name == home)
    return [
        {
            "name": central.MIMIR_RELEASE,
            "namespace": STACK_NAMESPACE,
            "chart": "grafana/mimir-distributed",
            "version": chart_version("mimir-distributed"),
            "kubeContext": cluster.context or cluster.name,
            "labels": {"environment": env, "cluster": cluster.name, "central": "true"},
            "installed": True,
            "values": [f"{env}/mimir-distributed.yaml"],
        }
    ]


def helmfile(catalog: Catalog) -> Values:
    """The helmfile document."""
    values = Values()
    with_dashboard = any(dashboard_host(catalog, env) for env in catalog.environments)
    values.set(
        "repositories",
        [
            {"name": name, "url": url}
            for name, url in REPOSITORIES.items()
            if (name != "kubernetes-dashboard" or with_dashboard)
            and (name != "grafana" or _uses_mimir(catalog))
        ],
    )
    values.set(
        "helmDefaults",
        {"createNamespace": True, "wait": True, "timeout": 900, "atomic": False},
        why="wait: a release is ready before the ones that need it are installed.",
    )
    releases: list[dict[str, Any]] = []
    comments = []
    for env in catalog.environments:
        size = sizing(catalog, env)
        spec = catalog.environments[env]
        multi = central.multi_cluster(spec)
        for cluster in resolved_clusters(env, spec, catalog):
            context = cluster.context or cluster.name
            labels = {"environment": env, **({"cluster": cluster.name} if multi else {})}
            for release in RELEASES:
                if release.chart == "kubernetes-dashboard" and dashboard_host(catalog, env) is None:
                    continue  # only with metadata.access and its proxy (docs/access.md)
                installed, why = _installed(release, size)
                files = [f"{env}/{release.chart}.yaml"]
                if multi and release.chart == "kube-prometheus-stack":
                    files.append(f"{env}/{cluster.name}/{release.chart}.yaml")
                entry: dict[str, Any] = {
                    "name": release.name,
                    "namespace": STACK_NAMESPACE,
                    "chart": f"{release.repository}/{release.chart}",
                    "version": chart_version(release.chart),
                    "kubeContext": context,
                    "labels": dict(labels),
                    "installed": installed,
                    "values": files,
                }
                if release.needs:
                    entry["needs"] = [f"{context}/{STACK_NAMESPACE}/{n}" for n in release.needs]
                releases.append(entry)
                if why:
                    comments.append(f"{env}/{release.name}: {why}")
        releases.extend(_central_releases(catalog, env))
    values.set(
        "releases",
        releases,
        why=(
            "One set per environment (label environment=<name>, kube context = the\n"
            "environment's cluster name), pinned chart versions, needs = install order.\n"
            + "\n".join(sorted(set(c.split(": ", 1)[1].replace("\n", " ") for c in comments)))
        ),
    )
    return values
