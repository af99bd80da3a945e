"""Alertmanager routing per team, checked with the real amtool (config check + route test)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from obskit.catalog.loader import load_catalog
from obskit.renderers.helm import alertmanager

CATALOG = """apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {name: shop}
teams:
  - name: paging
    alerting:
      slack: {channel: "#paging", apiURLSecret: {name: am-slack, key: paging}}
      pagerduty: {routingKeySecret: {name: am-pd, key: paging}}
      email: {to: paging@example.com}
  - name: chatty
    alerting:
      slack: {channel: "#chatty", apiURLSecret: {name: am-slack, key: chatty}}
  - name: mailer
    alerting:
      email: {to: mailer@example.com}
  - name: pager-only
    alerting:
      pagerduty: {routingKeySecret: {name: am-pd, key: pager-only}}
  - name: silent
services:
  - {name: api, team: paging}
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("am")
    (directory / "catalog.yaml").write_text(CATALOG)
    return alertmanager.config(load_catalog(directory / "catalog.yaml"))


@pytest.fixture(scope="module")
def config_file(config, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("amcfg") / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _route(amtool: str, config_file: Path, **labels: str) -> str:
    out = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config_file}"]
        + [f"{k}={v}" for k, v in labels.items()],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_amtool_accepts_the_config(amtool, config_file):
    out = subprocess.run([amtool, "check-config", str(config_file)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_example_catalog_config_passes_amtool(amtool, example_catalog, tmp_path):
    path = tmp_path / "am.yaml"
    path.write_text(yaml.safe_dump(alertmanager.config(example_catalog)))
    out = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize(
    ("team", "severity", "receiver"),
    [
        ("paging", "critical", "paging-critical"),
        ("paging", "warning", "paging-warning"),
        ("paging", "info", "null"),
        ("chatty", "critical", "chatty-critical"),
        ("chatty", "warning", "chatty-warning"),
        ("mailer", "critical", "mailer-critical"),
        ("mailer", "warning", "mailer-warning"),
        ("pager-only", "critical", "pager-only-critical"),
        ("pager-only", "warning", "null"),
        ("silent", "critical", "null"),
        ("nobody", "critical", "null"),
    ],
)
def test_route_per_team_and_severity(amtool, config_file, team, severity, receiver):
    got = _route(amtool, config_file, team=team, severity=severity, service="api", alertname="X")
    assert got == receiver


def test_receivers_use_the_right_integration(config):
    receivers = {r["name"]: r for r in config["receivers"]}
    assert set(receivers["paging-critical"]) == {"name", "pagerduty_configs"}
    assert set(receivers["paging-warning"]) == {"name", "slack_configs"}
    assert set(receivers["chatty-critical"]) == {"name", "slack_configs"}
    assert set(receivers["mailer-critical"]) == {"name", "email_configs"}
    assert set(receivers["mailer-warning"]) == {"name", "email_configs"}
    assert "pager-only-warning" not in receivers
    pd = receivers["paging-critical"]["pagerduty_configs"][0]
    assert pd["routing_key_file"] == "/etc/alertmanager/secrets/am-pd/paging"
    assert "routing_key" not in pd
    slack = receivers["chatty-warning"]["slack_configs"][0]
    assert slack["api_url_file"] == "/etc/alertmanager/secrets/am-slack/chatty"
    assert slack["channel"] == "#chatty" and "api_url" not in slack
    assert config["global"]["smtp_auth_password_file"].startswith("/etc/alertmanager/secrets/")
    assert "smtp_auth_password" not in config["global"]


def test_grouping_and_inhibition(config):
    assert config["route"]["group_by"] == ["service", "alertname"]
    (rule,) = config["inhibit_rules"]
    assert 'severity="critical"' in rule["source_matchers"]
    assert any("warning" in m for m in rule["target_matchers"])
    assert rule["equal"] == ["service"]


def test_mounted_secrets_cover_every_file_reference(tmp_path):
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    catalog = load_catalog(tmp_path / "catalog.yaml")
    assert alertmanager.secret_names(catalog) == ["alertmanager-smtp", "am-pd", "am-slack"]
    text = yaml.safe_dump(alertmanager.config(catalog))
    for line in text.splitlines():
        if "_file:" in line:
            secret = line.split("/etc/alertmanager/secrets/")[1].split("/")[0]
            assert secret in alertmanager.secret_names(catalog)
