"""The access lint checks: shared namespaces, teams without a group, wildcard RBAC."""

from __future__ import annotations

from pathlib import Path

import yaml
from test_manifests_access import CATALOG

from obskit import load_catalog
from obskit.lint import load_checks, run_checks
from obskit.lint.base import LintContext, context_from_catalog

ACCESS = ["access-shared-namespace", "access-missing-group", "rbac-wildcard"]


def _catalog(tmp_path: Path, text: str):
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    return load_catalog(path)


def test_example_and_clean_catalog_have_no_access_findings(tmp_path, example_catalog):
    for catalog in (example_catalog, _catalog(tmp_path, CATALOG)):
        assert run_checks(context_from_catalog(catalog), load_checks(ACCESS)) == []


def test_a_namespace_of_two_teams_is_reported_unless_accepted(tmp_path):
    text = CATALOG.replace("namespace: pay-x-ns", "namespace: pay-ns")
    findings = run_checks(context_from_catalog(_catalog(tmp_path, text)), load_checks(ACCESS))
    assert [(f.check, f.group, f.rule) for f in findings] == [
        ("access-shared-namespace", "namespace pay-ns", "pay, pay-x")
    ]
    assert "checkout, ledger" in findings[0].message
    accepted = text.replace(
        "platformTeam: ops", "platformTeam: ops\n    sharedNamespaces: [pay-ns]"
    )
    ctx = context_from_catalog(_catalog(tmp_path, accepted))
    assert run_checks(ctx, load_checks(ACCESS)) == []


def test_a_team_without_a_group_is_reported_only_with_access_on(tmp_path):
    text = CATALOG.replace("{name: pay-x, access: {group: oidc:pay-x}}", "{name: pay-x}")
    findings = run_checks(context_from_catalog(_catalog(tmp_path, text)), load_checks(ACCESS))
    assert [(f.check, f.group) for f in findings] == [("access-missing-group", "team pay-x")]
    ctx = context_from_catalog(_catalog(tmp_path, text.replace("enabled: true", "enabled: false")))
    assert run_checks(ctx, load_checks(ACCESS)) == []


def test_wildcard_verbs_resources_and_groups_are_reported(tmp_path):
    ctx = context_from_catalog(_catalog(tmp_path, CATALOG))
    path = "manifests/platform/access.yaml"
    docs = [d for d in yaml.safe_load_all(ctx.files[path]) if d]
    role = next(d for d in docs if d["kind"] == "Role")
    role["rules"][0]["verbs"] = ["get", "*"]
    role["rules"][1]["resources"] = ["*/log"]
    cluster = next(d for d in docs if d["kind"] == "ClusterRole")
    cluster["rules"][2]["apiGroups"] = ["*"]
    files = {**ctx.files, path: yaml.safe_dump_all(docs).encode()}
    findings = run_checks(LintContext(ctx.catalog, files), load_checks(["rbac-wildcard"]))
    name = role["metadata"]["name"]
    assert sorted((f.group, f.rule, f.message.split(" is")[0]) for f in findings) == [
        ("ClusterRole /obskit-monitoring-read", "rules[2]", "apiGroups ['*']"),
        (f"Role {role['metadata']['namespace']}/{name}", "rules[0]", "verbs ['*']"),
        (f"Role {role['metadata']['namespace']}/{name}", "rules[1]", "resources ['*/log']"),
    ]


def test_the_event_exporters_cluster_role_is_checked_too(example_catalog):
    ctx = context_from_catalog(example_catalog)
    path = "manifests/platform/event-exporter.yaml"
    docs = [d for d in yaml.safe_load_all(ctx.files[path]) if d]
    role = next(d for d in docs if d["kind"] == "ClusterRole")
    role["rules"][0]["resources"].append("*")
    files = {**ctx.files, path: yaml.safe_dump_all(docs).encode()}
    findings = run_checks(LintContext(ctx.catalog, files), load_checks(["rbac-wildcard"]))
    assert [(f.path, f.group, f.rule) for f in findings] == [
        (path, "ClusterRole /event-exporter", "rules[0]")
    ]
