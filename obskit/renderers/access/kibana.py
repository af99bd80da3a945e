"""The Kibana application privileges of a team's Elasticsearch role (docs/access.md).

Kibana (9.5, the eck-kibana 0.20.0 chart's default) asks Elasticsearch, for every request,
whether the user holds its actions on the application ``kibana-<kibana.index>``
(``kibana-.kibana``) for the resource ``space:<space id>``. Its feature privileges are
registered in Elasticsearch as ``feature_<feature id>.<privilege id>`` (Kibana
``PrivilegeSerializer.serializeFeaturePrivilege``). Discover is the feature ``discover_v2``
since Kibana 9.0 (``discover`` is deprecated, ``replacedBy: discover_v2``:
x-pack/platform/plugins/shared/features/server/oss_features.ts); its ``read`` privilege opens
the Discover app (``app: [discover, kibana]``, ``ui: [show]``) and reads saved searches and
data views, writes no saved object of the space, and includes Kibana's ``login:`` action
(x-pack/platform/packages/private/security/authorization_core/src/privileges/privileges.ts).

Elasticsearch does not check these names against Kibana's: a name that is not registered
resolves to no action at all (ApplicationPrivilege.resolve), so a wrong one is silently
useless, never rejected. ``tests/test_access_kibana.py`` holds the names to the features
Kibana 9.5 registers (tests/data/kibana-feature-privileges.json).
"""

from __future__ import annotations

from typing import Any

#: ``kibana-`` + ``kibana.index`` (fixed to ``.kibana`` since Kibana 8.0)
KIBANA_APPLICATION = "kibana-.kibana"
#: obskit renders no Kibana space: every team works in the default one
KIBANA_SPACE = "default"
#: read-only Discover (ES|QL included: Discover has no separate ES|QL privilege). No
#: Dashboards: obskit links no Kibana dashboard (the service dashboards link to Discover)
KIBANA_FEATURE_PRIVILEGES = (("discover_v2", "read"),)


def feature_privilege(feature: str, privilege: str) -> str:
    """Kibana's serialized name of a feature privilege, as Elasticsearch stores it."""
    return f"feature_{feature}.{privilege}"


def space_resource(space: str) -> str:
    """Kibana's resource name of a space (``ResourceSerializer.serializeSpaceResource``)."""
    return f"space:{space}"


def kibana_applications() -> list[dict[str, Any]]:
    """The ``applications`` entry of a team role: read-only Discover in the default space."""
    return [
        {
            "application": KIBANA_APPLICATION,
            "privileges": [feature_privilege(f, p) for f, p in KIBANA_FEATURE_PRIVILEGES],
            "resources": [space_resource(KIBANA_SPACE)],
        }
    ]
