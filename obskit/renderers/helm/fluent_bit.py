"""fluent-bit: the lighter alternative collector (same index scheme and credentials)."""

from __future__ import annotations

from obskit.catalog.model import Catalog
from obskit.renderers.access import access_settings
from obskit.renderers.access.logs import lua_team_lookup
from obskit.renderers.helm import wiring
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.sizing import Sizing
from obskit.stack import LOG_INDEX_PREFIX, MONITOR_SELECTOR_LABELS

STATE_DIR = "/var/fluent-bit/state"

SERVICE = f"""[SERVICE]
    Daemon Off
    Flush {{{{ .Values.flush }}}}
    Log_Level {{{{ .Values.logLevel }}}}
    Parsers_File /fluent-bit/etc/parsers.conf
    Parsers_File /fluent-bit/etc/conf/custom_parsers.conf
    HTTP_Server On
    HTTP_Listen 0.0.0.0
    HTTP_Port {{{{ .Values.metricsPort }}}}
    Health_Check On
    storage.path {STATE_DIR}/flb-storage/
    storage.sync normal
    storage.backlog.mem_limit 16M
"""

INPUTS = f"""[INPUT]
    Name tail
    Path /var/log/containers/*.log
    Exclude_Path /var/log/containers/fluent-bit-*.log
    multiline.parser docker, cri
    Tag kube.*
    DB {STATE_DIR}/tail-containers.db
    storage.type filesystem
    Mem_Buf_Limit 16MB
    Skip_Long_Lines On
"""

FILTERS = """[FILTER]
    Name kubernetes
    Match kube.*
    Merge_Log On
    Keep_Log Off
    K8S-Logging.Parser On
    K8S-Logging.Exclude On

[FILTER]
    Name lua
    Match kube.*
    script /fluent-bit/scripts/obskit.lua
    call obskit_index
"""

LUA = f"""-- index per namespace ({LOG_INDEX_PREFIX}-<namespace>) and one message field
function obskit_index(tag, timestamp, record)
  local ns = "unknown"
  if record["kubernetes"] ~= nil and record["kubernetes"]["namespace_name"] ~= nil then
    ns = record["kubernetes"]["namespace_name"]
  end
  record["log_index"] = "{LOG_INDEX_PREFIX}-" .. ns
  if record["message"] == nil then
    record["message"] = record["msg"] or record["log"]
  end
  return 2, timestamp, record
end
"""


def outputs() -> str:
    return f"""[OUTPUT]
    Name es
    Match kube.*
    Host {wiring.ES_HOST}
    Port {wiring.ES_PORT}
    HTTP_User {wiring.ES_USER}
    HTTP_Passwd ${{{wiring.ES_PASSWORD_ENV}}}
    Logstash_Format On
    Logstash_Prefix_Key $log_index
    Logstash_DateFormat %Y.%m.%d
    Suppress_Type_Name On
    Replace_Dots On
    Trace_Error On
    Retry_Limit no_limits
    storage.total_limit_size 4G
"""


def team_lua(catalog: Catalog) -> str:
    """The script with per-team indices (docs/access.md): ``logs-<team>.<namespace>``."""
    head = LUA.split('  record["log_index"]', 1)[0].replace(
        f"-- index per namespace ({LOG_INDEX_PREFIX}-<namespace>)",
        f"-- index per team and namespace ({LOG_INDEX_PREFIX}-<team>.<namespace>; in a shared"
        "\n-- namespace the team whose service the pod's `app` label names)",
    )
    tail = LUA.split(f'  record["log_index"] = "{LOG_INDEX_PREFIX}-" .. ns\n', 1)[1]
    app = (
        '  local app = ""\n'
        '  if record["kubernetes"] ~= nil and record["kubernetes"]["labels"] ~= nil then\n'
        '    app = record["kubernetes"]["labels"]["app"] or ""\n'
        "  end\n"
    )
    index = f'  record["log_index"] = "{LOG_INDEX_PREFIX}-" .. team .. "." .. ns\n'
    return head + app + lua_team_lookup(catalog) + index + tail


def build(size: Sizing, catalog: Catalog | None = None) -> Values:
    """Values of the fluent-bit chart (per-team indices when the catalog has access on)."""
    per_team = catalog is not None and access_settings(catalog) is not None
    values = Values()
    values.set("kind", "DaemonSet", why="One collector per node, reading that node's logs.")
    values.set(
        "env",
        wiring.es_password_env(),
        why=(
            f"ECK's '{wiring.ES_USER}' password from Secret {wiring.ES_CREDENTIALS_SECRET};"
            " the es output\nreads it as ${" + wiring.ES_PASSWORD_ENV + "}."
        ),
    )
    values.set(
        "resources",
        {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
    )
    values.set("config.service", SERVICE, why="Filesystem buffering (storage.path) on the node.")
    values.set("config.inputs", INPUTS, why="Container logs only; chunks buffered on disk.")
    values.set(
        "config.filters",
        FILTERS,
        why="Kubernetes metadata, JSON logs merged (Merge_Log), index name per namespace.",
    )
    values.set(
        "config.outputs",
        outputs(),
        why=(
            f"The ECK Service {wiring.ES_SERVICE}; Retry_Limit no_limits plus the filesystem\n"
            "buffer: nothing is dropped while Elasticsearch is briefly down."
        ),
    )
    values.set("luaScripts", {"obskit.lua": team_lua(catalog) if per_team and catalog else LUA})
    values.set(
        "daemonSetVolumes",
        [
            {"name": "varlog", "hostPath": {"path": "/var/log"}},
            {"name": "varlibdockercontainers", "hostPath": {"path": "/var/lib/docker/containers"}},
            {"name": "etcmachineid", "hostPath": {"path": "/etc/machine-id", "type": "File"}},
            {"name": "state", "hostPath": {"path": STATE_DIR, "type": "DirectoryOrCreate"}},
        ],
        why=(
            "The chart's volumes plus a hostPath for the tail database and the buffer, so\n"
            "both survive pod restarts."
        ),
    )
    values.set(
        "daemonSetVolumeMounts",
        [
            {"name": "varlog", "mountPath": "/var/log"},
            {
                "name": "varlibdockercontainers",
                "mountPath": "/var/lib/docker/containers",
                "readOnly": True,
            },
            {"name": "etcmachineid", "mountPath": "/etc/machine-id", "readOnly": True},
            {"name": "state", "mountPath": STATE_DIR},
        ],
    )
    values.set("serviceMonitor.enabled", True)
    values.set(
        "serviceMonitor.selector",
        dict(MONITOR_SELECTOR_LABELS),
        why="Labels of the ServiceMonitor: selected by kube-prometheus-stack's Prometheus.",
    )
    return values
