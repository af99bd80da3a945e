"""An evaluator of kubernetes-event-exporter v1.7's *documented* config semantics (test aid).

This is not the exporter: no build of it can run here (no Debian package; its Go module
needs the network). It re-implements, for the rendered config only, what the upstream README
("Configuration", "Using Secrets", "Webhooks/HTTP", "Customizing Payload") documents and
``pkg/exporter/route.go`` / ``rule.go`` and ``main.go`` at tag v1.7 do:

- ``main.go`` runs ``os.ExpandEnv`` over the config file before parsing (``expand_env``);
- a route runs its ``drop`` rules first (any match: the event stops there); each matching
  ``match`` rule sends the event to its receiver, if it names one; only when *all* match
  rules match does the event descend into ``routes``;
- a rule field is an unanchored Go regular expression (``regexp.MatchString``) over
  ``message``, ``apiVersion``/``kind`` of the involved object, ``namespace``, ``reason``,
  ``type``, ``component``/``host`` of the source; ``labels``/``annotations`` must all be
  present on the involved object and match; ``minCount`` compares the event count;
- a ``webhook`` receiver POSTs its ``layout`` (Go templates filled from the event) as JSON.

Only the template forms obskit renders are supported (``{{ .A.B }}``,
``{{ index .A.Labels "k" }}``); anything else raises, so a new form cannot slip through.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

_NAME = re.compile(r"[A-Za-z0-9_]+")
_SPECIAL = set("*#$@!?-0123456789")
_FIELD = re.compile(r"\{\{\s*\.([A-Za-z][\w.]*)\s*\}\}")
_INDEX = re.compile(r'\{\{\s*index\s+\.([A-Za-z][\w.]*)\s+"([^"]*)"\s*\}\}')
_FUNC = re.compile(r"\{\{\s*\.(GetTimestampISO8601|GetTimestampMs)\s*\}\}")


def expand_env(text: str, env: dict[str, str]) -> str:
    """Go's ``os.ExpandEnv``: ``${NAME}``, ``$NAME``, ``$<special>``; unset names -> ""."""
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c != "$" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "{":
            end = text.find("}", i + 2)
            if end < 0:  # bad syntax: Go eats "${"
                i += 2
                continue
            if end == i + 2:  # "${}": Go eats it
                i += 3
                continue
            out.append(env.get(text[i + 2 : end], ""))
            i = end + 1
        elif nxt in _SPECIAL:
            out.append(env.get(nxt, ""))
            i += 2
        else:
            m = _NAME.match(text, i + 1)
            if m is None:  # "$" not followed by a name: kept as is
                out.append(c)
                i += 1
            else:
                out.append(env.get(m.group(), ""))
                i = m.end()
    return "".join(out)


def _go_match(pattern: str, value: str) -> bool:
    # the rendered patterns use only syntax Go's RE2 and Python's re read alike
    return re.search(pattern, value) is not None


def rule_matches(rule: dict[str, Any], ev: dict[str, Any]) -> bool:
    obj = ev.get("involvedObject", {})
    src = ev.get("source", {})
    pairs = [
        (rule.get("message"), ev.get("message", "")),
        (rule.get("apiVersion"), obj.get("apiVersion", "")),
        (rule.get("kind"), obj.get("kind", "")),
        (rule.get("namespace"), ev.get("namespace", "")),
        (rule.get("reason"), ev.get("reason", "")),
        (rule.get("type"), ev.get("type", "")),
        (rule.get("component"), src.get("component", "")),
        (rule.get("host"), src.get("host", "")),
    ]
    if any(p and not _go_match(p, v) for p, v in pairs):
        return False
    for field in ("labels", "annotations"):
        have = obj.get(field) or {}
        for key, pattern in (rule.get(field) or {}).items():
            if key not in have or not _go_match(pattern, have[key]):
                return False
    return ev.get("count", 1) >= rule.get("minCount", 0)


def route_receivers(route: dict[str, Any], ev: dict[str, Any]) -> list[str]:
    """The receivers ``ev`` is sent to by ``route`` and its sub-routes, in order."""
    if any(rule_matches(r, ev) for r in route.get("drop") or []):
        return []
    sent, all_match = [], True
    for rule in route.get("match") or []:
        if rule_matches(rule, ev):
            if rule.get("receiver"):
                sent.append(rule["receiver"])
        else:
            all_match = False
    if all_match:
        for sub in route.get("routes") or []:
            sent += route_receivers(sub, ev)
    return sent


def _lookup(ev: dict[str, Any], dotted: str) -> Any:
    keys = {
        "Type": "type",
        "Reason": "reason",
        "Message": "message",
        "Namespace": "namespace",
        "Count": "count",
        "InvolvedObject": "involvedObject",
        "Source": "source",
        "Kind": "kind",
        "Name": "name",
        "Labels": "labels",
        "Component": "component",
        "Host": "host",
        "APIVersion": "apiVersion",
    }
    value: Any = ev
    for part in dotted.split("."):
        value = (value or {}).get(keys[part])
    return value


def fill(template: str, ev: dict[str, Any]) -> str:
    """A layout string with the supported Go template forms filled from ``ev``."""
    text = _FUNC.sub(lambda m: str(ev["lastTimestamp"]), template)
    text = _INDEX.sub(lambda m: str((_lookup(ev, m.group(1)) or {}).get(m.group(2), "")), text)
    text = _FIELD.sub(
        lambda m: str(_lookup(ev, m.group(1)) if _lookup(ev, m.group(1)) is not None else ""), text
    )
    if "{{" in text:
        raise ValueError(f"template form the evaluator does not know: {template!r}")
    return text


def fill_layout(layout: Any, ev: dict[str, Any]) -> Any:
    if isinstance(layout, dict):
        return {k: fill_layout(v, ev) for k, v in layout.items()}
    return fill(layout, ev) if isinstance(layout, str) else layout


class Exporter:
    """The rendered config, expanded with the container's environment, applied to events."""

    def __init__(self, config_text: str, env: dict[str, str]) -> None:
        import yaml

        self.config = yaml.safe_load(expand_env(config_text, env))
        self.receivers = {r["name"]: r for r in self.config["receivers"]}

    def route(self, ev: dict[str, Any]) -> list[str]:
        return route_receivers(self.config["route"], ev)

    def deliver(self, ev: dict[str, Any]) -> list[str]:
        """Route ``ev``; POST it to every webhook receiver it reaches. Returns the receivers."""
        names = self.route(ev)
        for name in names:
            hook = self.receivers[name].get("webhook")
            if hook is None:
                continue
            body = json.dumps(fill_layout(hook.get("layout") or {}, ev)).encode()
            req = urllib.request.Request(
                hook["endpoint"], data=body, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(req, timeout=5) as resp:
                assert resp.status == 200
        return names
