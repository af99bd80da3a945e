"""kube-prometheus-stack ``alertmanager``: routes per team, receivers with secrets by file.

Routing: ``team`` selects the team's route; inside it ``severity=critical`` pages (PagerDuty,
else Slack, else e-mail), ``warning`` opens a ticket (Slack, else e-mail) and ``info`` goes to
the ``null`` receiver. Secrets are only referenced: Slack ``api_url_file`` and PagerDuty
``routing_key_file`` point into ``/etc/alertmanager/secrets/<secret>/<key>``, and every such
Secret is listed in ``alertmanagerSpec.secrets`` so the operator mounts it.
"""

from __future__ import annotations

from typing import Any

from obskit.catalog.model import Catalog, Team
from obskit.renderers.helm import wiring
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.sizing import Sizing

NULL_RECEIVER = "null"
GROUP_BY = ["service", "alertname"]
SLACK_TITLE = (
    '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}]'
    " {{ .CommonLabels.service }}: {{ .CommonLabels.alertname }}"
)
SLACK_TEXT = (
    "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n"
    "{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}\n{{ end }}"
    "{{ if .Annotations.dashboard }}Dashboard: {{ .Annotations.dashboard }}\n{{ end }}{{ end }}"
)


def receiver_name(team: str, severity: str) -> str:
    return f"{team}-{severity}"


def _slack(team: Team) -> list[dict[str, Any]]:
    slack = team.alerting.slack if team.alerting else None
    if slack is None:
        return []
    ref = slack.api_url_secret
    return [
        {
            "api_url_file": wiring.secret_file(ref.name, ref.key),
            "channel": slack.channel,
            "send_resolved": True,
            "title": SLACK_TITLE,
            "text": SLACK_TEXT,
        }
    ]


def _pagerduty(team: Team) -> list[dict[str, Any]]:
    pagerduty = team.alerting.pagerduty if team.alerting else None
    if pagerduty is None:
        return []
    ref = pagerduty.routing_key_secret
    return [
        {
            "routing_key_file": wiring.secret_file(ref.name, ref.key),
            "send_resolved": True,
            "description": "{{ .CommonLabels.service }}: {{ .CommonAnnotations.summary }}",
        }
    ]


def _email(team: Team) -> list[dict[str, Any]]:
    email = team.alerting.email if team.alerting else None
    if email is None:
        return []
    return [{"to": email.to, "send_resolved": True}]


def team_receivers(team: Team) -> dict[str, dict[str, Any]]:
    """``{severity: receiver}`` for the team's critical and warning alerts (None: nowhere)."""
    out: dict[str, dict[str, Any]] = {}
    critical = (
        ("pagerduty_configs", _pagerduty(team))
        if _pagerduty(team)
        else ("slack_configs", _slack(team))
        if _slack(team)
        else ("email_configs", _email(team))
    )
    warning = ("slack_configs", _slack(team)) if _slack(team) else ("email_configs", _email(team))
    for severity, (kind, configs) in (("critical", critical), ("warning", warning)):
        if configs:
            out[severity] = {"name": receiver_name(team.name, severity), kind: configs}
    return out


def secret_names(catalog: Catalog) -> list[str]:
    """Secrets Alertmanager must mount (sorted, unique)."""
    names: set[str] = set()
    for team in catalog.teams:
        alerting = team.alerting
        if alerting and alerting.slack:
            names.add(alerting.slack.api_url_secret.name)
        if alerting and alerting.pagerduty:
            names.add(alerting.pagerduty.routing_key_secret.name)
    if uses_email(catalog):
        names.add(wiring.SMTP_SECRET)
    return sorted(names)


def uses_email(catalog: Catalog) -> bool:
    return any("email_configs" in r for t in catalog.teams for r in team_receivers(t).values())


def config(catalog: Catalog) -> dict[str, Any]:
    """The Alertmanager configuration (``alertmanager.config``)."""
    receivers: list[dict[str, Any]] = [{"name": NULL_RECEIVER}]
    routes: list[dict[str, Any]] = [
        {"matchers": ['alertname="Watchdog"'], "receiver": NULL_RECEIVER},
        {"matchers": ['alertname="InfoInhibitor"'], "receiver": NULL_RECEIVER},
    ]
    for team in catalog.teams:
        by_severity = team_receivers(team)
        if not by_severity:
            continue
        receivers.extend(by_severity[s] for s in ("critical", "warning") if s in by_severity)
        sub_routes = [
            {
                "matchers": [f'severity="{severity}"'],
                "receiver": by_severity[severity]["name"]
                if severity in by_severity
                else NULL_RECEIVER,
            }
            for severity in ("critical", "warning")
        ]
        sub_routes.append({"matchers": ['severity="info"'], "receiver": NULL_RECEIVER})
        default = by_severity.get("warning", by_severity.get("critical"))
        routes.append(
            {
                "matchers": [f'team="{team.name}"'],
                "receiver": default["name"] if default else NULL_RECEIVER,
                "routes": sub_routes,
            }
        )
    out: dict[str, Any] = {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": NULL_RECEIVER,
            "group_by": GROUP_BY,
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": routes,
        },
        "inhibit_rules": [
            {
                # a page silences the same service's tickets; service=~".+" keeps alerts
                # without a service label (the chart's rules) from inhibiting each other
                "source_matchers": ['severity="critical"', 'service=~".+"'],
                "target_matchers": ['severity=~"warning|info"'],
                "equal": ["service"],
            },
        ],
        "receivers": receivers,
        "templates": ["/etc/alertmanager/config/*.tmpl"],
    }
    if uses_email(catalog):
        out["global"].update(
            {
                "smtp_smarthost": "smtp.example.com:587",
                "smtp_from": "alertmanager@example.com",
                "smtp_auth_username": "alertmanager@example.com",
                "smtp_auth_password_file": wiring.secret_file(
                    wiring.SMTP_SECRET, wiring.SMTP_SECRET_KEY
                ),
                "smtp_require_tls": True,
            }
        )
    return out


def build(values: Values, catalog: Catalog, size: Sizing) -> None:
    """Set the ``alertmanager`` part of kube-prometheus-stack's values."""
    am = size["alertmanager"]
    values.set(
        "alertmanager.config",
        config(catalog),
        why=(
            "Generated from teams[].alerting: one route per team (label team), critical ->\n"
            "PagerDuty (else Slack, else e-mail), warning -> Slack (else e-mail), info -> null.\n"
            "Grouped by service and alertname; a critical alert inhibits the same service's\n"
            "warnings and infos (equal: service). Alerts without a team label (the chart's\n"
            "default rules) and teams without alerting go to the null receiver: add a route\n"
            "through environments.<env>.overrides to send them somewhere."
            + (
                "\nsmtp_smarthost/smtp_from/smtp_auth_username are placeholders: override them;\n"
                f"the SMTP password is read from Secret {wiring.SMTP_SECRET}"
                f" (key {wiring.SMTP_SECRET_KEY})."
                if uses_email(catalog)
                else ""
            )
        ),
    )
    spec = "alertmanager.alertmanagerSpec"
    values.set(
        f"{spec}.secrets",
        secret_names(catalog),
        why=(
            "Secrets holding Slack webhook URLs, PagerDuty routing keys and the SMTP\n"
            f"password; mounted at {wiring.ALERTMANAGER_SECRETS_DIR}/<secret>/<key> and read\n"
            "through *_file settings, so no secret value is ever in these values."
        ),
    )
    values.set(
        f"{spec}.replicas",
        am["replicas"],
        why="Alertmanager replicas form a gossip cluster: 3 tolerate one lost node.",
    )
    values.set(f"{spec}.retention", am["retention"])
    values.set(f"{spec}.resources", am["resources"])
    values.set(
        f"{spec}.storage",
        {"volumeClaimTemplate": {"spec": _pvc_spec(am["storage"], size.storage_class)}},
        why="Persist silences and the notification log across restarts.",
    )


def _pvc_spec(storage: str, storage_class: str | None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": storage}},
    }
    if storage_class:
        spec["storageClassName"] = storage_class
    return spec


pvc_spec = _pvc_spec
