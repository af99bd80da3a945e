"""Which settings hold secrets, and the reference to write instead of a literal value.

One place for this knowledge: the catalog check that refuses literal secrets in
``environments.*.overrides`` (:mod:`obskit.catalog.overrides`) and the test that scans every
rendered file both read it. Reference keys are the pinned charts' (kube-prometheus-stack
88.5.3: Alertmanager v0.34, Grafana chart ``admin.existingSecret``; Jaeger
``storage.*.existingSecret``).
"""

from __future__ import annotations

import re
from typing import Any

#: Alertmanager's files are mounted from Secrets listed in this kube-prometheus-stack value
_MOUNT = (
    "with the Secret listed in alertmanager.alertmanagerSpec.secrets "
    "(mounted at /etc/alertmanager/secrets/<secret>/<key>)"
)

#: key -> the reference form to use instead of a literal value
SECRET_KEYS: dict[str, str] = {
    # Alertmanager global settings and receivers
    "slack_api_url": f"`slack_api_url_file` {_MOUNT}; or teams[].alerting.slack.apiURLSecret",
    "api_url": f"`api_url_file` {_MOUNT}; or teams[].alerting.slack.apiURLSecret",
    "routing_key": f"`routing_key_file` {_MOUNT}; or teams[].alerting.pagerduty.routingKeySecret",
    "service_key": f"`service_key_file` {_MOUNT}",
    "api_key": f"`api_key_file` {_MOUNT}",
    "opsgenie_api_key": f"`opsgenie_api_key_file` {_MOUNT}",
    "victorops_api_key": f"`victorops_api_key_file` {_MOUNT}",
    "auth_password": f"`auth_password_file` {_MOUNT}",
    "auth_secret": f"`auth_secret_file` {_MOUNT}",
    "smtp_auth_password": f"`smtp_auth_password_file` {_MOUNT}",
    "smtp_auth_secret": f"`smtp_auth_secret_file` {_MOUNT}",
    "bearer_token": f"`bearer_token_file` {_MOUNT}",
    "credentials": f"`credentials_file` {_MOUNT}",
    "client_secret": f"`client_secret_file` {_MOUNT}",
    "bot_token": f"`bot_token_file` {_MOUNT}",
    "token": f"`token_file` {_MOUNT} (or the chart's existingSecret)",
    "user_key": f"`user_key_file` {_MOUNT}",
    "webhook_url": f"`webhook_url_file` {_MOUNT}",
    "api_secret": f"`api_secret_file` {_MOUNT}",
    "wechat_api_secret": f"`wechat_api_secret_file` {_MOUNT}",
    "password": "`password_file` (Alertmanager basic_auth) or the chart's `existingSecret`",
    # Grafana (chart values and grafana.ini)
    "adminPassword": "grafana.admin.existingSecret (with admin.userKey and admin.passwordKey)",
    "admin_password": "grafana.admin.existingSecret, or `$__file{/path}` / `$__env{VAR}`",
    "secretKey": "`$__file{/path}` or `$__env{GF_SECURITY_SECRET_KEY}` from envFromSecret",
    "secret_key": "`$__file{/path}` or `$__env{GF_SECURITY_SECRET_KEY}` from envFromSecret",
    "basicAuthPassword": "secureJsonData.basicAuthPassword: $VAR with the variable from a Secret",
    # log shippers
    "passwd": "an environment variable from a Secret: `${VAR}` with env[].valueFrom.secretKeyRef",
    "http_passwd": "an environment variable from a Secret: `${VAR}` with env[].valueFrom",
    "HTTP_Passwd": "an environment variable from a Secret: `${VAR}` with env[].valueFrom",
}

#: configuration text (fluentd, fluent-bit) reads secrets from environment variables
TEXT_HINT = (
    "an environment variable set from a Secret (env[].valueFrom.secretKeyRef): "
    "`\"#{ENV['VAR']}\"` in fluentd, `${VAR}` in fluent-bit; or `password_file` in Alertmanager"
)
#: :data:`SECRET_KEYS` by lower-case name (configuration text is matched case-insensitively)
_LOWER_KEYS = {key.lower(): hint for key, hint in SECRET_KEYS.items()} | {
    "secret": "a Secret reference (existingSecret, secretKeyRef, a `*_file` setting)",
    "password": TEXT_HINT,
}

#: environment variables (``env: [{name, value}]``) whose name says they hold a secret
SECRET_ENV_NAME = re.compile(r"(?i)(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|CREDENTIALS)")
ENV_HINT = "`valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}` instead of `value`"

#: a value that refers to a secret instead of holding it: Helm ``{{ }}`` templates,
#: ``${VAR}`` / ``$VAR``, Grafana ``$__env{}`` / ``$__file{}``, fluentd ``#{ENV[...]}``
REFERENCE = re.compile(r"\{\{.*\}\}|^\$\{|^#\{ENV\[|^\$__(env|file)\{|^\$[A-Z_][A-Z0-9_]*$")

#: literal secrets recognisable by their value, wherever they are
SECRET_VALUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"hooks\.slack\.com/(services|workflows)/\S+"), "a Slack webhook URL"),
    (re.compile(r"events\.pagerduty\.com/\S*[a-f0-9]{32}"), "a PagerDuty integration URL"),
    (re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{8,}"), "a Slack token"),
    (re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]*:[^/\s@]+@"), "a URL with a password"),
)
URL_HINT = "keep credentials out of URLs: the `*_file` form of the setting, or a Secret reference"

#: ``key: value`` / ``key value`` lines of configuration text (YAML, fluentd, fluent-bit)
_LINE_KEY = re.compile(r"^[\s-]*[\"']?([A-Za-z_][A-Za-z0-9_]*)[\"']?\s*(?::|=|\s)\s*(\S.*)$")


def is_reference(value: Any) -> bool:
    """Whether ``value`` may stand under a secret key: empty, not a string, or a reference."""
    if value is None or isinstance(value, bool | dict | list):
        return True
    text = str(value).strip().strip("\"'")
    return text == "" or bool(REFERENCE.search(text))


def value_problem(value: str) -> str | None:
    """What literal secret ``value`` looks like (``a Slack webhook URL``), or None."""
    for pattern, what in SECRET_VALUES:
        if pattern.search(value):
            return what
    return None


def secret_lines(text: str) -> list[tuple[int, str, str]]:
    """Literal secrets in configuration text: ``[(line number, line, hint)]``.

    Comment lines (``#``) are skipped; a line is a finding when it sets a secret key to a
    literal (``password changeme``) or holds a value :func:`value_problem` recognises.
    """
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        match = _LINE_KEY.match(line)
        hint = _LOWER_KEYS.get(match.group(1).lower()) if match else None
        if match and hint:
            value = match.group(2).split(" #", 1)[0].strip()
            if not is_reference(value):
                found.append((number, line.strip(), hint))
                continue
        if value_problem(line):
            found.append((number, line.strip(), URL_HINT))
    return found
