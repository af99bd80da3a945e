"""Names that wire the rendered pieces together (Helm values <-> manifests <-> dashboards).

The Helm values select what the manifests label; both import these constants, so the
Prometheus rule/ServiceMonitor selectors and the Grafana sidecar always match the objects.
"""

from __future__ import annotations

#: namespace the observability stack (Helm releases) is installed into
STACK_NAMESPACE = "monitoring"
#: Helm release names (helmfile) -- Service names derive from them
KPS_RELEASE = "kube-prometheus-stack"
ECK_OPERATOR_RELEASE = "eck-operator"
ECK_STACK_RELEASE = "eck-stack"
FLUENTD_RELEASE = "fluentd"
FLUENT_BIT_RELEASE = "fluent-bit"
JAEGER_RELEASE = "jaeger"
KSM_RELEASE = "kube-state-metrics"
DASHBOARD_RELEASE = "kubernetes-dashboard"

#: label on PrometheusRule / ServiceMonitor / PodMonitor objects that Prometheus selects
MONITOR_SELECTOR_LABELS: dict[str, str] = {"release": KPS_RELEASE}

#: Grafana dashboard sidecar: ConfigMaps with this label are loaded as dashboards
GRAFANA_DASHBOARD_LABEL = "grafana_dashboard"
GRAFANA_DASHBOARD_LABEL_VALUE = "1"
#: annotation naming the Grafana folder of a dashboard ConfigMap (one folder per team)
GRAFANA_FOLDER_ANNOTATION = "grafana_folder"
#: folder of the overview dashboards
OVERVIEW_FOLDER = "Overview"

#: Elasticsearch / Kibana resources made by the eck-stack release
ELASTICSEARCH_NAME = "elasticsearch"
KIBANA_NAME = "kibana"
#: log indices written by the collectors: one per namespace
LOG_INDEX_PREFIX = "logs"

#: common labels every manifest gets (through the kustomization)
MANAGED_BY_LABELS: dict[str, str] = {"app.kubernetes.io/managed-by": "obskit"}
