"""Helm overrides: valid YAML for any key, no literal secrets (issue 12, two rows).

Round trips go through PyYAML and through go-yaml (``kubectl kustomize``, a YAML 1.2 reader
as Helm and Argo CD use).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from obskit.render.serialize import dump_yaml
from obskit.renderers.helm.commented import dump_commented

from catalog_support import HEAD, catalog_file, problems

LONG = "k" * 300
KEYS = [LONG, "a" * 1000, "tab\there", 'q"uote\\', "é😀", "x" * 1100, "a\nb", "nul\x00", "1e3"]


def _go_yaml_round_trip(kubectl: str, tmp_path: Path, values: dict) -> dict:
    """``values`` read back by kubectl's YAML reader (as the spec of a custom object)."""
    doc = {"apiVersion": "example.com/v1", "kind": "Values", "metadata": {"name": "v"}}
    text = dump_yaml(doc).decode() + "spec:\n" + _indent(dump_commented(values, {}).decode())
    (tmp_path / "values.yaml").write_text(text)
    (tmp_path / "kustomization.yaml").write_text("resources: [values.yaml]\n")
    built = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return yaml.safe_load(built.stdout)["spec"]


def _indent(text: str) -> str:
    return "".join(f"  {line}" if line else line for line in text.splitlines(True))


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
def test_any_key_is_valid_yaml_with_plain_and_nested_values(key: str) -> None:
    data = {"commonLabels": {key: "x", "n": {key: {"deep": "multi\nline\n"}}}}
    for text in (dump_yaml(data).decode(), dump_commented(data, {("n",): "why"}).decode()):
        assert yaml.safe_load(text) == data, text[:400]


def test_keys_up_to_1024_characters_stay_implicit_keys() -> None:
    """No ``? key`` complex keys where an implicit key is possible (consumers break on them)."""
    for key in (LONG, "a" * 1000, "a\nb"):
        text = dump_commented({"m": {key: {"x": 1}}}, {}).decode()
        assert "? " not in text and yaml.safe_load(text) == {"m": {key: {"x": 1}}}, text[:200]


def test_go_yaml_reads_every_key_back(kubectl: str, tmp_path: Path) -> None:
    """Every key a catalog may hold (longer ones are refused at load: kustomize fails on them)."""
    values = {
        "m": {key: {"v": i} for i, key in enumerate(KEYS) if "\x00" not in key and len(key) < 1024}
    }
    assert _go_yaml_round_trip(kubectl, tmp_path, values) == values


def _overrides(tmp_path: Path, chart: str, block: str) -> Path:
    body = "services: [{name: api, team: web}]\nenvironments:\n  prod:\n    overrides:\n"
    body += f"      {chart}:\n" + "".join(f"        {line}\n" for line in block.splitlines())
    return catalog_file(tmp_path, body)


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "obskit", "validate", str(path)], capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ('"a\\nb"', "line break or control character"),
        ('"tab\\there"', "line break or control character"),
        ("on", "read as a bool"),
        ("? " + "k" * 1100, "longer than 1024 characters"),
    ],
    ids=["newline", "tab", "yaml11-bool", "over-1024"],
)
def test_helm_keys_no_reader_takes_are_refused_at_load(
    tmp_path: Path, key: str, message: str
) -> None:
    block = (
        f"commonLabels:\n  {key}: x"
        if not key.startswith("?")
        else (f"commonLabels:\n  {key}\n  : x")
    )
    proc = _validate(_overrides(tmp_path, "kube-prometheus-stack", block))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "catalog.yaml:11:" in proc.stderr, proc.stderr
    assert "commonLabels" in proc.stderr and "Traceback" not in proc.stderr


def test_a_long_override_key_renders_valid_yaml_and_lint_passes(tmp_path: Path) -> None:
    from obskit import load_catalog, render

    path = _overrides(tmp_path, "kube-prometheus-stack", f"commonLabels:\n  {LONG}: {{x: 1}}")
    out = tmp_path / "out"
    render(load_catalog(path), out, only=["helm"])
    values = yaml.safe_load((out / "helm-values/prod/kube-prometheus-stack.yaml").read_text())
    assert values["commonLabels"][LONG] == {"x": 1}
    lint = subprocess.run(
        [sys.executable, "-m", "obskit", "lint", str(path)], capture_output=True, text=True
    )
    assert lint.returncode == 0 and "Traceback" not in lint.stderr, lint.stdout + lint.stderr


def test_lint_reports_a_broken_values_file_instead_of_crashing() -> None:
    from obskit.lint.base import LintContext
    from obskit.lint.checks import helm_keys

    broken = {"helm-values/prod/kube-prometheus-stack.yaml": b"a:\n  ? |-\n  x\n  y\n:\n  b: 1\n"}
    findings = list(helm_keys.run(LintContext(None, broken)))
    assert [f.message[:15] for f in findings] == ["not valid YAML:"], findings


# --- literal secrets (part 5) --------------------------------------------------------------

SECRETS = [
    ("kube-prometheus-stack", "grafana: {adminPassword: hunter2}", "admin.existingSecret"),
    (
        "kube-prometheus-stack",
        "grafana:\n  grafana.ini: {security: {secret_key: abc}}",
        "$__file{",
    ),
    (
        "kube-prometheus-stack",
        "alertmanager:\n  config:\n    global: {slack_api_url: 'https://hooks.slack.com/services/T/B/X'}",
        "slack_api_url_file",
    ),
    (
        "kube-prometheus-stack",
        "alertmanager:\n  config:\n    global: {smtp_auth_password: s3cret}",
        "smtp_auth_password_file",
    ),
    (
        "kube-prometheus-stack",
        "alertmanager:\n  config:\n    receivers:\n"
        "      - {name: r, pagerduty_configs: [{routing_key: 0123456789abcdef0123456789abcdef}]}",
        "routing_key_file",
    ),
    (
        "kube-prometheus-stack",
        "alertmanager:\n  config:\n    receivers:\n"
        "      - {name: r, pagerduty_configs: [{service_key: abc}]}",
        "service_key_file",
    ),
    (
        "kube-prometheus-stack",
        "alertmanager:\n  config:\n    receivers:\n      - {name: r, opsgenie_configs: [{api_key: k}]}",
        "api_key_file",
    ),
    (
        "kube-prometheus-stack",
        "alertmanager:\n  config:\n    receivers:\n"
        "      - {name: r, email_configs: [{to: a@b.c, auth_password: pw}]}",
        "auth_password_file",
    ),
    (
        "kube-prometheus-stack",
        "alertmanager:\n  config:\n    receivers:\n      - name: r\n        webhook_configs:\n"
        "          - {url: 'http://x/', http_config: {bearer_token: t}}",
        "bearer_token_file",
    ),
    (
        "kube-prometheus-stack",
        "alertmanager:\n  config:\n    receivers:\n"
        "      - {name: r, webhook_configs: [{url: 'https://user:pw@hooks.example.com/x'}]}",
        "keep credentials out of URLs",
    ),
    (
        "kube-prometheus-stack",
        "alertmanager:\n  stringConfig: |\n    global:\n      slack_api_url: https://x.example/",
        "api_url_file",
    ),
    ("jaeger", "storage: {cassandra: {password: pw}}", "storage.cassandra.existingSecret"),
    ("fluentd", "env: [{name: ES_PASSWORD, value: changeme}]", "secretKeyRef"),
    (
        "fluentd",
        "fileConfigs:\n  04_outputs.conf: |\n    <match **>\n      password changeme\n    </match>",
        "#{ENV['VAR']}",
    ),
]


@pytest.mark.parametrize(("chart", "block", "reference"), SECRETS, ids=range(len(SECRETS)))
def test_literal_secrets_in_overrides_are_refused(
    tmp_path: Path, chart: str, block: str, reference: str
) -> None:
    proc = _validate(_overrides(tmp_path, chart, block))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert (
        "catalog.yaml:1" in proc.stderr and f"environments.prod.overrides.{chart}." in proc.stderr
    )
    assert reference in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    # render refuses the same catalog and writes nothing
    out = Path(proc.args[-1]).parent / "out"
    rendered = subprocess.run(
        [sys.executable, "-m", "obskit", "render", proc.args[-1], "--out", str(out)],
        capture_output=True,
        text=True,
    )
    assert rendered.returncode == 2 and not out.exists(), rendered.stderr


def test_a_password_in_a_link_url_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(
        HEAD.replace("{name: shop}", "{name: shop, links: {kibana: 'https://a:pw@kb.example/'}}")
        + "services: [{name: api, team: web}]\n"
    )
    proc = _validate(path)
    assert proc.returncode == 2 and "metadata.links.kibana" in proc.stderr, proc.stderr


@pytest.mark.parametrize(
    "block",
    [
        "grafana: {adminPassword: ''}",
        "grafana: {admin: {existingSecret: grafana-admin}}",
        "grafana: {adminPassword: '{{ .Values.password }}'}",
        "grafana:\n  grafana.ini: {security: {admin_password: '$__file{/etc/secrets/pw}'}}",
        "alertmanager:\n  config:\n    global: {slack_api_url_file: /etc/alertmanager/secrets/s/k}",
        "alertmanager:\n  config:\n    receivers:\n"
        "      - {name: r, pagerduty_configs: [{routing_key_file: /etc/x}]}",
        "alertmanager:\n  config:\n    receivers:\n"
        "      - {name: r, webhook_configs: [{url: 'https://hooks.example.com/a@b'}]}",
    ],
)
def test_references_and_empty_values_pass(tmp_path: Path, block: str) -> None:
    from obskit import load_catalog

    load_catalog(_overrides(tmp_path, "kube-prometheus-stack", block))


def test_env_references_pass(tmp_path: Path) -> None:
    from obskit import load_catalog

    block = (
        "env:\n  - {name: ES_PASSWORD, valueFrom: {secretKeyRef: {name: es, key: pw}}}\n"
        "  - {name: ES_USER, value: elastic}"
    )
    load_catalog(_overrides(tmp_path, "fluentd", block))


def test_problems_name_the_key_line(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "services: [{name: api, team: web}]\nenvironments:\n  prod:\n    overrides:\n"
        "      kube-prometheus-stack:\n        grafana:\n          adminPassword: hunter2\n",
    )
    assert any("catalog.yaml:11:" in p and "adminPassword" in p for p in found), found
