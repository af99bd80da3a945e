"""Many clusters, one central store: per-cluster kube-prometheus-stack values and Mimir.

For an environment with several ``clusters`` or a ``central`` store, each cluster gets
``helm-values/<env>/<cluster>/kube-prometheus-stack.yaml``, layered over the environment's
values in the helmfile: its ``cluster`` (and provider/region) external labels, the
``remoteWrite`` to the central store (tenant header, auth from a Secret), a short local
retention when the rules run centrally, and one Grafana (on the central cluster, over the
central store). ``kind: mimir`` adds ``helm-values/<env>/mimir-distributed.yaml``.

Pages go out once: with ``rules: central`` the clusters' Prometheus do not select obskit's
PrometheusRules and the Mimir ruler sends to the central cluster's Alertmanager (Mimir's
own Alertmanager is off); with ``rules: local`` each cluster evaluates and alerts itself
and Mimir only stores.
"""

from __future__ import annotations

from typing import Any

from obskit.catalog.clusters import central_cluster, resolved_clusters
from obskit.catalog.model import Catalog, Central, ClusterSpec, Environment
from obskit.renderers.access.logs import log_teams
from obskit.renderers.helm import grafana, wiring
from obskit.renderers.helm.commented import Values
from obskit.stack import KPS_RELEASE, MANAGED_BY_LABELS, STACK_NAMESPACE

MIMIR_RELEASE = "mimir"
MIMIR_GATEWAY = f"http://{MIMIR_RELEASE}-gateway.{STACK_NAMESPACE}.svc:80"
#: local retention when the central store keeps the history and evaluates the rules
CENTRAL_RULES_RETENTION = "1d"


def multi_cluster(env: Environment) -> bool:
    """Whether the environment gets per-cluster values (several clusters or a central)."""
    return env.central is not None or len(env.clusters or ()) > 1


def push_url(central: Central) -> str:
    """Where the clusters remote-write to."""
    return central.url or f"{MIMIR_GATEWAY}/api/v1/push"


def _queue(services: int) -> dict[str, Any]:
    """Queue settings for about 200 series per service scraped every 30s (10% headroom):
    one shard sends ~10k samples/s, so a few shards suffice; the maximum leaves room to
    catch up after an outage of the central store."""
    return {
        "capacity": 10000,
        "maxSamplesPerSend": 2000,
        "batchSendDeadline": "5s",
        "minShards": 1,
        "maxShards": min(50, max(10, services // 5)),
        "retryOnRateLimit": True,
    }


def remote_write(central: Central, services: int) -> dict[str, Any]:
    """One ``prometheusSpec.remoteWrite`` entry (Prometheus operator RemoteWriteSpec)."""
    entry: dict[str, Any] = {"url": push_url(central), "name": "central"}
    if central.tenant:
        entry["headers"] = {"X-Scope-OrgID": central.tenant}
    auth = central.auth
    if auth is not None and auth.basic_auth is not None:
        entry["basicAuth"] = {
            "username": auth.basic_auth.username.model_dump(),
            "password": auth.basic_auth.password.model_dump(),
        }
    elif auth is not None and auth.bearer_token is not None:
        entry["authorization"] = {
            "type": "Bearer",
            "credentials": auth.bearer_token.model_dump(),
        }
    entry["queueConfig"] = _queue(services)
    if central.rules == "central":
        # ALERTS are the central ruler's own: never sent twice
        entry["writeRelabelConfigs"] = [
            {
                "sourceLabels": ["__name__"],
                "regex": "ALERTS|ALERTS_FOR_STATE",
                "action": "drop",
            }
        ]
    return entry


def cluster_overlay(catalog: Catalog, env_name: str, cluster: ClusterSpec) -> Values:
    """``helm-values/<env>/<cluster>/kube-prometheus-stack.yaml``."""
    env = catalog.environments[env_name]
    values = Values()
    spec = "prometheus.prometheusSpec"
    values.set(
        f"{spec}.externalLabels",
        {**cluster.labels, "cluster": cluster.name, "environment": env_name},
        why="Every series and alert leaves this cluster labelled with it (rules keep it).",
    )
    central = env.central
    if central is not None:
        values.set(
            f"{spec}.remoteWrite",
            [remote_write(central, len(catalog.services))],
            why=(
                f"Into the central store ({central.kind}); credentials from a Secret in\n"
                f"namespace {STACK_NAMESPACE} (see docs/multicluster.md)."
            ),
        )
    if central is not None and central.rules == "central":
        values.set(
            f"{spec}.retention",
            CENTRAL_RULES_RETENTION,
            why="The central store keeps the history and evaluates the rules.",
        )
        values.set(
            f"{spec}.ruleSelector",
            {
                "matchLabels": {"release": KPS_RELEASE},
                "matchExpressions": [
                    {"key": key, "operator": "NotIn", "values": [value]}
                    for key, value in MANAGED_BY_LABELS.items()
                ],
            },
            why=(
                "obskit's PrometheusRules run on the Mimir ruler (rules: central): selecting\n"
                "them here too would page twice. The chart's own rules stay local."
            ),
        )
    _grafana(values, catalog, env_name, cluster)
    return values


def _grafana(values: Values, catalog: Catalog, env_name: str, cluster: ClusterSpec) -> None:
    env = catalog.environments[env_name]
    home = central_cluster(env_name, env, catalog)
    if env.central is None or _query_url(env.central) is None:
        return
    if cluster.name != home:
        values.set(
            "grafana.enabled",
            False,
            why=f"One Grafana per environment, on cluster {home}, over the central store.",
        )
        return
    central = env.central
    datasource: dict[str, Any] = {
        "name": "Central metrics",
        "uid": wiring.PROMETHEUS_UID,
        "type": "prometheus",
        "access": "proxy",
        "isDefault": True,
        "url": _query_url(central),
        "jsonData": {"timeInterval": "30s"},
    }
    if central.tenant:
        datasource["jsonData"]["httpHeaderName1"] = "X-Scope-OrgID"
        datasource["secureJsonData"] = {"httpHeaderValue1": central.tenant}
    values.set(
        "grafana.sidecar.datasources.defaultDatasourceEnabled",
        False,
        why="The default datasource is the central store (uid prometheus), not this cluster.",
    )
    values.set(
        "grafana.additionalDataSources",
        [datasource, *grafana.logs_and_traces(log_teams(catalog))],
        why="The central store (every cluster's series), logs and traces of this cluster.",
    )


def _query_url(central: Central) -> str | None:
    """What Grafana queries: ``queryUrl``, else (mimir) the gateway's Prometheus API."""
    if central.query_url:
        return central.query_url
    return f"{MIMIR_GATEWAY}/prometheus" if central.kind == "mimir" else None


def cluster_files(catalog: Catalog, env_name: str) -> dict[str, Values]:
    """``{<cluster>/kube-prometheus-stack: values}`` of a multi-cluster environment."""
    env = catalog.environments[env_name]
    if not multi_cluster(env):
        return {}
    return {
        f"{c.name}/kube-prometheus-stack": cluster_overlay(catalog, env_name, c)
        for c in resolved_clusters(env_name, env, catalog)
    }


def _ruler_limits(catalog: Catalog, central: Central) -> dict[str, int]:
    """Ruler limits from the rule groups obskit sends (twice them: room to grow); Mimir's
    defaults (70 groups per tenant, 20 rules per group) refuse a fleet's rules outright."""
    if central.rules != "central" or not catalog.services:
        return {"ruler_max_rule_groups_per_tenant": max(70, 4 * len(catalog.services))}
    from obskit.renderers.alerts import rulefile

    groups = [g for s in catalog.services for g in rulefile.groups(s)]
    largest = max(len(g["rules"]) for g in groups)
    return {
        "ruler_max_rule_groups_per_tenant": max(70, 2 * len(groups)),
        "ruler_max_rules_per_rule_group": max(20, 2 * largest),
    }


#: the external label prometheus-operator gives each replica (replicaExternalLabelName)
REPLICA_LABEL = "prometheus_replica"


def mimir_values(catalog: Catalog, env_name: str) -> Values | None:
    """``helm-values/<env>/mimir-distributed.yaml`` (``central.kind: mimir`` only)."""
    env = catalog.environments[env_name]
    central = env.central
    if central is None or central.kind != "mimir":
        return None
    from obskit.renderers.helm.sizing import profile_of

    production = profile_of(env_name, env) == "production"
    values = Values()
    values.set(
        "gateway.enabledNonEnterprise",
        True,
        why=f"The push and query entry point ({MIMIR_GATEWAY}).",
    )
    structured: dict[str, Any] = {
        "multitenancy_enabled": central.tenant is not None,
        "ruler": {
            "alertmanager_url": f"http://{wiring.ALERTMANAGER_SERVICE}.{STACK_NAMESPACE}.svc:9093",
            "enable_api": True,
        },
        "limits": {
            "max_global_series_per_user": max(150000, 2000 * len(catalog.services)),
            **_ruler_limits(catalog, central),
        },
    }
    if central.ha_tracker is not None:
        tracker = central.ha_tracker
        kv: dict[str, Any] = {"store": tracker.store}
        if tracker.store == "consul":
            kv["consul"] = {"host": tracker.endpoints[0]}
        else:
            kv["etcd"] = {"endpoints": list(tracker.endpoints)}
        structured["distributor"] = {"ha_tracker": {"enable_ha_tracker": True, "kvstore": kv}}
        structured["limits"].update(
            {
                "accept_ha_samples": True,
                "ha_cluster_label": "cluster",
                "ha_replica_label": REPLICA_LABEL,
            }
        )
    values.set(
        "alertmanager.enabled",
        False,
        why=(
            "The ruler sends to the central cluster's Alertmanager (kube-prometheus-stack),\n"
            "which has the teams' routes: one Alertmanager sends each page."
        ),
    )
    if central.object_storage_secret is not None:
        secret = central.object_storage_secret
        structured["common"] = {
            "storage": {
                "backend": "s3",
                "s3": {
                    "bucket_name": "${MIMIR_BUCKET}",
                    "endpoint": "${MIMIR_S3_ENDPOINT}",
                    "access_key_id": "${AWS_ACCESS_KEY_ID}",
                    "secret_access_key": "${AWS_SECRET_ACCESS_KEY}",
                },
            }
        }
        values.set("minio.enabled", False, why="Object storage is yours (objectStorageSecret).")
        values.set(
            "global.extraEnvFrom",
            [{"secretRef": {"name": secret}}],
            why=(
                f"Secret {secret}: MIMIR_BUCKET, MIMIR_S3_ENDPOINT, AWS_ACCESS_KEY_ID,\n"
                "AWS_SECRET_ACCESS_KEY (the ${VAR}s of mimir.structuredConfig)."
            ),
        )
    values.set(
        "mimir.structuredConfig",
        structured,
        why="Merged into the chart's Mimir config (multi-tenancy, ruler, limits, storage).",
    )
    replicas = 3
    values.set(
        "ingester.replicas",
        replicas,
        why="Replication factor 3: one ingester may be lost without losing samples.",
    )
    values.set(
        "ingester.persistentVolume.size",
        "50Gi" if production else "10Gi",
    )
    values.set(
        "ingester.zoneAwareReplication.enabled",
        production,
        why="Zone-aware replication needs nodes in three zones (production only).",
    )
    values.set("store_gateway.zoneAwareReplication.enabled", production)
    return values
