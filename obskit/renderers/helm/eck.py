"""ECK: the operator (CRDs + controller) and the eck-stack release (Elasticsearch + Kibana)."""

from __future__ import annotations

from typing import Any

from obskit.renderers.helm.alertmanager import pvc_spec
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.sizing import Sizing
from obskit.stack import ELASTICSEARCH_NAME, KIBANA_NAME, MONITOR_SELECTOR_LABELS, STACK_NAMESPACE


def operator(size: Sizing) -> Values:
    """Values of the eck-operator chart."""
    values = Values()
    values.set(
        "installCRDs",
        True,
        why="The operator release owns the ECK CRDs; eck-stack is installed after it.",
    )
    values.set(
        "managedNamespaces",
        [STACK_NAMESPACE],
        why="Only the observability stack's namespace holds Elastic resources: least privilege.",
    )
    values.set(
        "resources",
        {"requests": {"cpu": "100m", "memory": "150Mi"}, "limits": {"memory": "1Gi"}},
    )
    values.set(
        "config.metrics.port",
        "9090",
        why="Expose operator metrics for the PodMonitor below (0 disables them).",
    )
    values.set("podMonitor.enabled", True)
    values.set(
        "podMonitor.labels",
        dict(MONITOR_SELECTOR_LABELS),
        why="Selected by kube-prometheus-stack's Prometheus (obskit.stack).",
    )
    return values


def _nodeset(size: Sizing) -> dict[str, Any]:
    es = size["elasticsearch"]
    return {
        "name": "default",
        "count": es["replicas"],
        "config": {"node.store.allow_mmap": False},
        "podTemplate": {
            "spec": {
                "containers": [{"name": "elasticsearch", "resources": es["resources"]}],
            }
        },
        "volumeClaimTemplates": [
            {
                "metadata": {"name": "elasticsearch-data"},
                "spec": pvc_spec(es["storage"], size.storage_class),
            }
        ],
    }


def stack(size: Sizing, per_team_roles: bool = False) -> Values:
    """Values of the eck-stack chart (eck-elasticsearch and eck-kibana subcharts)."""
    values = Values()
    es = "eck-elasticsearch"
    values.set(f"{es}.enabled", True)
    if per_team_roles:
        from obskit.renderers.access.logs import ROLES_SECRET

        values.set(
            f"{es}.auth.roles",
            [{"secretName": ROLES_SECRET}],
            why=(
                "File-realm roles (docs/access.md): per team read of its own log indices;\n"
                f"the Secret {ROLES_SECRET} is in manifests/platform/access.yaml (no credential)."
            ),
        )
    values.set(
        f"{es}.fullnameOverride",
        ELASTICSEARCH_NAME,
        why=(
            "The Elasticsearch resource's name: ECK derives the Service\n"
            f"{ELASTICSEARCH_NAME}-es-http and the Secret {ELASTICSEARCH_NAME}-es-elastic-user"
            " from it,\nwhich the collectors, Jaeger and Grafana use."
        ),
    )
    values.set(
        f"{es}.nodeSets",
        [_nodeset(size)],
        why=(
            "One node set of master+data nodes sized from the environment. The JVM heap is\n"
            "derived from the memory limit by Elasticsearch itself. allow_mmap: false avoids\n"
            "needing vm.max_map_count on the nodes (slightly slower, works everywhere)."
        ),
    )
    values.set(
        f"{es}.http",
        {"tls": {"selfSignedCertificate": {"disabled": True}}},
        why=(
            "Plain HTTP on the in-cluster Service: collectors, Jaeger and Grafana then need no\n"
            "CA bundle. Authentication stays on (ECK's elastic user). Remove this to get ECK's\n"
            "self-signed TLS, and give every client the CA from <name>-es-http-certs-public."
        ),
    )
    kb = "eck-kibana"
    values.set(f"{kb}.enabled", True)
    values.set(
        f"{kb}.fullnameOverride",
        KIBANA_NAME,
        why=f"Kibana's Service is {KIBANA_NAME}-kb-http (obskit.stack.KIBANA_NAME).",
    )
    values.set(
        f"{kb}.elasticsearchRef",
        {"name": ELASTICSEARCH_NAME},
        why="ECK wires Kibana to this Elasticsearch (URL, credentials, CA) by reference.",
    )
    values.set(f"{kb}.count", 2 if size.profile == "production" else 1)
    return values
