"""The team roles' Kibana application privileges (docs/access.md), on the rendered roles Secret.

Held against what Kibana 9.5 registers (tests/data/kibana-feature-privileges.json, from
Kibana's oss_features.ts) and Elasticsearch's documented roles.yml grammar
(tests/data/es-roles-schema.json): Elasticsearch itself accepts any well-formed privilege
name and resolves an unknown one to nothing, so a wrong name would fail silently in a cluster.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from obskit import load_catalog, render
from obskit.renderers.access.kibana import KIBANA_APPLICATION
from obskit.renderers.access.logs import role_name
from obskit.renderers.dashboards.links import kibana_base

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
KIBANA = json.loads((DATA / "kibana-feature-privileges.json").read_text())
SCHEMA = json.loads((DATA / "es-roles-schema.json").read_text())
#: Kibana PrivilegeSerializer's pattern of a serialized feature privilege
FEATURE_PRIVILEGE = re.compile(r"^feature_([a-zA-Z0-9_-]+)\.([a-zA-Z0-9_-]+)$")
#: Elasticsearch ApplicationPrivilege.VALID_NAME: a name it looks up among the stored
#: privileges (anything else it takes as an action pattern)
ES_PRIVILEGE_NAME = re.compile(r"^[a-z][a-zA-Z0-9_.-]*$")
READ_ONLY_INDEX_PRIVILEGES = {"read", "view_index_metadata"}
EXAMPLE_TEAMS = ("storefront", "payments", "fulfilment", "platform")
TEST_CATALOG = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata:
  name: shop
  access: {enabled: true, platformTeam: ops}
teams:
  - {name: pay, access: {group: oidc-pay}}
  - {name: pay-x, access: {group: oidc-pay-x}}
  - {name: ops, access: {group: oidc-ops}}
services:
  - {name: checkout, team: pay, namespace: pay-ns}
  - {name: ledger, team: pay-x, namespace: pay-x-ns}
  - {name: edge, team: ops, namespace: edge}
"""


def _roles_yml(access_yaml: Path) -> dict:
    docs = [d for d in yaml.safe_load_all(access_yaml.read_text()) if d]
    (secret,) = [d for d in docs if d["kind"] == "Secret"]
    return yaml.safe_load(secret["stringData"]["roles.yml"])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, dict]:
    """``{label: roles.yml}`` of the committed example output and of a fresh render."""
    tmp = tmp_path_factory.mktemp("kibana")
    (tmp / "catalog.yaml").write_text(TEST_CATALOG)
    render(load_catalog(tmp / "catalog.yaml"), tmp / "out", only=["manifests"], use_cache=False)
    return {
        "example": _roles_yml(REPO / "manifests" / "platform" / "access.yaml"),
        "test": _roles_yml(tmp / "out" / "manifests" / "platform" / "access.yaml"),
    }


def _granted(role: dict) -> list[tuple[str, str]]:
    (entry,) = role["applications"]
    return [FEATURE_PRIVILEGE.fullmatch(p).groups() for p in entry["privileges"]]


def test_each_team_role_opens_discover_read_only_in_the_default_space_only(rendered):
    teams = {"example": EXAMPLE_TEAMS, "test": ("pay", "pay-x", "ops")}
    for label, roles in rendered.items():
        assert sorted(roles) == sorted(role_name(t) for t in teams[label]), label
        for name, role in roles.items():
            assert role["applications"] == [
                {
                    "application": "kibana-.kibana",
                    "privileges": ["feature_discover_v2.read"],
                    "resources": ["space:default"],
                }
            ], name
            # no write anywhere: no cluster privilege, no run_as, read-only index privileges
            assert role["cluster"] == [] and "run_as" not in role, name
            for grant in role["indices"]:
                assert set(grant["privileges"]) <= READ_ONLY_INDEX_PRIVILEGES, name
                assert "read" in grant["privileges"], name  # ES|QL FROM needs read


def test_the_privileges_are_registered_by_kibana_and_write_nothing(rendered):
    for roles in rendered.values():
        for name, role in roles.items():
            (entry,) = role["applications"]
            assert entry["application"] == KIBANA["application"] == KIBANA_APPLICATION
            # one exact space, no wildcard: Elasticsearch matches resources as patterns
            assert all("*" not in r and "?" not in r for r in entry["resources"]), name
            for privilege in entry["privileges"]:
                # resolved by Elasticsearch as a stored privilege name, not an action pattern
                assert ES_PRIVILEGE_NAME.fullmatch(privilege), privilege
                # not a base privilege (all, read, space_all, space_read) nor a reserved one
                assert FEATURE_PRIVILEGE.fullmatch(privilege), privilege
            for feature_id, privilege_id in _granted(role):
                feature = KIBANA["features"][feature_id]
                assert not feature.get("deprecated"), f"{feature_id}: use {feature['replacedBy']}"
                assert privilege_id in feature["privileges"], (feature_id, privilege_id)
                assert privilege_id in ("read", "minimal_read"), (feature_id, privilege_id)
                primary = feature["primary"]["read"]
                assert primary["savedObject"]["all"] == [], feature_id
                assert not set(primary["ui"]) & set(KIBANA["write_ui_capabilities"]), feature_id


def test_every_kibana_link_opens_an_app_the_team_role_grants(rendered):
    """The committed dashboards link Kibana apps; each must be one a team role opens (a
    Kibana dashboard link would need ``feature_dashboard_v2.read`` too)."""
    granted_apps = {
        app
        for role in rendered["example"].values()
        for feature_id, _ in _granted(role)
        for app in KIBANA["features"][feature_id]["app"]
    }
    base = kibana_base(load_catalog(REPO / "catalog.yaml"))
    links = {
        m.group(0)
        for path in (REPO / "dashboards").rglob("*.json")
        for m in re.finditer(re.escape(base) + r"/app/[^\"'#?]+", path.read_text())
    }
    assert links, "the example's dashboards link Kibana"
    for link in links:
        app = urlsplit(link).path.split("/")[2]
        assert app in granted_apps, link


def test_roles_yml_follows_the_documented_elasticsearch_grammar(rendered):
    for roles in rendered.values():
        jsonschema.validate(roles, SCHEMA)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r["applications"][0].pop("resources"),
        lambda r: r["applications"][0].update(resources=[]),
        lambda r: r["applications"][0].update(app="kibana"),
        lambda r: r["applications"][0].update(application="Kibana-.kibana"),
        lambda r: r["applications"][0].update(application="kb-.kibana"),
        lambda r: r["applications"][0].update(privileges=["feature discover_v2.read"]),
        lambda r: r["indices"][0].update(privileges=["reads"]),
        lambda r: r.update(application=[]),
    ],
    ids=["no-resources", "empty-resources", "unknown-field", "upper-app", "short-app",
         "space-in-name", "bad-index-privilege", "misspelt-applications"],
)  # fmt: skip
def test_the_grammar_rejects_what_elasticsearch_rejects(rendered, mutate):
    roles = copy.deepcopy(rendered["test"])
    mutate(roles[role_name("pay")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(roles, SCHEMA)
