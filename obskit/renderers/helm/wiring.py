"""In-cluster names and addresses the values files share, all derived from obskit.stack."""

from __future__ import annotations

from obskit.stack import (
    ELASTICSEARCH_NAME,
    JAEGER_RELEASE,
    KIBANA_NAME,
    KPS_RELEASE,
    LOG_INDEX_PREFIX,
    STACK_NAMESPACE,
)

#: ECK names the HTTP Service ``<name>-es-http`` and the superuser Secret
#: ``<name>-es-elastic-user`` (key: the user name, ``elastic``)
ES_SERVICE = f"{ELASTICSEARCH_NAME}-es-http"
ES_HOST = f"{ES_SERVICE}.{STACK_NAMESPACE}.svc"
ES_PORT = 9200
#: plain HTTP inside the cluster: ECK's self-signed TLS is switched off in eck-stack.yaml
ES_URL = f"http://{ES_HOST}:{ES_PORT}"
ES_USER = "elastic"
ES_CREDENTIALS_SECRET = f"{ELASTICSEARCH_NAME}-es-elastic-user"
ES_CREDENTIALS_KEY = ES_USER
#: environment variable the password is read into (from the Secret, never inline)
ES_PASSWORD_ENV = "ES_PASSWORD"
#: one index per namespace and day: logs-<namespace>-YYYY.MM.DD
LOG_INDEX_PATTERN = f"{LOG_INDEX_PREFIX}-*"
KIBANA_SERVICE = f"{KIBANA_NAME}-kb-http"

#: the Jaeger v2 all-in-one Service is named after the release (chart fullname)
JAEGER_QUERY_URL = f"http://{JAEGER_RELEASE}.{STACK_NAMESPACE}.svc:16686"
ALERTMANAGER_SERVICE = f"{KPS_RELEASE}-alertmanager"

#: Grafana datasource uids (stable so dashboards and links can refer to them)
PROMETHEUS_UID = "prometheus"
ALERTMANAGER_UID = "alertmanager"
ELASTICSEARCH_UID = "elasticsearch-logs"
JAEGER_UID = "jaeger"
#: the log/trace field that joins logs to traces
TRACE_ID_FIELD = "trace_id"
#: log fields the collectors write
MESSAGE_FIELD = "message"
TIME_FIELD = "@timestamp"
LEVEL_FIELD = "level"

#: Secret with Grafana's admin user and password (keys admin-user / admin-password)
GRAFANA_ADMIN_SECRET = "grafana-admin"
#: Secret with the SMTP password for e-mail receivers (key: password)
SMTP_SECRET = "alertmanager-smtp"
SMTP_SECRET_KEY = "password"
#: where kube-prometheus-stack mounts alertmanagerSpec.secrets
ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets"

#: labels kube-state-metrics copies onto kube_<kind>_labels so workloads join to services
KSM_JOIN_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app", "team")
KSM_JOIN_KINDS = ("pods", "deployments", "statefulsets", "daemonsets", "services", "namespaces")


def secret_file(name: str, key: str) -> str:
    """Path of a key of a Secret listed in alertmanagerSpec.secrets, inside Alertmanager."""
    return f"{ALERTMANAGER_SECRETS_DIR}/{name}/{key}"


def es_password_env() -> list[dict[str, object]]:
    """A container ``env`` entry reading the Elasticsearch password from ECK's Secret."""
    return [
        {
            "name": ES_PASSWORD_ENV,
            "valueFrom": {
                "secretKeyRef": {"name": ES_CREDENTIALS_SECRET, "key": ES_CREDENTIALS_KEY}
            },
        }
    ]


def ksm_allowlist() -> list[str]:
    """kube-state-metrics ``metricLabelsAllowlist`` entries."""
    labels = ",".join(KSM_JOIN_LABELS)
    return [f"{kind}=[{labels}]" for kind in KSM_JOIN_KINDS]
