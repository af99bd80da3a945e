"""The kubernetes-event-exporter config: one route per team scope, two receivers per team.

Semantics (exporter README, "Configuration"; ``pkg/exporter/route.go`` / ``rule.go`` at
v1.7): a route's ``drop`` rules run first; every ``match`` rule that matches sends the event
to its receiver (if it names one); only when all of a route's match rules match does the
event go down the route's sub-routes. Rule fields are Go regular expressions, unanchored,
so every pattern here is anchored. The exporter runs ``os.ExpandEnv`` over the whole file
before parsing it, which is how Secret values (environment variables) get in: ``${NAME}``.
"""

from __future__ import annotations

import re
from typing import Any

from obskit.catalog.model import Catalog, Team, TeamEvents
from obskit.renderers.events.ownership import APP_LABEL, Scope, team_scopes
from obskit.renderers.helm import wiring
from obskit.stack import LOG_INDEX_PREFIX

#: what a Deployment rollout looks like as an event (deployment controller, type Normal)
ROLLOUT_RULE = {"kind": "^Deployment$", "reason": "^ScalingReplicaSet$"}
#: events land next to the pod logs (``logs-*``): ``logs-events.<team>-YYYY.MM.DD``
EVENT_INDEX = LOG_INDEX_PREFIX + "-events.{team}"
#: Slack incoming-webhook body (``text``, mrkdwn): one line per event
CHAT_TEXT = (
    "*{{ .Type }} {{ .Reason }}* {{ .InvolvedObject.Kind }} "
    "`{{ .InvolvedObject.Namespace }}/{{ .InvolvedObject.Name }}`: {{ .Message }}"
)
#: Elasticsearch document: the field names the log collectors write, plus ``event.*``
ES_LAYOUT: dict[str, Any] = {
    wiring.TIME_FIELD: "{{ .GetTimestampISO8601 }}",
    wiring.MESSAGE_FIELD: "{{ .Reason }}: {{ .Message }}",
    wiring.LEVEL_FIELD: "{{ .Type }}",
    "kubernetes": {
        "namespace_name": "{{ .InvolvedObject.Namespace }}",
        "labels": {APP_LABEL: '{{ index .InvolvedObject.Labels "app" }}'},
    },
    "event": {
        "type": "{{ .Type }}",
        "reason": "{{ .Reason }}",
        "kind": "{{ .InvolvedObject.Kind }}",
        "name": "{{ .InvolvedObject.Name }}",
        "count": "{{ .Count }}",
        "component": "{{ .Source.Component }}",
    },
}


def chat_env(team: str) -> str:
    """Environment variable holding the team's webhook URL (from its Secret)."""
    return "EVENTS_WEBHOOK_" + re.sub(r"[^A-Za-z0-9]", "_", team).upper()


def chat_receiver(team: str) -> str:
    return f"{team}-chat"


def es_receiver(team: str) -> str:
    return f"{team}-elasticsearch"


def quote_meta(text: str) -> str:
    """Go's ``regexp.QuoteMeta``: a pattern matching ``text`` literally."""
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", text)


def _alternatives(values: tuple[str, ...] | list[str]) -> str:
    """An anchored pattern matching exactly one of ``values``."""
    return "^(?:" + "|".join(quote_meta(v) for v in values) + ")$"


def _scope_rule(scope: Scope) -> dict[str, Any]:
    rule: dict[str, Any] = {"namespace": _alternatives(scope.namespaces)}
    if scope.apps:
        rule["labels"] = {APP_LABEL: _alternatives(scope.apps)}
    return rule


def _chat_routes(team: str, events: TeamEvents) -> list[dict[str, Any]]:
    routes = []
    if "warning" in events.kinds:
        rule = {"type": "^Warning$"}
        if events.reasons:
            rule["reason"] = _alternatives(events.reasons)
        routes.append({"match": [{**rule, "receiver": chat_receiver(team)}]})
    if "rollout" in events.kinds:
        routes.append({"match": [{**ROLLOUT_RULE, "receiver": chat_receiver(team)}]})
    return routes


def _team_routes(team: Team, scopes: tuple[Scope, ...]) -> list[dict[str, Any]]:
    subroutes = [{"match": [{"receiver": es_receiver(team.name)}]}]
    if team.events is not None:
        subroutes += _chat_routes(team.name, team.events)
    return [{"match": [_scope_rule(scope)], "routes": subroutes} for scope in scopes]


def _receivers(team: Team) -> list[dict[str, Any]]:
    receivers: list[dict[str, Any]] = [
        {
            "name": es_receiver(team.name),
            "elasticsearch": {
                "hosts": [wiring.ES_URL],
                "username": wiring.ES_USER,
                "password": "${" + wiring.ES_PASSWORD_ENV + "}",
                "indexFormat": EVENT_INDEX.format(team=team.name) + "-{2006.01.02}",
                # no document ids: indexing by id is refused if the index is a data stream
                "useEventID": False,
                "layout": ES_LAYOUT,
            },
        }
    ]
    if team.events is not None:
        receivers.append(
            {
                "name": chat_receiver(team.name),
                "webhook": {
                    "endpoint": "${" + chat_env(team.name) + "}",
                    "layout": {"text": CHAT_TEXT},
                },
            }
        )
    return receivers


def exporter_config(catalog: Catalog) -> dict[str, Any]:
    """The exporter's ``config.yaml`` as data (deterministic: catalog order)."""
    scopes = team_scopes(catalog)
    routes: list[dict[str, Any]] = []
    receivers: list[dict[str, Any]] = []
    for team in catalog.teams:
        if team.name not in scopes:
            continue
        routes += _team_routes(team, scopes[team.name])
        receivers += _receivers(team)
    return {
        # not debug: failed sends are logged at debug with Go's error, which holds the URL
        "logLevel": "info",
        "logFormat": "json",
        # events older than this at start-up are not re-sent after a restart
        "maxEventAgeSeconds": 60,
        "route": {"routes": routes},
        "receivers": receivers,
    }


def secret_env(catalog: Catalog) -> list[dict[str, Any]]:
    """Container ``env``: the Elasticsearch password and each team's webhook URL, by reference."""
    env = wiring.es_password_env()
    scopes = team_scopes(catalog)
    for team in catalog.teams:
        if team.events is not None and team.name in scopes:
            ref = team.events.channel
            env.append(
                {
                    "name": chat_env(team.name),
                    "valueFrom": {"secretKeyRef": {"name": ref.name, "key": ref.key}},
                }
            )
    return env
