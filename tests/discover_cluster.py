"""A realistic small cluster, built with the kubernetes client's own models.

The objects carry what real ones carry where discovery looks: workload and Pod template
labels and annotations, container images, ports and env, Service selectors and ports,
namespace labels. ``api_json`` turns them into the API server's JSON for the fake server.
"""

from __future__ import annotations

from kubernetes import client as k

from obskit.discover.cluster import ClusterSnapshot


def container(name, image, ports=(), env=()):
    return k.V1Container(
        name=name,
        image=image,
        ports=[k.V1ContainerPort(name=n, container_port=p) for n, p in ports] or None,
        env=[k.V1EnvVar(name=e, value="x") for e in env] or None,
    )


def template(labels, annotations=None, containers=()):
    return k.V1PodTemplateSpec(
        metadata=k.V1ObjectMeta(labels=labels, annotations=annotations),
        spec=k.V1PodSpec(containers=list(containers)),
    )


def workload(kind, ns, name, labels=None, tpl_labels=None, annotations=None, containers=()):
    pod_labels = {"app.kubernetes.io/name": name, **(tpl_labels or {})}
    meta = k.V1ObjectMeta(name=name, namespace=ns, labels=labels)
    selector = k.V1LabelSelector(match_labels={"app.kubernetes.io/name": name})
    tpl = template(pod_labels, annotations, containers)
    if kind == "Deployment":
        return k.V1Deployment(
            api_version="apps/v1",
            kind=kind,
            metadata=meta,
            spec=k.V1DeploymentSpec(selector=selector, template=tpl),
        )
    if kind == "StatefulSet":
        return k.V1StatefulSet(
            api_version="apps/v1",
            kind=kind,
            metadata=meta,
            spec=k.V1StatefulSetSpec(selector=selector, template=tpl, service_name=name),
        )
    return k.V1DaemonSet(
        api_version="apps/v1",
        kind=kind,
        metadata=meta,
        spec=k.V1DaemonSetSpec(selector=selector, template=tpl),
    )


def service(ns, name, ports, selector=None, labels="default", annotations=None):
    if labels == "default":
        labels = {"app.kubernetes.io/name": name}
    return k.V1Service(
        api_version="v1",
        kind="Service",
        metadata=k.V1ObjectMeta(name=name, namespace=ns, labels=labels, annotations=annotations),
        spec=k.V1ServiceSpec(
            selector=selector or {"app.kubernetes.io/name": name},
            ports=[
                k.V1ServicePort(name=n, port=p, target_port=t, app_protocol=ap)
                for n, p, t, *rest in ports
                for ap in [rest[0] if rest else None]
            ],
        ),
    )


SCRAPE = "prometheus.io/scrape"


def shop_cluster() -> ClusterSnapshot:
    """An online shop: one workload per preset, plus the awkward cases."""
    deployments = [
        workload(
            "Deployment",
            "shop",
            "frontend",
            labels={"team": "storefront"},
            annotations={SCRAPE: "true", "prometheus.io/port": "8080"},
            containers=[
                container("frontend", "ghcr.io/shop/frontend:1.4.2", [("http-metrics", 8080)])
            ],
        ),
        workload(
            "Deployment",
            "shop",
            "checkout",
            labels={"team": "payments"},
            annotations={
                SCRAPE: "true",
                "prometheus.io/port": "9090",
                "prometheus.io/interval": "15s",
            },
            containers=[
                container(
                    "checkout", "ghcr.io/shop/checkout:2.0.0", [("grpc", 5050), ("metrics", 9090)]
                )
            ],
        ),
        workload(
            "Deployment",
            "shop",
            "catalog",
            tpl_labels={"app.kubernetes.io/part-of": "Storefront"},
            annotations={
                SCRAPE: "true",
                "prometheus.io/port": "8081",
                "prometheus.io/path": "/actuator/prometheus",
            },
            containers=[
                container(
                    "catalog", "eclipse-temurin:21-jre", [("http", 8080), ("management", 8081)]
                )
            ],
        ),
        workload(
            "Deployment",
            "shop",
            "cart",
            labels={"team": "storefront"},
            containers=[
                container(
                    "cart",
                    "ghcr.io/shop/cart:3.1",
                    [("http", 8080)],
                    env=["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME"],
                )
            ],
        ),
        workload(
            "Deployment",
            "shop",
            "payment",
            labels={"team": "payments"},
            tpl_labels={"sidecar.istio.io/inject": "true"},
            containers=[container("payment", "ghcr.io/shop/payment:5", [("http", 8080)])],
        ),
        workload(
            "Deployment",
            "payments",
            "risk-scorer",
            labels={"team": "payments"},
            containers=[container("risk", "ghcr.io/shop/risk:1", [("http", 8080)])],
        ),
        workload(
            "Deployment",
            "payments",
            "fraud-batch",
            labels={"team": "payments"},
            annotations={"sidecar.istio.io/inject": "false"},
            containers=[container("fraud", "ghcr.io/shop/fraud:1")],
        ),
        workload(
            "Deployment",
            "shop",
            "order-worker",
            labels={"team": "fulfilment"},
            annotations={SCRAPE: "true", "prometheus.io/port": "9100"},
            containers=[container("worker", "ghcr.io/shop/worker:1", [("metrics", 9100)])],
        ),
    ]
    statefulsets = [
        workload(
            "StatefulSet",
            "shop",
            "cart-redis",
            tpl_labels={"team": "storefront"},
            containers=[container("redis", "redis:7.2", [("redis", 6379)])],
        ),
        workload("StatefulSet", "cache", "redis", containers=[container("redis", "redis:7.2")]),
        workload("StatefulSet", "sessions", "redis", containers=[container("redis", "redis:7.2")]),
    ]
    daemonsets = [
        workload(
            "DaemonSet",
            "ingress-nginx",
            "ingress-nginx-controller",
            labels={"app.kubernetes.io/part-of": "Platform"},
            annotations={SCRAPE: "true", "prometheus.io/port": "10254"},
            containers=[
                container(
                    "controller",
                    "registry.k8s.io/ingress-nginx/controller:v1.11.2@sha256:d5f8217feeac4887cb1ed21f27c2674e58be06bd8f5184cacea2a69abaf78dce",
                    [("http", 80), ("https", 443), ("metrics", 10254)],
                )
            ],
        )
    ]
    services = [
        service("shop", "frontend", [("http", 80, "http"), ("http-metrics", 8080, 8080)]),
        service("shop", "checkout", [("grpc", 5050, 5050), ("metrics", 9090, 9090)]),
        service("shop", "catalog", [("http", 80, 8080), ("management", 8081, "management")]),
        service(
            "shop",
            "cart",
            [("http", 80, 8080)],
            labels={"app": "cart"},
            annotations={SCRAPE: "true", "prometheus.io/port": "8080"},
        ),
        service("shop", "payment", [("http", 80, 8080)]),
        service(
            "ingress-nginx",
            "ingress-nginx-controller-metrics",
            [("metrics", 10254, "metrics")],
            selector={"app.kubernetes.io/name": "ingress-nginx-controller"},
        ),
        service("shop", "cart-redis", [("redis", 6379, 6379)]),
    ]
    return ClusterSnapshot(
        deployments=deployments,
        statefulsets=statefulsets,
        daemonsets=daemonsets,
        services=services,
        namespace_labels={
            "shop": {},
            "payments": {"istio-injection": "enabled"},
            "ingress-nginx": {},
            "cache": {},
            "sessions": {},
        },
        context="prod-eu-1",
    )
