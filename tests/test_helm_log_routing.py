"""Per-team log indices (docs/access.md): the rendered fluent-bit Lua and fluentd Ruby, run by
the real interpreters, route each record to the index its team's Elasticsearch role reads."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from test_manifests_access import es_matches

from obskit.renderers.access.logs import ROLES_SECRET, roles_document
from obskit.renderers.helm import render_all

from conftest import require_tool

#: (namespace, app label or None) -> expected index prefix (before -YYYY.MM.DD)
CASES = {
    ("shop", "checkout"): "logs-payments.shop",
    ("shop", "cart"): "logs-storefront.shop",
    ("shop", "shipping"): "logs-fulfilment.shop",
    ("shop", None): "logs-unowned.shop",
    ("shop", "checkout-canary"): "logs-unowned.shop",
    ("ingress-nginx", "ingress-nginx"): "logs-platform.ingress-nginx",
    ("ingress-nginx", None): "logs-platform.ingress-nginx",
    ("kube-system", "coredns"): "logs-unowned.kube-system",
}


def _records() -> list[dict]:
    out = []
    for ns, app in CASES:
        kube: dict = {"namespace_name": ns}
        if app is not None:
            kube["labels"] = {"app": app}
        out.append({"kubernetes": kube, "log": "hello"})
    return out


@pytest.fixture(scope="module")
def values(example_catalog):
    return render_all(example_catalog)


def test_fluent_bit_lua_routes_by_team(values, tmp_path):
    lua = require_tool("lua5.4", "apt-get install -y lua5.4")
    script = yaml.safe_load(values["helm-values/production/fluent-bit.yaml"])["luaScripts"]
    harness = tmp_path / "run.lua"
    calls = []
    for record in _records():
        kube = record["kubernetes"]
        labels = f'labels = {{app = "{kube["labels"]["app"]}"}},' if "labels" in kube else ""
        calls.append(
            f'do local c, t, r = obskit_index("kube.x", 0, {{kubernetes = {{namespace_name = '
            f'"{kube["namespace_name"]}", {labels}}}, log = "hello"}}); '
            'print(r["log_index"] .. " " .. r["message"] .. " " .. c) end'
        )
    harness.write_text(script["obskit.lua"] + "\n" + "\n".join(calls) + "\n")
    proc = subprocess.run([lua, str(harness)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"{index} hello 2" for index in CASES.values()]


def test_fluentd_record_transformer_routes_by_team(values, tmp_path):
    ruby = require_tool("ruby", "apt-get install -y ruby")
    config = yaml.safe_load(values["helm-values/production/fluentd.yaml"])["fileConfigs"]
    filters = config["02_filters.conf"]
    (line,) = [x.strip() for x in filters.splitlines() if x.strip().startswith("log_index ")]
    value = line.removeprefix("log_index ")
    assert "logstash_prefix ${$.log_index}" in config["04_outputs.conf"]
    assert "<buffer tag, $.log_index>" in config["04_outputs.conf"]
    # fluentd's RubyPlaceholderExpander (enable_ruby): a value that is one `${...}` is that
    # Ruby code, run in a lambda of (tag, time, record, ...); else `${` -> `#{` in %Q[...]
    assert value.startswith("${") and value.endswith("}")
    code = value[2:-1]
    program = (
        "require 'json'\n"
        f"run = lambda {{ |tag, time, record| {code} }}\n"
        "JSON.parse(File.read(ARGV[0])).each { |record| puts(run.call('k', 0, record)) }\n"
    )
    (tmp_path / "records.json").write_text(json.dumps(_records()))
    (tmp_path / "run.rb").write_text(program)
    proc = subprocess.run(
        [ruby, str(tmp_path / "run.rb"), str(tmp_path / "records.json")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == list(CASES.values())


def test_each_team_role_reads_exactly_the_indices_routed_to_it(example_catalog):
    roles = roles_document(example_catalog)
    for team in ("storefront", "payments", "fulfilment", "platform"):
        names = roles[f"obskit-logs-{team}"]["indices"][0]["names"]
        readable = {
            index for index in CASES.values()
            if any(es_matches(p, f"{index}-2026.12.02") for p in names)
        }  # fmt: skip
        assert readable == {i for i in CASES.values() if i.startswith(f"logs-{team}.")}, team
        assert not any(es_matches(p, "logs-unowned.shop-2026.12.02") for p in names)


def test_elasticsearch_takes_the_roles_by_secret_reference(values, example_catalog):
    from obskit.renderers.access.objects import access_files

    eck = yaml.safe_load(values["helm-values/staging/eck-stack.yaml"])
    assert eck["eck-elasticsearch"]["auth"] == {"roles": [{"secretName": ROLES_SECRET}]}
    docs = yaml.safe_load_all(access_files(example_catalog)["manifests/platform/access.yaml"])
    (secret,) = [d for d in docs if d and d["kind"] == "Secret"]
    assert secret["metadata"] == {"name": ROLES_SECRET, "namespace": "monitoring"}
    assert list(secret["stringData"]) == ["roles.yml"]  # role definitions, no credential
    assert yaml.safe_load(secret["stringData"]["roles.yml"]) == roles_document(example_catalog)
