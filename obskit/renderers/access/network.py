"""NetworkPolicies of the monitoring namespace: nothing gets in unless it needs to.

- ``obskit-default-deny-ingress``: every Pod in ``monitoring`` is isolated for ingress;
- ``obskit-allow-within-monitoring``: the stack talks to itself (Grafana -> Prometheus,
  Prometheus -> Alertmanager, collectors and Kibana -> Elasticsearch, event exporter);
- ``obskit-allow-ingress-<ui>``: the ingress controller's namespace (``metadata.access.proxy``)
  reaches the UIs it exposes behind the auth proxy (Grafana, Kibana, Jaeger, the Kubernetes
  Dashboard's Kong gateway);
- ``obskit-allow-otlp-from-services``: the namespaces of services with traces reach the Jaeger
  collector's OTLP ports only;
- ``obskit-allow-operator-webhooks``: the API server reaches the operators' admission webhooks
  (its address is cluster-specific, so only the webhook ports are opened);
- ``obskit-allow-ingress-mimir`` (``central.kind: mimir``): the Mimir gateway's HTTP port from
  anywhere: the other clusters push through an Ingress or LoadBalancer whose source
  addresses the catalog does not know; the gateway's own auth (``central.auth``) guards it;
- ``obskit-allow-grafana-operator`` (``metadata.dashboards.delivery: grafana-operator``):
  grafana-operator's pods (``app.kubernetes.io/name: grafana-operator``, any namespace)
  reach Grafana's HTTP port to apply dashboards and folders.

Egress is not restricted: Prometheus scrapes the services' namespaces, nodes, kubelets and
the API server at addresses the catalog does not know. Services' namespaces get no policy:
a policy there would isolate their Pods (NetworkPolicies isolate every Pod they select).
"""

from __future__ import annotations

from typing import Any

from obskit.catalog.model import Catalog
from obskit.renderers.access import access_settings
from obskit.renderers.manifests.objects import Serializer
from obskit.stack import STACK_NAMESPACE

NS_LABEL = "kubernetes.io/metadata.name"
#: UI -> (pod label selector, ports) of what the ingress controller may reach
UIS: dict[str, tuple[dict[str, str], tuple[int, ...]]] = {
    "grafana": ({"app.kubernetes.io/name": "grafana"}, (3000,)),
    "jaeger": ({"app.kubernetes.io/name": "jaeger"}, (16686,)),
    "kibana": ({"common.k8s.elastic.co/type": "kibana"}, (5601,)),
    # the Kubernetes Dashboard's Kong gateway (TLS proxy port), what its Ingress targets
    "kubernetes-dashboard": ({"app.kubernetes.io/name": "kong"}, (8443,)),
}
OTLP_PORTS = (4317, 4318)
#: the Mimir gateway's pods and HTTP port (mimir-distributed: server.http_listen_port 8080)
MIMIR_GATEWAY = (
    {"app.kubernetes.io/name": "mimir", "app.kubernetes.io/component": "gateway"},
    8080,
)
#: grafana-operator's pods (its chart's selector label), wherever it runs
GRAFANA_OPERATOR_PODS = {"app.kubernetes.io/name": "grafana-operator"}
#: prometheus-operator (TLS on 10250) and ECK operator (9443) admission webhooks
WEBHOOKS: dict[str, tuple[dict[str, str], int]] = {
    # the chart's selector label (control-plane: elastic-operator is the all-in-one YAML's)
    "eck-operator": ({"app.kubernetes.io/name": "elastic-operator"}, 9443),
    "prometheus-operator": ({"app": "kube-prometheus-stack-operator"}, 10250),
}


def _policy(ser: Serializer, name: str, pods: dict[str, str], ingress: list[Any]) -> dict:
    from kubernetes.client import (
        V1LabelSelector,
        V1NetworkPolicy,
        V1NetworkPolicySpec,
        V1ObjectMeta,
    )

    spec = V1NetworkPolicySpec(
        pod_selector=V1LabelSelector(match_labels=pods or None),
        policy_types=["Ingress"],
        ingress=ingress,
    )
    data = ser.data(
        V1NetworkPolicy(
            api_version="networking.k8s.io/v1",
            kind="NetworkPolicy",
            metadata=V1ObjectMeta(name=name, namespace=STACK_NAMESPACE),
            spec=spec,
        )
    )
    data["spec"].setdefault("podSelector", {})  # {} selects every Pod
    return data


def _ports(ports: tuple[int, ...]) -> list[Any]:
    from kubernetes.client import V1NetworkPolicyPort

    return [V1NetworkPolicyPort(protocol="TCP", port=p) for p in ports]


def _from_namespaces(namespaces: list[str]) -> list[Any]:
    from kubernetes.client import V1LabelSelector, V1NetworkPolicyPeer

    return [
        V1NetworkPolicyPeer(namespace_selector=V1LabelSelector(match_labels={NS_LABEL: ns}))
        for ns in namespaces
    ]


def monitoring_policies(ser: Serializer, catalog: Catalog) -> list[dict[str, Any]]:
    """The monitoring namespace's NetworkPolicies (none unless access rendering is on)."""
    from kubernetes.client import V1LabelSelector, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer

    access = access_settings(catalog)
    if access is None:
        return []
    out = [
        _policy(ser, "obskit-default-deny-ingress", {}, []),
        _policy(
            ser,
            "obskit-allow-within-monitoring",
            {},
            [
                V1NetworkPolicyIngressRule(
                    _from=[V1NetworkPolicyPeer(pod_selector=V1LabelSelector())]
                )
            ],
        ),
    ]
    if access.proxy is not None:
        for ui, (pods, ports) in sorted(UIS.items()):
            rule = V1NetworkPolicyIngressRule(
                _from=_from_namespaces([access.proxy.namespace]), ports=_ports(ports)
            )
            out.append(_policy(ser, f"obskit-allow-ingress-{ui}", pods, [rule]))
    traced = sorted({s.namespace for s in catalog.services if s.traces.enabled})
    if traced:
        rule = V1NetworkPolicyIngressRule(_from=_from_namespaces(traced), ports=_ports(OTLP_PORTS))
        out.append(_policy(ser, "obskit-allow-otlp-from-services", UIS["jaeger"][0], [rule]))
    if any(e.central and e.central.kind == "mimir" for e in catalog.environments.values()):
        pods, port = MIMIR_GATEWAY
        rule = V1NetworkPolicyIngressRule(ports=_ports((port,)))
        out.append(_policy(ser, "obskit-allow-ingress-mimir", pods, [rule]))
    from obskit.catalog.model import dashboards_settings

    if dashboards_settings(catalog).delivery == "grafana-operator":
        operator = V1NetworkPolicyPeer(
            namespace_selector=V1LabelSelector(),
            pod_selector=V1LabelSelector(match_labels=GRAFANA_OPERATOR_PODS),
        )
        pods, ports = UIS["grafana"]
        rule = V1NetworkPolicyIngressRule(_from=[operator], ports=_ports(ports))
        out.append(_policy(ser, "obskit-allow-grafana-operator", pods, [rule]))
    for name, (pods, port) in sorted(WEBHOOKS.items()):
        rule = V1NetworkPolicyIngressRule(ports=_ports((port,)))
        out.append(_policy(ser, f"obskit-allow-webhook-{name}", pods, [rule]))
    return out
