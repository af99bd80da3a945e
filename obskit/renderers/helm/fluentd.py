"""fluentd: DaemonSet shipping container logs to the ECK Elasticsearch, index per namespace."""

from __future__ import annotations

from obskit.catalog.model import Catalog
from obskit.renderers.access import access_settings
from obskit.renderers.access.logs import fluentd_filter
from obskit.renderers.helm import wiring
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.sizing import Sizing
from obskit.stack import LOG_INDEX_PREFIX, MONITOR_SELECTOR_LABELS

#: on the node's /var/log (hostPath the chart already mounts): survives pod restarts
BUFFER_PATH = "/var/log/fluentd-buffers/elasticsearch"

SOURCES = """<source>
  @type tail
  @id in_tail_container_logs
  @label @KUBERNETES
  path /var/log/containers/*.log
  exclude_path ["/var/log/containers/fluentd-*.log"]
  pos_file /var/log/fluentd-containers.log.pos
  tag kubernetes.*
  read_from_head true
  <parse>
    @type multi_format
    <pattern>
      format json
      time_key time
      time_type string
      time_format "%Y-%m-%dT%H:%M:%S.%NZ"
      keep_time_key false
    </pattern>
    <pattern>
      format regexp
      expression /^(?<time>.+) (?<stream>stdout|stderr)( (?<logtag>.))? (?<log>.*)$/
      time_format '%Y-%m-%dT%H:%M:%S.%NZ'
      keep_time_key false
    </pattern>
  </parse>
  emit_unmatched_lines true
</source>
<source>
  @type prometheus
  bind 0.0.0.0
  port 24231
  metrics_path /metrics
</source>
"""

FILTERS = """<label @KUBERNETES>
  <filter kubernetes.**>
    @type kubernetes_metadata
    @id filter_kube_metadata
    skip_labels false
    skip_container_metadata false
    skip_namespace_metadata true
    skip_master_url true
  </filter>
  # JSON application logs: lift their fields (level, trace_id, msg ...) to the top level
  <filter kubernetes.**>
    @type parser
    key_name log
    reserve_data true
    remove_key_name_field false
    emit_invalid_record_to_error false
    <parse>
      @type json
    </parse>
  </filter>
  # one message field whatever the application called it
  <filter kubernetes.**>
    @type record_transformer
    enable_ruby true
    <record>
      message ${record["message"] || record["msg"] || record["log"]}
    </record>
  </filter>
  <match **>
    @type relabel
    @label @DISPATCH
  </match>
</label>
"""

DISPATCH = """<label @DISPATCH>
  <filter **>
    @type prometheus
    <metric>
      name fluentd_input_status_num_records_total
      type counter
      desc The total number of incoming records
      <labels>
        tag ${tag}
        hostname ${hostname}
      </labels>
    </metric>
  </filter>
  <match **>
    @type relabel
    @label @OUTPUT
  </match>
</label>
"""


RELABEL = """  <match **>
    @type relabel
    @label @DISPATCH
  </match>
"""


def filters(team_filter: str = "") -> str:
    """The @KUBERNETES label; ``team_filter`` (docs/access.md) goes before the relabel."""
    return FILTERS.replace(RELABEL, team_filter + RELABEL, 1)


def outputs(per_team: bool = False) -> str:
    """The Elasticsearch output: credentials from the environment, file buffer, no drops."""
    index = "$.log_index" if per_team else "$.kubernetes.namespace_name"
    prefix = (
        "${$.log_index}" if per_team else f"{LOG_INDEX_PREFIX}-${{$.kubernetes.namespace_name}}"
    )
    scheme = "<team>.<namespace>" if per_team else "<namespace>"
    what = "team+namespace" if per_team else "namespace"
    return f"""<label @OUTPUT>
  <match **>
    @type elasticsearch
    @id out_es
    host {wiring.ES_HOST}
    port {wiring.ES_PORT}
    scheme http
    user {wiring.ES_USER}
    password "#{{ENV['{wiring.ES_PASSWORD_ENV}']}}"
    # index per {what} and day: {LOG_INDEX_PREFIX}-{scheme}-YYYY.MM.DD (@timestamp added)
    logstash_format true
    logstash_prefix {prefix}
    logstash_dateformat %Y.%m.%d
    suppress_type_name true
    verify_es_version_at_startup false
    default_elasticsearch_version 8
    reconnect_on_error true
    reload_on_failure true
    reload_connections false
    request_timeout 30s
    <buffer tag, {index}>
      # file buffer on the node: chunks survive restarts and Elasticsearch outages
      @type file
      path {BUFFER_PATH}
      flush_mode interval
      flush_interval 5s
      flush_thread_count 2
      chunk_limit_size 8MB
      total_limit_size 4GB
      # keep retrying (capped backoff) instead of dropping chunks after N attempts
      retry_type exponential_backoff
      retry_forever true
      retry_max_interval 30s
      # when the buffer is full stop reading (files stay on disk) instead of dropping
      overflow_action block
    </buffer>
  </match>
</label>
"""


def build(size: Sizing, catalog: Catalog | None = None) -> Values:
    """Values of the fluentd chart (per-team indices when the catalog has access on)."""
    team_filter = ""
    if catalog is not None and access_settings(catalog) is not None:
        team_filter = fluentd_filter(catalog)
    values = Values()
    values.set("kind", "DaemonSet", why="One collector per node, reading that node's logs.")
    values.set(
        "variant",
        "elasticsearch8",
        why=(
            "Image variant with the 8.x Elasticsearch client: the ECK cluster is 9.x, which\n"
            "accepts 8.x clients (REST compatibility) but not the default 7.x variant."
        ),
    )
    values.set(
        "env",
        wiring.es_password_env(),
        why=(
            f"The password of ECK's '{wiring.ES_USER}' user, from Secret "
            f"{wiring.ES_CREDENTIALS_SECRET}\n(generated by ECK); the output reads it from the"
            " environment."
        ),
    )
    values.set(
        "resources",
        {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
    )
    values.set(
        "fileConfigs",
        {
            "01_sources.conf": SOURCES,
            "02_filters.conf": filters(team_filter),
            "03_dispatch.conf": DISPATCH,
            "04_outputs.conf": outputs(bool(team_filter)),
        },
        why=(
            "Tail container logs (docker JSON and CRI formats), add Kubernetes metadata,\n"
            "parse JSON log lines, write to Elasticsearch with a file buffer under\n"
            f"{BUFFER_PATH} (on the node's /var/log, which the chart mounts) and\n"
            "retry_forever, so nothing is lost while Elasticsearch is briefly down."
        ),
    )
    values.set("metrics.serviceMonitor.enabled", True)
    values.set(
        "metrics.serviceMonitor.additionalLabels",
        dict(MONITOR_SELECTOR_LABELS),
        why="Selected by kube-prometheus-stack's Prometheus (obskit.stack).",
    )
    return values
