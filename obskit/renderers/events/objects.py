"""The Kubernetes objects that run kubernetes-event-exporter in the stack's namespace.

There is no Helm chart to pin (upstream deleted its chart in 2023 and points to Bitnami's),
so obskit writes the objects itself, following upstream ``deploy/`` at v1.7 with RBAC
narrowed to reading events and the metadata (labels) of the objects events are about.
"""

from __future__ import annotations

import hashlib
from typing import Any

from obskit.catalog.model import Catalog
from obskit.render.serialize import dump_yaml
from obskit.renderers.events.config import exporter_config, secret_env
from obskit.stack import STACK_NAMESPACE

NAME = "event-exporter"
#: upstream's last release (2024-02-23); the image tag its release workflow publishes
IMAGE = "ghcr.io/resmoio/kubernetes-event-exporter:v1.7"
CONFIG_KEY = "config.yaml"
LABELS = {"app.kubernetes.io/name": NAME}
#: events, and the kinds whose labels the exporter looks up to route by ``app``
READ_RULES = (
    ("", ("events", "pods", "nodes", "services", "persistentvolumeclaims")),
    ("events.k8s.io", ("events",)),
    ("apps", ("deployments", "replicasets", "statefulsets", "daemonsets")),
    ("batch", ("jobs", "cronjobs")),
    ("autoscaling", ("horizontalpodautoscalers",)),
)


def config_text(catalog: Catalog) -> str:
    """The exporter's config.yaml, as written into the ConfigMap."""
    return dump_yaml(exporter_config(catalog)).decode()


def event_exporter_objects(ser: Any, catalog: Catalog) -> list[dict[str, Any]]:
    """ServiceAccount, ClusterRole(+Binding), ConfigMap and Deployment."""
    from kubernetes import client as k

    text = config_text(catalog)
    meta = ser.metadata(NAME, STACK_NAMESPACE, labels=LABELS)
    cluster_meta = ser.metadata(NAME, None, labels=LABELS)
    rules = [
        k.V1PolicyRule(api_groups=[group], resources=list(res), verbs=["get", "list", "watch"])
        for group, res in READ_RULES
    ]
    container = k.V1Container(
        name=NAME,
        image=IMAGE,
        args=[f"-conf=/data/{CONFIG_KEY}"],
        env=secret_env(catalog),
        ports=[k.V1ContainerPort(name="metrics", container_port=2112)],
        volume_mounts=[k.V1VolumeMount(name="config", mount_path="/data", read_only=True)],
        resources=k.V1ResourceRequirements(
            requests={"cpu": "10m", "memory": "64Mi"}, limits={"memory": "256Mi"}
        ),
        security_context=k.V1SecurityContext(
            allow_privilege_escalation=False,
            read_only_root_filesystem=True,
            capabilities=k.V1Capabilities(drop=["ALL"]),
        ),
    )
    checksum = hashlib.sha256(text.encode()).hexdigest()
    pod = k.V1PodSpec(
        service_account_name=NAME,
        security_context=k.V1PodSecurityContext(
            run_as_non_root=True, seccomp_profile=k.V1SeccompProfile(type="RuntimeDefault")
        ),
        containers=[container],
        volumes=[k.V1Volume(name="config", config_map=k.V1ConfigMapVolumeSource(name=NAME))],
    )
    deployment = k.V1Deployment(
        api_version="apps/v1",
        kind="Deployment",
        metadata=meta,
        spec=k.V1DeploymentSpec(
            # one watcher: two would send every event twice
            replicas=1,
            strategy=k.V1DeploymentStrategy(type="Recreate"),
            selector=k.V1LabelSelector(match_labels=LABELS),
            template=k.V1PodTemplateSpec(
                metadata=k.V1ObjectMeta(
                    labels=LABELS, annotations={"obskit.io/config-sha256": checksum}
                ),
                spec=pod,
            ),
        ),
    )
    objects = [
        k.V1ServiceAccount(api_version="v1", kind="ServiceAccount", metadata=meta),
        k.V1ClusterRole(
            api_version="rbac.authorization.k8s.io/v1",
            kind="ClusterRole",
            metadata=cluster_meta,
            rules=rules,
        ),
        k.V1ClusterRoleBinding(
            api_version="rbac.authorization.k8s.io/v1",
            kind="ClusterRoleBinding",
            metadata=cluster_meta,
            role_ref=k.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=NAME
            ),
            subjects=[k.RbacV1Subject(kind="ServiceAccount", name=NAME, namespace=STACK_NAMESPACE)],
        ),
        k.V1ConfigMap(api_version="v1", kind="ConfigMap", metadata=meta, data={CONFIG_KEY: text}),
        deployment,
    ]
    return [ser.data(o) for o in objects]
