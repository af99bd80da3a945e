"""Events reach the owning team's chat only: the example catalog's rendered exporter config.

kubernetes-event-exporter cannot run here, so the rendered config is applied by
``event_exporter_semantics`` (an evaluator of its documented routing semantics, see there);
what a ``webhook`` receiver sends is POSTed to a real HTTP server on 127.0.0.1 that stands
in for each team's Slack incoming webhook, reached through the URL the Deployment's
``secretKeyRef`` env would carry.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from event_exporter_semantics import Exporter, expand_env, rule_matches
from k8s_schemas import core_errors

from obskit.catalog.loader import load_catalog
from obskit.renderers.events.config import exporter_config, quote_meta
from obskit.renderers.events.ownership import Scope, team_scopes
from obskit.renderers.manifests import RENDERER
from obskit.stack import STACK_NAMESPACE

#: test values of the Secrets the Deployment's env refers to
SECRETS = {("elasticsearch-es-elastic-user", "elastic"): "es-pass"}


class Hooks:
    """Webhook receiver on 127.0.0.1: records the JSON bodies POSTed per path."""

    def __init__(self) -> None:
        received: dict[str, list[dict]] = {}
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                assert self.headers["Content-Type"] == "application/json"
                received.setdefault(self.path, []).append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def objects(example_catalog) -> list[dict]:
    unit = next(u for u in RENDERER.units(example_catalog) if u.key == "platform/event-exporter")
    (text,) = unit.produce().values()
    return [d for d in yaml.safe_load_all(text) if d]


@pytest.fixture
def hooks():
    h = Hooks()
    yield h
    h.close()


def container_env(objects, secrets) -> dict[str, str]:
    """What the kubelet puts into the container: env entries resolved from Secrets."""
    (dep,) = [o for o in objects if o["kind"] == "Deployment"]
    env = {}
    for entry in dep["spec"]["template"]["spec"]["containers"][0]["env"]:
        ref = entry["valueFrom"]["secretKeyRef"]  # every env entry is a Secret reference
        env[entry["name"]] = secrets[(ref["name"], ref["key"])]
    return env


@pytest.fixture
def exporter(objects, hooks) -> Exporter:
    secrets = dict(SECRETS)
    for team in ("storefront", "payments", "platform"):
        secrets[("events-slack", team)] = f"{hooks.url}/hooks/{team}"
    (cm,) = [o for o in objects if o["kind"] == "ConfigMap"]
    return Exporter(cm["data"]["config.yaml"], container_env(objects, secrets))


def event(namespace, reason, *, type_="Warning", kind="Pod", name="x-1", app=None, message="m"):
    labels = {"app": app} if app else {}
    return {
        "type": type_,
        "reason": reason,
        "message": message,
        "namespace": namespace,
        "count": 1,
        "lastTimestamp": "2026-12-02T09:00:00Z",
        "source": {"component": "kubelet", "host": "node-1"},
        "involvedObject": {"kind": kind, "namespace": namespace, "name": name, "labels": labels},
    }


def test_team_a_event_reaches_team_a_only(exporter, hooks):
    """A BackOff of checkout (payments) in the shared namespace shop goes to payments only."""
    ev = event("shop", "BackOff", name="checkout-7d9-abc", app="checkout", message="restarting")
    assert exporter.deliver(ev) == ["payments-elasticsearch", "payments-chat"]
    assert list(hooks.received) == ["/hooks/payments"]
    (body,) = hooks.received["/hooks/payments"]
    assert body == {"text": "*Warning BackOff* Pod `shop/checkout-7d9-abc`: restarting"}


@pytest.mark.parametrize(
    ("ev", "expected"),
    [
        (event("shop", "OOMKilling", app="cart"), ["storefront-elasticsearch", "storefront-chat"]),
        # payments added FailedMount to its reasons; storefront did not
        (event("shop", "FailedMount", app="checkout"), ["payments-elasticsearch", "payments-chat"]),
        (event("shop", "FailedMount", app="cart"), ["storefront-elasticsearch"]),
        # Normal events are indexed, not sent
        (event("shop", "Pulled", type_="Normal", app="payment"), ["payments-elasticsearch"]),
        # a rollout of a storefront Deployment
        (
            event("shop", "ScalingReplicaSet", type_="Normal", kind="Deployment", app="frontend"),
            ["storefront-elasticsearch", "storefront-chat"],
        ),
        # ingress-nginx is platform's alone: no app label needed; platform has no rollouts
        (event("ingress-nginx", "Unhealthy"), ["platform-elasticsearch", "platform-chat"]),
        (
            event("ingress-nginx", "ScalingReplicaSet", type_="Normal", kind="Deployment"),
            ["platform-elasticsearch"],
        ),
        # fulfilment has no events: channel -> indexed only
        (event("shop", "BackOff", app="shipping"), ["fulfilment-elasticsearch"]),
        # nobody's: unlabelled object in a shared namespace, unknown namespace, look-alike name
        (event("shop", "BackOff"), []),
        (event("default", "BackOff", app="checkout"), []),
        (event("shop-canary", "BackOff", app="checkout"), []),
        (event("shop", "BackOff", app="checkout-v2"), []),
    ],
)
def test_routing_from_the_example_catalog(exporter, hooks, ev, expected):
    assert exporter.deliver(ev) == expected
    chats = sorted(r.removesuffix("-chat") for r in expected if r.endswith("-chat"))
    assert sorted(p.removeprefix("/hooks/") for p in hooks.received) == chats


def test_secrets_only_by_reference(objects, example_catalog):
    text = yaml.safe_dump_all(objects)
    assert "hooks.slack.com" not in text and "es-pass" not in text
    (cm,) = [o for o in objects if o["kind"] == "ConfigMap"]
    config = yaml.safe_load(cm["data"]["config.yaml"])
    endpoints = [r["webhook"]["endpoint"] for r in config["receivers"] if "webhook" in r]
    assert endpoints == [
        "${EVENTS_WEBHOOK_STOREFRONT}",
        "${EVENTS_WEBHOOK_PAYMENTS}",
        "${EVENTS_WEBHOOK_PLATFORM}",
    ]
    passwords = {
        r["elasticsearch"]["password"] for r in config["receivers"] if "elasticsearch" in r
    }
    assert passwords == {"${ES_PASSWORD}"}
    refs = {
        (t.name, t.events.channel.name, t.events.channel.key)
        for t in example_catalog.teams
        if t.events
    }
    env = {
        e["name"]: e["valueFrom"]["secretKeyRef"]
        for o in objects
        if o["kind"] == "Deployment"
        for e in o["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    for team, secret, key in refs:
        assert env[f"EVENTS_WEBHOOK_{team.upper()}"] == {"name": secret, "key": key}


def test_env_expansion_leaves_the_patterns_alone(objects):
    """``os.ExpandEnv`` runs over the whole file: only the ``${...}`` references may change."""
    (cm,) = [o for o in objects if o["kind"] == "ConfigMap"]
    text = cm["data"]["config.yaml"]
    names = {
        "ES_PASSWORD",
        "EVENTS_WEBHOOK_STOREFRONT",
        "EVENTS_WEBHOOK_PAYMENTS",
        "EVENTS_WEBHOOK_PLATFORM",
    }
    marked = {n: f"<{n}>" for n in names}
    expected = text
    for n in names:
        expected = expected.replace("${" + n + "}", f"<{n}>")
    assert expand_env(text, marked) == expected
    # the evaluator's expansion can fail: "$a" in a pattern would be eaten
    assert expand_env("^(?:x)$a", {}) == "^(?:x)"


def test_objects_validate_against_the_kubernetes_schema(objects):
    kinds = sorted(o["kind"] for o in objects)
    assert kinds == [
        "ClusterRole",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "ServiceAccount",
    ]
    for obj in objects:
        assert core_errors(obj) == [], obj["kind"]
        if obj["kind"] not in ("ClusterRole", "ClusterRoleBinding"):
            assert obj["metadata"]["namespace"] == STACK_NAMESPACE
    (dep,) = [o for o in objects if o["kind"] == "Deployment"]
    broken = json.loads(json.dumps(dep))
    broken["spec"]["replicas"] = "one"
    assert core_errors(broken)


def test_rbac_reads_events_and_labels_only(objects):
    (role,) = [o for o in objects if o["kind"] == "ClusterRole"]
    assert {v for r in role["rules"] for v in r["verbs"]} == {"get", "list", "watch"}
    resources = {(r["apiGroups"][0], res) for r in role["rules"] for res in r["resources"]}
    assert {
        ("", "events"),
        ("events.k8s.io", "events"),
        ("", "pods"),
        ("apps", "deployments"),
    } <= resources
    assert not any("*" in r["resources"] or "*" in r["apiGroups"] for r in role["rules"])


def test_config_change_rolls_the_pod(example_catalog):
    """The pod template carries the config's checksum, so a config change restarts it."""
    from obskit.renderers.events.objects import event_exporter_objects
    from obskit.renderers.manifests.objects import Serializer

    def checksum(catalog):
        (dep,) = [
            o for o in event_exporter_objects(Serializer(), catalog) if o["kind"] == "Deployment"
        ]
        return dep["spec"]["template"]["metadata"]["annotations"]["obskit.io/config-sha256"]

    other = example_catalog.model_copy(update={"teams": example_catalog.teams[:1]})
    assert checksum(other) != checksum(example_catalog) == checksum(example_catalog)


def test_scopes_from_service_namespaces(example_catalog):
    scopes = team_scopes(example_catalog)
    assert scopes["platform"] == (Scope(("ingress-nginx",)),)
    assert scopes["payments"] == (Scope(("shop",), ("checkout", "payment")),)
    assert set(scopes) == {"storefront", "payments", "fulfilment", "platform"}


def test_team_alone_in_its_namespaces_needs_no_label(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: t}\n"
        "teams:\n  - name: a\n    events: {channel: {name: s, key: a}}\n  - name: b\n"
        "services:\n  - {name: api, team: a, namespace: one}\n"
        "  - {name: web, team: a, namespace: two}\n  - {name: db, team: b, namespace: two}\n"
    )
    config = exporter_config(load_catalog(path))
    matches = [r["match"][0] for r in config["route"]["routes"]]
    assert matches == [
        {"namespace": "^(?:one)$"},
        {"namespace": "^(?:two)$", "labels": {"app": "^(?:web)$"}},
        {"namespace": "^(?:two)$", "labels": {"app": "^(?:db)$"}},
    ]
    assert [r["name"] for r in config["receivers"]] == [
        "a-elasticsearch",
        "a-chat",
        "b-elasticsearch",
    ]


def test_empty_reasons_means_every_warning(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: t}\n"
        "teams:\n  - name: a\n    events: {kinds: [warning], reasons: [], channel: {name: s, key: a}}\n"
        "services:\n  - {name: api, team: a, namespace: one}\n"
    )
    config = exporter_config(load_catalog(path))
    chat = config["route"]["routes"][0]["routes"][1:]
    assert chat == [{"match": [{"type": "^Warning$", "receiver": "a-chat"}]}]
    assert rule_matches(chat[0]["match"][0], event("one", "AnythingAtAll"))


@pytest.mark.parametrize(
    ("events", "needle"),
    [
        ("{channel: 'https://hooks.slack.com/services/T/B/x'}", "channel"),
        ("{channel: {name: s, key: a}, kinds: [everything]}", "kinds"),
        ("{channel: {name: s, key: a}, reasons: ['Back Off']}", "reasons"),
        ("{kinds: [warning]}", "channel"),
    ],
)
def test_bad_events_input_is_a_clear_error(tmp_path, events, needle):
    from obskit.catalog.errors import CatalogError

    path = tmp_path / "catalog.yaml"
    path.write_text(
        "apiVersion: obskit/v1\nkind: ServiceCatalog\nmetadata: {name: t}\n"
        f"teams:\n  - name: a\n    events: {events}\n"
        "services:\n  - {name: api, team: a, namespace: one}\n"
    )
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    text = str(info.value)
    assert "catalog.yaml:6:" in text and f"teams[0].events.{needle}" in text
    assert "lower-case" not in text  # not the hint for names: reasons are CamelCase


def test_quote_meta_matches_literally():
    import re

    for raw in ("cart-redis", "a.b", "x(y)|z", "^$"):
        assert re.fullmatch(quote_meta(raw), raw)
    assert not re.fullmatch(quote_meta("a.b"), "axb")
