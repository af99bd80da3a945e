"""Pydantic v2 models of the service catalog, version 1 (``../shared/design/catalog-v1.md``).

Field names follow the contract (camelCase in YAML); Python attributes are snake_case.
``Catalog`` is the validated, defaults-applied form every renderer reads.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from obskit.catalog.base import (
    ES_REALM_RE,
    LABEL_NAME_RE,
    METRIC_NAME_RE,
    NAME_RE,
    OIDC_GROUP_RE,
    Duration,
    Integer,
    Model,
    Number,
)
from obskit.catalog.durations import parse_duration
from obskit.catalog.presets import (
    PRESET_NAMES,
    Preset,
    PresetDefinition,
    PresetFields,
    check_selector_values,
)

DNS1123_LABEL = Annotated[str, Field(pattern=NAME_RE, max_length=63)]
#: a built-in preset (``PRESET_NAMES``) or one the catalog declares under ``presets:``
PresetName = Annotated[
    str,
    Field(
        pattern=NAME_RE,
        max_length=63,
        description="built-in: " + ", ".join(PRESET_NAMES) + "; or a name from `presets:`",
        json_schema_extra={"examples": list(PRESET_NAMES)},
    ),
]
Tier = Literal["critical", "standard", "low"]
Severity = Literal["critical", "warning", "info"]
SloWindow = Literal["7d", "28d", "30d"]
WorkloadKind = Literal["Deployment", "StatefulSet", "DaemonSet"]
Quantity = Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P|m)?$")]


class SecretRef(Model):
    """A key of a Kubernetes Secret; the value itself never appears in the catalog."""

    name: DNS1123_LABEL | Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    key: Annotated[str, Field(pattern=r"^[-._a-zA-Z0-9]+$")]


class SlackAlerting(Model):
    channel: Annotated[str, Field(min_length=2)]
    api_url_secret: SecretRef = Field(alias="apiURLSecret")


class PagerDutyAlerting(Model):
    routing_key_secret: SecretRef


class EmailAlerting(Model):
    to: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class TeamAlerting(Model):
    slack: SlackAlerting | None = None
    pagerduty: PagerDutyAlerting | None = None
    email: EmailAlerting | None = None


#: Kubernetes event reasons a team's chat gets by default (Warning events)
DEFAULT_EVENT_REASONS: tuple[str, ...] = (
    "BackOff",
    "Failed",
    "Evicted",
    "OOMKilling",
    "FailedScheduling",
    "Unhealthy",
)
EventKind = Literal["warning", "rollout"]
EVENT_REASON = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z\d]*$")]


class TeamEvents(Model):
    """Kubernetes events of the team's workloads sent to its chat (docs/events.md)."""

    kinds: list[EventKind] = Field(
        default_factory=lambda: ["warning", "rollout"],
        description="warning: Warning events with one of `reasons`; rollout: Deployment "
        "rollouts (ScalingReplicaSet)",
    )
    reasons: list[EVENT_REASON] = Field(
        default_factory=lambda: list(DEFAULT_EVENT_REASONS),
        description="reasons of the Warning events sent; empty: every Warning event",
    )
    channel: SecretRef = Field(
        description="Secret key holding the Slack incoming-webhook URL (or any webhook URL)"
    )


#: an identity-provider (OIDC) group name as the API server sees it: no whitespace, and none
#: of what an Elasticsearch role-mapping rule reads as a pattern (``*``, ``?``, ``/.../``)
OIDC_GROUP = Annotated[str, Field(pattern=OIDC_GROUP_RE, max_length=256)]


class TeamAccess(Model):
    """Who is the team (docs/access.md): RBAC, Grafana and Elasticsearch roles bind to it."""

    group: OIDC_GROUP | None = Field(
        default=None,
        description="OIDC group of the team's members, as in the API server's groups claim "
        "(with its --oidc-groups-prefix, if any)",
    )


class Team(Model):
    name: Annotated[str, Field(pattern=NAME_RE)]
    alerting: TeamAlerting | None = None
    events: TeamEvents | None = None
    access: TeamAccess | None = None


class ToolLinks(Model):
    """Base URLs of the UIs the dashboards link to (default: in-cluster service URLs)."""

    kibana: Annotated[str, Field(pattern=r"^(https?://|/)")] | None = None
    jaeger: Annotated[str, Field(pattern=r"^(https?://|/)")] | None = None


class Plugins(Model):
    """Python extension points: ``"module.path:function"`` entries."""

    #: called as ``function(service, catalog)``; the grafanalib panels it returns are
    #: appended to that service's dashboard (module looked up next to the catalog first)
    dashboards: list[Annotated[str, Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")]] = Field(
        default_factory=list
    )


DashboardDelivery = Literal["sidecar", "grafana-operator"]
#: label the grafana-operator examples put on a ``Grafana`` CR (``instanceSelector``)
DEFAULT_GRAFANA_INSTANCE_LABELS = {"dashboards": "grafana"}


class DashboardsSettings(Model):
    """How dashboards reach Grafana (``metadata.dashboards``; docs/grafana-operator.md)."""

    delivery: DashboardDelivery = Field(
        default="sidecar",
        description="sidecar: ConfigMaps the Grafana sidecar loads; grafana-operator: "
        "GrafanaDashboard and GrafanaFolder custom resources (grafana-operator v5)",
    )
    instance_labels: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_GRAFANA_INSTANCE_LABELS),
        min_length=1,
        description="grafana-operator: labels of the Grafana CR(s) to import into "
        "(instanceSelector.matchLabels); default {dashboards: grafana}",
    )

    @field_validator("instance_labels")
    @classmethod
    def _kubernetes_labels(cls, value: dict[str, str]) -> dict[str, str]:
        from obskit.renderers.manifests.names import ManifestError, check_labels

        try:
            return check_labels(value, "the Grafana CR selector")
        except ManifestError as exc:
            raise ValueError(str(exc)) from None


class AccessProxy(Model):
    """The ingress and auth proxy (e.g. oauth2-proxy) every UI of the stack is exposed through."""

    ingress_class_name: DNS1123_LABEL = Field(
        default="nginx", description="IngressClass of the ingress controller"
    )
    #: namespace of the ingress controller (the only one that may reach the UIs)
    namespace: DNS1123_LABEL = "ingress-nginx"
    host: Annotated[str, Field(pattern=r"^[a-z0-9{}.-]+$")] = Field(
        description="host of the Kubernetes Dashboard; `{environment}` is replaced"
    )
    auth_url: Annotated[str, Field(pattern=r"^https?://")] = Field(
        alias="authURL", description="auth proxy's check URL (nginx auth-url annotation)"
    )
    signin_url: Annotated[str, Field(pattern=r"^https?://")] | None = Field(
        default=None, alias="signinURL", description="where the auth proxy sends the browser"
    )


class Access(Model):
    """Team access rendering (docs/access.md): RBAC, NetworkPolicies, Grafana, log roles."""

    enabled: bool = False
    #: the team that operates the stack (reads the monitoring namespace)
    platform_team: Annotated[str, Field(pattern=NAME_RE)] | None = None
    #: namespaces knowingly shared by several teams (RBAC cannot separate teams inside one)
    shared_namespaces: list[DNS1123_LABEL] = Field(default_factory=list)
    proxy: AccessProxy | None = None
    #: the Elasticsearch OIDC realm the teams log in through: role mappings then require it
    #: (``realm.name``) besides the group, so another realm asserting the group maps nothing
    elasticsearch_realm: Annotated[str, Field(pattern=ES_REALM_RE)] | None = None


class Metadata(Model):
    name: Annotated[str, Field(pattern=NAME_RE)]
    access: Access | None = None
    cluster: str | None = None
    links: ToolLinks | None = None
    plugins: Plugins | None = None
    dashboards: DashboardsSettings | None = Field(
        default=None,
        description="How dashboards reach Grafana: the sidecar (default) or grafana-operator",
    )
    #: runbook URL pattern for services without ``runbook``: ``{service}`` is replaced
    runbooks: Annotated[str, Field(pattern=r"^https?://")] | None = None


class Scrape(Model):
    port: Annotated[str, Field(min_length=1)] | Annotated[Integer, Field(ge=1, le=65535)] = (
        "metrics"
    )
    path: Annotated[str, Field(pattern=r"^/")] = "/metrics"
    interval: Duration = "30s"


class Metrics(Model):
    preset: PresetName = "prometheus-http"
    selector: dict[str, str] | None = None
    scrape: Scrape | None = None
    #: histogram bucket bounds as durations; default: the preset's default buckets
    buckets: list[Duration] | None = None
    #: single preset fields replaced for this service (e.g. ``{statusLabel: status}``)
    overrides: PresetFields | None = None

    @field_validator("selector")
    @classmethod
    def _label_names(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for label in value or {}:
            if not re.match(LABEL_NAME_RE, label):
                raise ValueError(f"{label!r} is not a Prometheus label name")
        return check_selector_values(value)


class Workload(Model):
    kind: WorkloadKind = "Deployment"
    name: DNS1123_LABEL | None = None
    #: Jobs of the service (alerted when they fail or run too long)
    jobs: list[DNS1123_LABEL] = Field(default_factory=list)
    #: CronJobs of the service (their Jobs too)
    cron_jobs: list[DNS1123_LABEL] = Field(default_factory=list)
    #: HPAs of the service beyond the ones whose scaleTargetRef is the workload (always found)
    hpas: list[DNS1123_LABEL] = Field(default_factory=list)


class Sli(Model):
    """A custom SLI: PromQL with a ``{{.window}}`` placeholder (as in Sloth), or a histogram.

    ``errorQuery`` or ``goodQuery`` with ``totalQuery``; or ``histogram`` (+ threshold).
    """

    error_query: Annotated[str, Field(min_length=1)] | None = None
    good_query: Annotated[str, Field(min_length=1)] | None = None
    total_query: Annotated[str, Field(min_length=1)] | None = None
    #: histogram base name (``<name>_bucket`` and ``<name>_count`` are read)
    histogram: Annotated[str, Field(pattern=METRIC_NAME_RE)] | None = None
    #: unit of the histogram's ``le`` bounds
    unit: Literal["seconds", "milliseconds"] | None = None
    #: latency threshold (or the SLO's ``threshold``)
    threshold: Duration | None = None
    #: matchers of the histogram's series; default: the service's selector
    selector: dict[str, str] | None = None

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return check_selector_values(value)


class AlertWindow(Model):
    """One burn-rate condition, as in Sloth's ``AlertWindows`` spec."""

    #: percent of the period's error budget spent over ``longWindow`` before alerting
    error_budget_percent: Annotated[Number, Field(gt=0, le=100)]
    short_window: Duration
    long_window: Duration


class AlertWindowPair(Model):
    quick: AlertWindow
    slow: AlertWindow


class AlertWindows(Model):
    """Sloth's ``AlertWindows`` spec (``spec.page`` / ``spec.ticket``): custom windows."""

    page: AlertWindowPair
    ticket: AlertWindowPair


class SloAlerting(Model):
    """Controls of one SLO's burn-rate alerts."""

    #: render the fast-burn (page) alert
    page: bool = True
    #: render the slow-burn (ticket) alert
    ticket: bool = True
    page_severity: Severity = "critical"
    ticket_severity: Severity = "warning"
    #: events per second (over 5m) below which the burn alerts stay quiet: no page on a
    #: handful of requests at night (a real outage at that traffic goes unpaged too)
    min_request_rate: Annotated[Number, Field(ge=0)] | None = None
    #: extra labels and annotations of both alerts
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    #: custom burn-rate windows (Sloth's AlertWindows shape); default: per SLO period
    windows: AlertWindows | None = None


class Slo(Model):
    name: Annotated[str, Field(pattern=NAME_RE)]
    objective: Annotated[Number, Field(gt=0, lt=100)]
    threshold: Duration | None = None
    description: str | None = None
    window: SloWindow | None = None
    #: a custom SLI instead of the preset's (any instrumentation)
    sli: Sli | None = None
    #: burn-rate alert controls (labels, severities, page/ticket off, minimum traffic)
    alerting: SloAlerting | None = None


class Logs(Model):
    enabled: bool = False


class Traces(Model):
    enabled: bool = False
    service: str | None = None


class Alert(Model):
    alert: Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")]
    expr: Annotated[str, Field(min_length=1)]
    for_: Duration | None = Field(default=None, alias="for")
    severity: Severity = "warning"
    summary: Annotated[str, Field(min_length=1)]
    description: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not re.fullmatch(LABEL_NAME_RE, name):
                raise ValueError(
                    f"{name!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
                )
            if text == "":
                raise ValueError(f"{name}: an empty value removes the label; drop it instead")
        return value

    @field_validator("summary", "description")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        return check_template(value)

    @field_validator("annotations")
    @classmethod
    def _annotation_templates(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not re.fullmatch(LABEL_NAME_RE, name):
                raise ValueError(f"{name!r} is not an annotation name ([a-zA-Z_][a-zA-Z0-9_]*)")
            check_template(text)
        return value


def check_template(text: str | None) -> str | None:
    """Refuse unbalanced Go template actions (``{{ $value``): Prometheus would refuse them."""
    if text is None:
        return text
    depth = 0
    for token in re.findall(r"\{\{|\}\}", text):
        depth += 1 if token == "{{" else -1
        if depth not in (0, 1):
            raise ValueError(f"{text!r}: unbalanced `{{{{` / `}}}}` (Go template syntax)")
    if depth:
        raise ValueError(f"{text!r}: a `{{{{` is never closed with `}}}}` (Go template syntax)")
    return text


class SloDefaults(Model):
    window: SloWindow = "30d"


class Defaults(Model):
    namespace: DNS1123_LABEL | None = None
    team: str | None = None
    tier: Tier | None = None
    metrics: Metrics | None = None
    slo: SloDefaults | None = None


class Service(Model):
    name: DNS1123_LABEL
    team: str | None = None
    namespace: DNS1123_LABEL | None = None
    tier: Tier | None = None
    description: str | None = None
    metrics: Metrics | None = None
    runbook: Annotated[str, Field(pattern=r"^https?://")] | None = None
    workload: Workload | None = None
    slos: list[Slo] = Field(default_factory=list)
    logs: Logs = Field(default_factory=Logs)
    traces: Traces = Field(default_factory=Traces)
    alerts: list[Alert] = Field(default_factory=list)
    depends_on: list[str] = Field(default_factory=list)


class ResourceList(Model):
    cpu: Quantity | None = None
    memory: Quantity | None = None


class Resources(Model):
    """Kubernetes container requests and limits; unset fields take the sizing defaults."""

    requests: ResourceList | None = None
    limits: ResourceList | None = None


class PrometheusEnv(Model):
    retention: Duration | None = None
    replicas: Annotated[Integer, Field(ge=1)] | None = None
    storage: Quantity | None = None
    resources: Resources | None = None


class ElasticsearchEnv(Model):
    replicas: Annotated[Integer, Field(ge=1)] | None = None
    storage: Quantity | None = None
    resources: Resources | None = None


class AlertmanagerEnv(Model):
    retention: Duration | None = None
    replicas: Annotated[Integer, Field(ge=1)] | None = None
    storage: Quantity | None = None
    resources: Resources | None = None


class GrafanaEnv(Model):
    replicas: Annotated[Integer, Field(ge=1)] | None = None
    resources: Resources | None = None


class JaegerEnv(Model):
    replicas: Annotated[Integer, Field(ge=1)] | None = None
    resources: Resources | None = None
    #: default head-sampling probability handed to SDKs by the remote sampling endpoint
    sampling_probability: Annotated[Number, Field(gt=0, le=1)] | None = None


class FluentBitEnv(Model):
    #: install fluent-bit instead of fluentd as the log collector
    enabled: bool = False


#: charts whose values an environment may override (``overrides: {<chart>: {...}}``)
HelmChartName = Literal[
    "kube-prometheus-stack",
    "kube-state-metrics",
    "eck-operator",
    "eck-stack",
    "fluentd",
    "fluent-bit",
    "jaeger",
    "kubernetes-dashboard",
    "mimir-distributed",
]


#: an alert name as Prometheus allows it
ALERT_NAME = Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")]


class DefaultRulesEnv(Model):
    """kube-prometheus-stack's own rules (``defaultRules``) in one environment."""

    disabled: list[ALERT_NAME] = Field(
        default_factory=list,
        description="Alert names of the chart's default rules to drop (defaultRules.disabled), "
        "e.g. [KubePodCrashLooping]; the chart ignores names it does not have",
    )

    @field_validator("disabled")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        twice = sorted({name for name in value if value.count(name) > 1})
        if twice:
            raise ValueError(f"listed twice: {', '.join(twice)}")
        return value


LabelName = Annotated[str, Field(pattern=LABEL_NAME_RE)]
HttpUrl = Annotated[str, Field(pattern=r"^https?://[^\s]+$")]


class ClusterSpec(Model):
    """One Kubernetes cluster of an environment (``environments.*.clusters[]``)."""

    name: DNS1123_LABEL = Field(description="The `cluster` external label of its series")
    context: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="kube context in the helmfile; default: the name"
    )
    labels: dict[LabelName, Annotated[str, Field(min_length=1)]] = Field(
        default_factory=dict,
        description="More external labels of its series (provider, region); not `cluster` "
        "or `environment`",
    )
    managed: bool | None = Field(
        default=None, description="Managed control plane; default: the environment's `managed`"
    )


class BasicAuthRef(Model):
    username: SecretRef
    password: SecretRef


class CentralAuth(Model):
    """How the clusters authenticate to the central store: exactly one of the two."""

    basic_auth: BasicAuthRef | None = None
    bearer_token: SecretRef | None = None


class HaTracker(Model):
    """Mimir's HA deduplication of Prometheus replica pairs (its KV store: Consul or etcd;
    memberlist is not supported for it, Mimir docs "Configure high-availability
    deduplication")."""

    store: Literal["consul", "etcd"]
    endpoints: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1,
        description="consul: one host:port; etcd: the endpoints (host:port)",
    )


class Central(Model):
    """A central metrics store all clusters of the environment remote-write into."""

    kind: Literal["mimir", "remote-write"] = Field(
        description="mimir: obskit renders mimir-distributed values; remote-write: an endpoint "
        "you run (Thanos Receive, Cortex, VictoriaMetrics, a hosted service)"
    )
    url: HttpUrl | None = Field(
        default=None,
        description="remote-write push URL; mimir default: the in-cluster gateway of the "
        "central cluster (clusters elsewhere need its external address here)",
    )
    query_url: HttpUrl | None = Field(
        default=None,
        description="Prometheus-compatible query URL the one Grafana reads; mimir default: the "
        "gateway's /prometheus; remote-write without it: each cluster keeps its Grafana",
    )
    tenant: Annotated[str, Field(pattern=r"^[A-Za-z0-9!._*'()-]{1,150}$")] | None = Field(
        default=None, description="Tenant (`X-Scope-OrgID`); none: Mimir multi-tenancy off"
    )
    auth: CentralAuth | None = None
    rules: Literal["local", "central"] = Field(
        default="local",
        description="local: every cluster's Prometheus evaluates the rules (PrometheusRule); "
        "central: the Mimir ruler does (kind: mimir only)",
    )
    cluster: DNS1123_LABEL | None = Field(
        default=None,
        description="The cluster running the central stack (Mimir, Grafana); default: the "
        "first of `clusters`",
    )
    ha_tracker: HaTracker | None = Field(
        default=None,
        description="mimir: deduplicate each cluster's Prometheus replicas (labels cluster and "
        "prometheus_replica); required when a cluster runs more than one replica",
    )
    object_storage_secret: DNS1123_LABEL | None = Field(
        default=None,
        description="mimir: name of the Secret whose keys MIMIR_BUCKET, MIMIR_S3_ENDPOINT, "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY become the pods' environment (S3 object "
        "storage); none: the chart's MinIO (not for production)",
    )


class Environment(Model):
    prometheus: PrometheusEnv = Field(default_factory=PrometheusEnv)
    elasticsearch: ElasticsearchEnv = Field(default_factory=ElasticsearchEnv)
    # --- additions for the Helm values (all optional; defaults by environment name) ---
    alertmanager: AlertmanagerEnv = Field(default_factory=AlertmanagerEnv)
    grafana: GrafanaEnv = Field(default_factory=GrafanaEnv)
    jaeger: JaegerEnv = Field(default_factory=JaegerEnv)
    fluent_bit: FluentBitEnv = Field(
        default_factory=FluentBitEnv,
        description="enabled: true installs fluent-bit instead of fluentd as the log collector",
    )
    profile: Literal["staging", "production"] | None = Field(
        default=None,
        description="Size class of the defaults; default: production when the name contains "
        "prod/production/prd/live as a word, else staging",
    )
    managed: bool = Field(
        default=True,
        description="Managed control plane (EKS, GKE, AKS): etcd, scheduler and "
        "controller-manager are not scraped",
    )
    cluster: str | None = Field(
        default=None,
        description="Cluster name: Prometheus external label and helmfile kube context; default: "
        "metadata.cluster (production-like or only environment), else the environment name",
    )
    default_rules: DefaultRulesEnv = Field(
        default_factory=DefaultRulesEnv,
        description="kube-prometheus-stack's default rules: {disabled: [AlertName, ...]}",
    )
    clusters: list[ClusterSpec] | None = Field(
        default=None,
        description="Several clusters of this environment (instead of `cluster`): per-cluster "
        "Helm values, each series labelled with its cluster",
    )
    central: Central | None = Field(
        default=None, description="A central metrics store the clusters remote-write into"
    )
    storage_class: DNS1123_LABEL | None = Field(
        default=None,
        description="StorageClass of every PersistentVolumeClaim; default: the cluster default",
    )
    overrides: dict[HelmChartName, dict[str, Any]] = Field(
        default_factory=dict,
        description="Values merged over the rendered values of a chart; keys must exist in the "
        "pinned chart (free-form maps excepted)",
    )

    @field_validator("overrides")
    @classmethod
    def _known_chart_keys(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        from obskit.renderers.helm.keyindex import unknown_key_messages

        problems = [
            line for chart, values in value.items() for line in unknown_key_messages(chart, values)
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return value


class CatalogDocument(Model):
    """One catalog file as written (before defaults and cross-references are applied)."""

    api_version: Literal["obskit/v1"]
    kind: Literal["ServiceCatalog"]
    metadata: Metadata | None = None
    defaults: Defaults | None = None
    #: the catalog's own metric presets (same fields as the built-in ones)
    presets: list[PresetDefinition] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    environments: dict[Annotated[str, Field(pattern=NAME_RE)], Environment] | None = None


# --- the resolved catalog: defaults applied, references checked ---------------------------


class ResolvedMetrics(Model):
    preset: str
    #: the preset with the service's overrides applied (None for ``preset: none``)
    spec: Preset | None = None
    selector: dict[str, str]
    scrape: Scrape | None = None
    #: bucket bounds in seconds, ascending
    buckets: tuple[float, ...] = ()
    #: whether ``buckets`` were declared in the catalog (``metrics.buckets``)
    buckets_declared: bool = False


class ResolvedSli(Model):
    """A custom SLI, resolved: ``ratio`` (queries) or ``histogram``."""

    kind: Literal["ratio", "histogram"]
    #: ratio: error (or good) and total queries, ``{{.window}}`` still in place
    error_query: str | None = None
    good_query: str | None = None
    total_query: str | None = None
    #: histogram: base name, unit and matchers (``label -> value`` as in selectors)
    histogram: str | None = None
    unit: Literal["seconds", "milliseconds"] = "seconds"
    selector: dict[str, str] = Field(default_factory=dict)


class ResolvedSlo(Model):
    name: str
    kind: Literal["availability", "latency"]
    #: a custom SLI (None: the preset's)
    sli: ResolvedSli | None = None
    alerting: SloAlerting = Field(default_factory=SloAlerting)
    objective: float
    window: SloWindow
    #: latency threshold in seconds (latency SLOs only)
    threshold_seconds: float | None = None
    threshold: str | None = None
    description: str | None = None


class ResolvedService(Model):
    name: str
    team: str
    namespace: str
    tier: Tier
    description: str | None
    metrics: ResolvedMetrics
    runbook: str | None
    workload: Workload
    slos: tuple[ResolvedSlo, ...]
    logs: Logs
    traces: Traces
    alerts: tuple[Alert, ...]
    depends_on: tuple[str, ...]

    @property
    def trace_service(self) -> str:
        """The service name traces are reported under."""
        return self.traces.service or self.name

    @property
    def workload_name(self) -> str:
        return self.workload.name or self.name


class Catalog(Model):
    """A validated catalog with every default applied: what renderers read."""

    metadata: Metadata
    teams: tuple[Team, ...]
    services: tuple[ResolvedService, ...]
    environments: dict[str, Environment]
    #: the catalog's own presets (``presets:``), in declaration order
    presets: tuple[Preset, ...] = ()
    #: files the catalog was read from (for messages only; never rendered)
    sources: tuple[str, ...] = ()

    def team(self, name: str) -> Team:
        return next(t for t in self.teams if t.name == name)

    def service(self, name: str) -> ResolvedService:
        return next(s for s in self.services if s.name == name)


def slo_kind(slo: Slo) -> Literal["availability", "latency"]:
    """Latency SLOs are the ones with a threshold."""
    return "latency" if slo.threshold else "availability"


def threshold_seconds(slo: Slo) -> float | None:
    return parse_duration(slo.threshold) if slo.threshold else None


def dashboards_settings(catalog: Catalog) -> DashboardsSettings:
    """``metadata.dashboards`` with its defaults (the sidecar)."""
    return catalog.metadata.dashboards or DashboardsSettings()


def with_dashboard_delivery(catalog: Catalog, delivery: DashboardDelivery) -> Catalog:
    """``catalog`` with ``metadata.dashboards.delivery`` replaced (``render --dashboards``)."""
    settings = dashboards_settings(catalog).model_copy(update={"delivery": delivery})
    metadata = catalog.metadata.model_copy(update={"dashboards": settings})
    return catalog.model_copy(update={"metadata": metadata})
