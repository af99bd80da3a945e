"""Clusters of an environment and its central store: the combinations the catalog refuses,
and the resolved cluster list every renderer reads.

An environment has one cluster (``cluster:``, or its default) or several (``clusters:``);
``central`` names a store they all remote-write into and where the rules run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from obskit.catalog.errors import Problem
from obskit.catalog.model import Catalog, ClusterSpec, Environment

if TYPE_CHECKING:
    from obskit.catalog.loader import LoadedFile

#: external labels obskit sets itself on every cluster's series
RESERVED_CLUSTER_LABELS = ("cluster", "environment")


def environment_problems(f: LoadedFile) -> list[Problem]:
    """Every refused combination of ``clusters``, ``cluster`` and ``central`` in ``f``."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for env_name, env in sorted((f.document.environments or {}).items()):
        base = ("environments", env_name)
        problems += _env_problems(f, base, env, seen, env_name)
    return problems


def _env_problems(
    f: LoadedFile, base: tuple, env: Environment, seen: dict[str, str], env_name: str
) -> list[Problem]:
    out: list[Problem] = []

    def report(path: tuple, message: str, hint: str, *, key: bool = True) -> None:
        out.append(f.smap.problem((*base, *path), message, hint, key=key))

    if env.clusters is not None and env.cluster is not None:
        report(
            ("cluster",),
            "`cluster` and `clusters` are both set",
            f"list `{env.cluster}` under `clusters` and drop `cluster`",
        )
    if env.clusters is not None and not env.clusters:
        report(("clusters",), "`clusters` is empty", "list at least one cluster or drop the key")
    for i, cluster in enumerate(env.clusters or ()):
        if cluster.name in seen:
            report(
                ("clusters", i, "name"),
                f"cluster `{cluster.name}` is already listed in environment `{seen[cluster.name]}`",
                "cluster names are unique across the catalog: they label every series",
                key=False,
            )
        seen.setdefault(cluster.name, env_name)
        for label in cluster.labels:
            if label in RESERVED_CLUSTER_LABELS:
                report(
                    ("clusters", i, "labels", label),
                    f"label `{label}` is set by obskit",
                    "use another label name, e.g. provider or region",
                )
    central = env.central
    if central is None:
        return out
    if central.kind == "remote-write" and central.url is None:
        report(
            ("central",),
            "`central.kind: remote-write` needs `url`",
            "add url: <the endpoint's push URL, e.g. https://receive.example.com/api/v1/receive>",
        )
    if central.kind == "mimir" and central.url is None and len(env.clusters or ()) > 1:
        report(
            ("central",),
            "`central.kind: mimir` with several clusters needs `url`",
            "add url: the gateway's address the other clusters reach, e.g. "
            "https://mimir.example.com/api/v1/push",
        )
    if central.rules == "central" and central.kind != "mimir":
        report(
            ("central", "rules"),
            "`rules: central` needs `kind: mimir` (obskit writes rules for the Mimir ruler)",
            "use rules: local, where each cluster's Prometheus evaluates them, or kind: mimir",
        )
    if central.kind == "mimir" and central.ha_tracker is None and _replicas(env_name, env) > 1:
        report(
            ("central",),
            "`central.kind: mimir` with more than one Prometheus replica per cluster: each "
            "replica writes the same series, and every rate summed by cluster counts twice",
            "add haTracker: {store: consul | etcd, endpoints: [...]} (Mimir's HA "
            "deduplication), or set prometheus.replicas: 1 in this environment",
        )
    if central.ha_tracker is not None and central.kind != "mimir":
        report(
            ("central", "haTracker"),
            "`haTracker` is Mimir's; this store is `kind: remote-write`",
            "drop it and deduplicate in the store (e.g. Thanos --query.replica-label, "
            "VictoriaMetrics -dedup.minScrapeInterval)",
        )
    auth = central.auth
    if auth is not None and (auth.basic_auth is None) == (auth.bearer_token is None):
        report(
            ("central", "auth"),
            "`central.auth` needs exactly one of `basicAuth` and `bearerToken`",
            "keep one of them",
        )
    names = [c.name for c in env.clusters or ()] or ([env.cluster] if env.cluster else [])
    if central.cluster is not None and names and central.cluster not in names:
        report(
            ("central", "cluster"),
            f"`central.cluster: {central.cluster}` is not a cluster of this environment",
            f"use one of: {', '.join(names)}",
            key=False,
        )
    return out


def _replicas(name: str, env: Environment) -> int:
    """Prometheus replicas per cluster: the environment's, else its profile's default."""
    from obskit.renderers.helm.sizing import DEFAULTS, profile_of

    given = env.prometheus.replicas
    return int(
        given if given is not None else DEFAULTS[profile_of(name, env)]["prometheus"]["replicas"]
    )


def resolved_clusters(name: str, env: Environment, catalog: Catalog | None) -> list[ClusterSpec]:
    """The environment's clusters: ``clusters``, else its one cluster (``cluster``, else
    ``metadata.cluster`` for a production-like or only environment, else its name)."""
    if env.clusters:
        return list(env.clusters)
    if env.cluster:
        return [ClusterSpec(name=env.cluster)]
    if catalog is not None and catalog.metadata.cluster:
        from obskit.renderers.helm.sizing import profile_of

        only = len(catalog.environments) == 1
        if only or profile_of(name, env) == "production":
            return [ClusterSpec(name=catalog.metadata.cluster)]
    return [ClusterSpec(name=name)]


def central_cluster(name: str, env: Environment, catalog: Catalog) -> str | None:
    """The cluster running the environment's central stack (None without ``central``)."""
    if env.central is None:
        return None
    return env.central.cluster or resolved_clusters(name, env, catalog)[0].name


def paired_clusters(catalog: Catalog) -> tuple[str, ...]:
    """Two cluster names for the generated two-cluster promtool tests: those of the first
    environment listing more than one cluster; empty when none does."""
    for name, env in sorted(catalog.environments.items()):
        clusters = resolved_clusters(name, env, catalog)
        if len(clusters) > 1:
            return (clusters[0].name, clusters[1].name)
    return ()
