"""kube-prometheus-stack ``grafana``: admin secret, dashboard delivery, datasources."""

from __future__ import annotations

from typing import Any

from obskit.catalog.model import DashboardsSettings
from obskit.renderers.helm import wiring
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.sizing import Sizing
from obskit.stack import (
    GRAFANA_DASHBOARD_LABEL,
    GRAFANA_DASHBOARD_LABEL_VALUE,
    GRAFANA_FOLDER_ANNOTATION,
)


def elasticsearch_datasource(team: str | None = None) -> dict[str, Any]:
    """The logs datasource (all of ``logs-*``, or with ``team`` only ``logs-<team>.*``), with a
    link from each log line's trace id to Jaeger."""
    from obskit.renderers.access.logs import team_log_pattern

    return {
        "name": f"Elasticsearch (logs {team})" if team else "Elasticsearch (logs)",
        "uid": logs_datasource_uid(team),
        "type": "elasticsearch",
        "access": "proxy",
        "url": wiring.ES_URL,
        "basicAuth": True,
        "basicAuthUser": wiring.ES_USER,
        "jsonData": {
            "index": team_log_pattern(team) if team else wiring.LOG_INDEX_PATTERN,
            "timeField": wiring.TIME_FIELD,
            "logMessageField": wiring.MESSAGE_FIELD,
            "logLevelField": wiring.LEVEL_FIELD,
            "dataLinks": [
                {
                    "field": wiring.TRACE_ID_FIELD,
                    "url": "${__value.raw}",
                    "datasourceUid": wiring.JAEGER_UID,
                }
            ],
        },
        "secureJsonData": {"basicAuthPassword": f"${{{wiring.ES_PASSWORD_ENV}}}"},
    }


def logs_datasource_uid(team: str | None = None) -> str:
    """``elasticsearch-logs``, or per team (access on) ``elasticsearch-logs-<team>``."""
    return f"{wiring.ELASTICSEARCH_UID}-{team}" if team else wiring.ELASTICSEARCH_UID


def jaeger_datasource(logs_uid: str | None = wiring.ELASTICSEARCH_UID) -> dict[str, Any]:
    """The traces datasource, with a link from each span to its logs (in ``logs_uid``)."""
    json_data: dict[str, Any] = {"nodeGraph": {"enabled": True}}
    if logs_uid is not None:
        json_data["tracesToLogsV2"] = {
            "datasourceUid": logs_uid,
            "spanStartTimeShift": "-5m",
            "spanEndTimeShift": "5m",
            "filterByTraceID": False,
            "filterBySpanID": False,
            "customQuery": True,
            "query": f'{wiring.TRACE_ID_FIELD}:"${{__trace.traceId}}"',
        }
    return {
        "name": "Jaeger",
        "uid": wiring.JAEGER_UID,
        "type": "jaeger",
        "access": "proxy",
        "url": wiring.JAEGER_QUERY_URL,
        "jsonData": json_data,
    }


def logs_and_traces(log_teams: list[str] | None) -> list[dict[str, Any]]:
    """The logs datasource(s) and Jaeger: one logs datasource for all, or (access on) one per
    team reading only its own pattern; a trace then has no single logs datasource, so Jaeger
    links to none (docs/access.md)."""
    if log_teams is None:
        return [elasticsearch_datasource(), jaeger_datasource()]
    return [*(elasticsearch_datasource(t) for t in log_teams), jaeger_datasource(None)]


def build(
    values: Values,
    size: Sizing,
    dashboards: DashboardsSettings | None = None,
    log_teams: list[str] | None = None,
) -> None:
    """Set the ``grafana`` part of kube-prometheus-stack's values (``log_teams``: one logs
    datasource per team, access on)."""
    g = size["grafana"]
    values.set(
        "grafana.admin",
        {
            "existingSecret": wiring.GRAFANA_ADMIN_SECRET,
            "userKey": "admin-user",
            "passwordKey": "admin-password",
        },
        why=(
            f"Admin credentials come from Secret {wiring.GRAFANA_ADMIN_SECRET} (create it before\n"
            "installing); the chart's default password is never used."
        ),
    )
    values.set(
        "grafana.replicas",
        g["replicas"],
        why="More than one replica needs a shared database (grafana.ini [database]).",
    )
    values.set("grafana.resources", g["resources"])
    if dashboards is not None and dashboards.delivery == "grafana-operator":
        _operator_dashboards(values, dashboards)
    else:
        _sidecar_dashboards(values)
    _datasources(values, log_teams)


def _operator_dashboards(values: Values, dashboards: DashboardsSettings) -> None:
    """grafana-operator delivery: no dashboard sidecar; the chart's own dashboards as CRs."""
    values.set(
        "grafana.sidecar.dashboards.enabled",
        False,
        why=(
            "metadata.dashboards.delivery is grafana-operator: manifests/ holds GrafanaDashboard\n"
            "CRs, not sidecar ConfigMaps, so the sidecar is off (one delivery path)."
        ),
    )
    op = "grafana.operator"
    values.set(
        f"{op}.dashboardsConfigMapRefEnabled",
        True,
        why=(
            "The chart's own dashboards reach Grafana as GrafanaDashboard CRs (configMapRef to\n"
            "the chart's ConfigMaps) selecting the same Grafana CR as obskit's."
        ),
    )
    values.set(f"{op}.matchLabels", dict(sorted(dashboards.instance_labels.items())))


def _sidecar_dashboards(values: Values) -> None:
    dash = "grafana.sidecar.dashboards"
    values.set(f"{dash}.enabled", True)
    values.set(
        f"{dash}.label",
        GRAFANA_DASHBOARD_LABEL,
        why="The label and value that manifests/ puts on dashboard ConfigMaps (obskit.stack).",
    )
    values.set(f"{dash}.labelValue", GRAFANA_DASHBOARD_LABEL_VALUE)
    values.set(
        f"{dash}.searchNamespace",
        "ALL",
        why="Dashboard ConfigMaps may live in any namespace.",
    )
    values.set(
        f"{dash}.folderAnnotation",
        GRAFANA_FOLDER_ANNOTATION,
        why=(
            "The sidecar writes each dashboard into the sub-directory named by this\n"
            "annotation (one folder per team); provider.foldersFromFilesStructure turns\n"
            "the sub-directories into Grafana folders."
        ),
    )
    values.set(
        f"{dash}.provider.foldersFromFilesStructure",
        True,
        why="Folders from the sidecar's sub-directories (folderAnnotation).",
    )


def _datasources(values: Values, log_teams: list[str] | None) -> None:
    ds = "grafana.sidecar.datasources"
    values.set(f"{ds}.enabled", True)
    values.set(
        f"{ds}.defaultDatasourceEnabled",
        True,
        why="The chart provisions Prometheus (uid prometheus) as the default datasource.",
    )
    values.set(f"{ds}.isDefaultDatasource", True)
    values.set(f"{ds}.uid", wiring.PROMETHEUS_UID)
    values.set(
        f"{ds}.alertmanager.enabled",
        True,
        why="The chart provisions Alertmanager as a datasource (uid alertmanager).",
    )
    values.set(f"{ds}.alertmanager.uid", wiring.ALERTMANAGER_UID)
    values.set(
        f"{ds}.exemplarTraceIdDestinations",
        {"datasourceUid": wiring.JAEGER_UID, "traceIdLabelName": wiring.TRACE_ID_FIELD},
        why="Exemplars carrying a trace_id link from Prometheus panels to the trace in Jaeger.",
    )
    values.set(
        "grafana.additionalDataSources",
        logs_and_traces(log_teams),
        why=(
            "Logs (Elasticsearch) and traces (Jaeger). Logs link to traces through the\n"
            "trace_id field (dataLinks); traces link back to logs (tracesToLogsV2) when there\n"
            "is one logs datasource; with team access on there is one per team, reading only\n"
            "logs-<team>.* (docs/access.md). The Elasticsearch password is the environment\n"
            f"variable {wiring.ES_PASSWORD_ENV}, read from ECK's Secret (envValueFrom below)."
        ),
    )
    values.set(
        "grafana.envValueFrom",
        {
            wiring.ES_PASSWORD_ENV: {
                "secretKeyRef": {
                    "name": wiring.ES_CREDENTIALS_SECRET,
                    "key": wiring.ES_CREDENTIALS_KEY,
                }
            }
        },
    )
