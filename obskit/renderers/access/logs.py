"""Per-team log indices and the Elasticsearch roles that restrict each team to its own.

With access on, the collectors write ``logs-<team>.<namespace>-YYYY.MM.DD`` (team names have
no dot, so ``logs-<team>.*`` never matches another team's indices; without access the index
stays ``logs-<namespace>-YYYY.MM.DD``). The team of a record is the owner of its namespace or,
in a namespace several teams share, the team whose service its ``app`` label names (as for
events, obskit.renderers.events.ownership); other records go to ``logs-unowned.<namespace>``.

:func:`roles_document` is the ECK file-realm ``roles.yml``: per team read of its pattern only
(and of its events indices ``logs-events.<team>-YYYY.MM.DD``, as a regexp) and read-only
Kibana Discover in the default space (obskit.renderers.access.kibana); no credentials.
Team names ``events`` and ``unowned`` are refused with access on (their patterns would
cover other teams' indices).
"""

from __future__ import annotations

from typing import Any

from obskit.catalog.model import Catalog
from obskit.renderers.access.kibana import kibana_applications
from obskit.renderers.events.ownership import team_scopes
from obskit.stack import LOG_INDEX_PREFIX

UNOWNED = "unowned"
#: team names whose log pattern would cover other indices
RESERVED_TEAMS = ("events", UNOWNED)
#: ``read`` is all ES|QL (``FROM logs-<team>.*``) and search need (``indices:data/read/*``,
#: resolve index); ``view_index_metadata`` serves Kibana data views (field list, mappings)
READ_PRIVILEGES = ("read", "view_index_metadata")
ROLES_SECRET = "obskit-elasticsearch-roles"
ROLES_KEY = "roles.yml"


def team_log_pattern(team: str) -> str:
    return f"{LOG_INDEX_PREFIX}-{team}.*"


def team_event_pattern(team: str) -> str:
    """A Lucene regexp (``/.../``): ``logs-events.pay-*`` would also match team ``pay-x``."""
    return rf"/{LOG_INDEX_PREFIX}-events\.{team}-[0-9]{{4}}\.[0-9]{{2}}\.[0-9]{{2}}/"


def role_name(team: str) -> str:
    return f"obskit-logs-{team}"


def log_teams(catalog: Catalog) -> list[str] | None:
    """Teams with their own log pattern (access on: every team owning a service), else None."""
    access = catalog.metadata.access
    if access is None or not access.enabled:
        return None
    return sorted(team_scopes(catalog))


def routing(catalog: Catalog) -> tuple[dict[str, str], dict[str, str]]:
    """``({namespace: team}, {"<namespace>/<app>": team})`` the collectors route by."""
    by_ns: dict[str, str] = {}
    by_app: dict[str, str] = {}
    for team, scopes in team_scopes(catalog).items():
        for scope in scopes:
            for ns in scope.namespaces:
                if scope.apps:
                    by_app.update({f"{ns}/{app}": team for app in scope.apps})
                else:
                    by_ns[ns] = team
    return dict(sorted(by_ns.items())), dict(sorted(by_app.items()))


def roles_document(catalog: Catalog) -> dict[str, Any]:
    """``roles.yml`` of the file realm: one read-only role per team owning a service."""
    return {
        role_name(team): {
            "applications": kibana_applications(),
            "cluster": [],
            "indices": [
                {
                    "names": [team_log_pattern(team), team_event_pattern(team)],
                    "privileges": list(READ_PRIVILEGES),
                }
            ],
        }
        for team in sorted(team_scopes(catalog))
    }


def _lua_table(entries: dict[str, str]) -> str:
    return "{" + ", ".join(f'["{k}"] = "{v}"' for k, v in entries.items()) + "}"


def _ruby_hash(entries: dict[str, str]) -> str:
    return "{" + ", ".join(f'"{k}" => "{v}"' for k, v in entries.items()) + "}"


def fluentd_filter(catalog: Catalog) -> str:
    """A fluentd filter setting ``log_index`` to ``logs-<team>.<namespace>`` (access on)."""
    by_ns, by_app = routing(catalog)
    expr = (
        'ns = record.dig("kubernetes", "namespace_name").to_s; '
        'app = record.dig("kubernetes", "labels", "app").to_s; '
        f'team = {_ruby_hash(by_app)}[ns + "/" + app] || {_ruby_hash(by_ns)}[ns] || '
        f'"{UNOWNED}"; "{LOG_INDEX_PREFIX}-" + team + "." + ns'
    )
    return f"""  # per-team index (docs/access.md): {LOG_INDEX_PREFIX}-<team>.<namespace>; in a
  # shared namespace the team whose service the pod's `app` label names, else {UNOWNED}
  <filter kubernetes.**>
    @type record_transformer
    enable_ruby true
    <record>
      log_index ${{{expr}}}
    </record>
  </filter>
"""


def lua_team_lookup(catalog: Catalog) -> str:
    """Lua lines turning ``ns`` and ``app`` into ``team`` (fluent-bit, access on)."""
    by_ns, by_app = routing(catalog)
    return (
        f"  local by_app = {_lua_table(by_app)}\n"
        f"  local by_ns = {_lua_table(by_ns)}\n"
        f'  local team = by_app[ns .. "/" .. app] or by_ns[ns] or "{UNOWNED}"\n'
    )
