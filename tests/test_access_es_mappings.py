"""OIDC group -> Elasticsearch role mappings (docs/access.md) on the rendered objects: each
team's group maps to its own logs role only, and the Job's script really PUTs the bodies."""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml
from test_manifests_access import CATALOG, GROUPS, _objects, _render

from obskit.renderers.access.es_mappings import CONFIGMAP, MOUNT
from obskit.renderers.access.logs import roles_document


def _field_matches(pattern: str, value: str) -> bool:
    """An Elasticsearch role-mapping ``field`` rule value: exact, ``*``/``?`` wildcard, or
    ``/regex/`` (security/authc/support/mapper/expressiondsl/FieldExpression)."""
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        return re.fullmatch(pattern[1:-1], value) is not None
    if "*" in pattern or "?" in pattern:
        return fnmatch.fnmatchcase(value, pattern)
    return pattern == value


def _rule_matches(rule: dict, user: dict[str, list[str]]) -> bool:
    """A role-mapping rule (``field``, ``all``, ``any``, ``except``) against a user's fields;
    a field with several values matches when one does."""
    if "all" in rule:
        return all(_rule_matches(r, user) for r in rule["all"])
    if "any" in rule:
        return any(_rule_matches(r, user) for r in rule["any"])
    if "except" in rule:
        return not _rule_matches(rule["except"], user)
    ((field, want),) = rule["field"].items()
    assert field in ("groups", "realm.name"), field
    return any(_field_matches(want, v) for v in user.get(field, []))


def _roles_of(mappings: dict[str, dict], groups: list[str], realm: str = "oidc1") -> set[str]:
    user = {"groups": groups, "realm.name": [realm]}
    roles: set[str] = set()
    for body in mappings.values():
        if body["enabled"] and _rule_matches(body["rules"], user):
            roles |= set(body["roles"])
    return roles


def _mappings(objects) -> dict[str, dict]:
    (cm,) = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == CONFIGMAP]
    return {k.removesuffix(".json"): json.loads(v) for k, v in cm["data"].items()}


def test_each_group_maps_to_its_own_team_role_only(tmp_path):
    objects = _objects(_render(tmp_path))
    mappings = _mappings(objects)
    (secret,) = [o for o in objects if o["kind"] == "Secret"]
    defined = set(yaml.safe_load(secret["stringData"]["roles.yml"]))
    for team, group in GROUPS.items():
        assert _roles_of(mappings, [group]) == {f"obskit-logs-{team}"}
        assert f"obskit-logs-{team}" in defined
    # the prefix team and unknown or neighbouring groups get nothing more
    assert _roles_of(mappings, ["oidc:pay", "system:authenticated"]) == {"obskit-logs-pay"}
    assert _roles_of(mappings, ["oidc:pa", "oidc:pay-", "OIDC:PAY", "oidc"]) == set()
    assert _roles_of(mappings, list(GROUPS.values())) == {f"obskit-logs-{t}" for t in GROUPS}
    # the semantics above can fail: a wildcard group would hand pay's role to pay-x
    wild = {"m": {"enabled": True, "roles": ["r"], "rules": {"field": {"groups": "oidc:pay*"}}}}
    assert _roles_of(wild, ["oidc:pay-x"]) == {"r"}


def test_groups_elasticsearch_would_read_as_patterns_are_refused(tmp_path):
    from obskit import load_catalog
    from obskit.catalog.errors import CatalogError

    for bad in ("oidc:pa?", "/oidc:.*/", "oidc:*"):
        path = tmp_path / "c.yaml"
        path.write_text(CATALOG.replace("{group: oidc:pay-x}", f"{{group: '{bad}'}}"))
        with pytest.raises(CatalogError, match=r"teams\[1\]\.access\.group"):
            load_catalog(path)


def test_a_named_realm_is_required_besides_the_group(tmp_path):
    text = CATALOG.replace(
        "    platformTeam: ops\n", "    platformTeam: ops\n    elasticsearchRealm: corp\n"
    )
    mappings = _mappings(_objects(_render(tmp_path, text)))
    assert _roles_of(mappings, ["oidc:pay"], realm="corp") == {"obskit-logs-pay"}
    # another realm (a second IdP, a JWT realm) asserting the same group maps to nothing
    assert _roles_of(mappings, ["oidc:pay"], realm="other") == set()
    assert mappings["obskit-logs-pay"]["rules"] == {
        "all": [{"field": {"realm.name": "corp"}}, {"field": {"groups": "oidc:pay"}}]
    }


def test_no_team_without_a_group_gets_a_mapping(tmp_path):
    text = CATALOG.replace("  - {name: pay-x, access: {group: oidc:pay-x}}", "  - {name: pay-x}")
    mappings = _mappings(_objects(_render(tmp_path, text)))
    assert set(mappings) == {"obskit-logs-pay", "obskit-logs-ops"}


class _FakeElasticsearch(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str, dict]] = []
    status = 200

    def do_PUT(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append((self.command, self.path, self.headers["Authorization"], body))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"role_mapping":{"created":true}}')

    def log_message(self, *args) -> None:
        pass


@pytest.mark.skipif(not shutil.which("curl"), reason="curl absent: apt-get install -y curl")
def test_the_job_puts_every_mapping_with_the_secret_password(tmp_path):
    objects = _objects(_render(tmp_path))
    mappings = _mappings(objects)
    (job,) = [o for o in objects if o["kind"] == "Job"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    ref = env["ES_PASSWORD"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "elasticsearch-es-elastic-user", "key": "elastic"}
    mount = tmp_path / "mappings"
    mount.mkdir()
    (cm,) = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == CONFIGMAP]
    for name, text in cm["data"].items():
        (mount / name).write_text(text)
    shell, flag, script = container["command"]
    script = script.replace(MOUNT, str(mount))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeElasticsearch)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run_env = {"PATH": "/usr/bin:/bin", "ES_PASSWORD": "s3cret-from-secret",
                   "ES_URL": f"http://127.0.0.1:{server.server_port}"}  # fmt: skip
        proc = subprocess.run([shell, flag, script], env=run_env, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        auth = "Basic " + base64.b64encode(b"elastic:s3cret-from-secret").decode()
        assert sorted(_FakeElasticsearch.seen, key=lambda s: s[1]) == [
            ("PUT", f"/_security/role_mapping/{name}", auth, body)
            for name, body in sorted(mappings.items())
        ]
        assert "s3cret" not in json.dumps(objects)
        # Elasticsearch refusing a body fails the Job (so it is retried and visible)
        _FakeElasticsearch.status = 400
        proc = subprocess.run([shell, flag, script], env=run_env, capture_output=True, text=True)
        assert proc.returncode != 0
    finally:
        server.shutdown()
        server.server_close()


def test_mappings_and_roles_cover_the_same_teams(tmp_path):
    path = tmp_path / "catalog.yaml"
    path.write_text(CATALOG)
    from obskit import load_catalog
    from obskit.renderers.access.es_mappings import role_mappings

    catalog = load_catalog(path)
    assert set(role_mappings(catalog)) == set(roles_document(catalog))


def test_a_bad_group_or_realm_is_refused_with_line_field_and_fix(tmp_path):
    """`obskit render` exits 2, names file:line:col and the field, says what to write instead
    (the realm pattern allows upper case and '_': the generic lower-case name rule was
    wrong for it), and writes nothing."""
    import sys

    realm = CATALOG.replace("    platformTeam: ops\n", "    platformTeam: ops\n    elasticsearchRealm: 'oidc 1'\n")  # fmt: skip
    cases = {
        "group": (CATALOG.replace("{group: oidc:pay-x}", "{group: 'oidc:pay*'}"),
                  r"catalog\.yaml:\d+:\d+: teams\[1\]\.access\.group: 'oidc:pay\*' is not a usable "
                  r"group name.*no whitespace, '\*' or '\?' and no leading '/'"),
        "realm": (realm, r"catalog\.yaml:\d+:\d+: metadata\.access\.elasticsearchRealm: 'oidc 1' "
                         r"is not a realm name.*letters, digits, '_' and '-'"),
    }  # fmt: skip
    for name, (text, want) in cases.items():
        folder = tmp_path / name
        folder.mkdir()
        (folder / "catalog.yaml").write_text(text)
        proc = subprocess.run(
            [sys.executable, "-m", "obskit", "render", "catalog.yaml", "-o", "out"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2, proc.stderr
        assert re.search(want, proc.stderr.replace("\n", " ")), proc.stderr
        assert "Traceback" not in proc.stderr and not (folder / "out").exists()
