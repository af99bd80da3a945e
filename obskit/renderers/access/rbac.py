"""Read-only RBAC per team (Role + RoleBinding in each of its namespaces) and the platform's
read of the monitoring namespace (a ClusterRole bound by a RoleBinding there).

Every rule names its verbs and resources: no wildcard, no ``secrets``, no ``configmaps``
(configuration often carries credentials), no write verb. The platform's ClusterRole is bound
with a *RoleBinding* in the monitoring namespace, so it grants nothing elsewhere (a
ClusterRoleBinding would grant it in every namespace).
"""

from __future__ import annotations

from typing import Any

from obskit.catalog.model import Catalog
from obskit.renderers.access import access_settings
from obskit.renderers.access.scopes import team_group, team_namespaces
from obskit.renderers.manifests.names import check_name
from obskit.renderers.manifests.objects import Serializer
from obskit.stack import STACK_NAMESPACE

RBAC_API = "rbac.authorization.k8s.io"
READ = ("get", "list", "watch")
#: (apiGroup, resources, verbs) a team may read in its namespaces
TEAM_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("", ("endpoints", "events", "persistentvolumeclaims", "pods", "services"), READ),
    ("", ("pods/log",), ("get",)),
    ("apps", ("daemonsets", "deployments", "replicasets", "statefulsets"), READ),
    ("autoscaling", ("horizontalpodautoscalers",), READ),
    ("batch", ("cronjobs", "jobs"), READ),
    ("events.k8s.io", ("events",), READ),
    ("monitoring.coreos.com", ("podmonitors", "prometheusrules", "servicemonitors"), READ),
    ("policy", ("poddisruptionbudgets",), READ),
)
#: resources no rendered rule may ever grant
FORBIDDEN_RESOURCES = ("secrets", "configmaps", "serviceaccounts/token")


def team_role_name(team: str) -> str:
    return f"obskit-team-{team}-read"


PLATFORM_ROLE = "obskit-monitoring-read"


def _rules() -> list[Any]:
    from kubernetes.client import V1PolicyRule

    return [
        V1PolicyRule(api_groups=[group], resources=list(res), verbs=list(verbs))
        for group, res, verbs in TEAM_RULES
    ]


def _binding(
    ser: Serializer, name: str, namespace: str, group: str, kind: str, role: str
) -> dict[str, Any]:
    from kubernetes.client import RbacV1Subject, V1ObjectMeta, V1RoleBinding, V1RoleRef

    return ser.data(
        V1RoleBinding(
            api_version=f"{RBAC_API}/v1",
            kind="RoleBinding",
            metadata=V1ObjectMeta(name=name, namespace=namespace),
            role_ref=V1RoleRef(api_group=RBAC_API, kind=kind, name=role),
            subjects=[RbacV1Subject(api_group=RBAC_API, kind="Group", name=group)],
        )
    )


def team_objects(ser: Serializer, catalog: Catalog, team: str) -> list[dict[str, Any]]:
    """The team's Role and RoleBinding in each of its namespaces (none without a group)."""
    from kubernetes.client import V1ObjectMeta, V1Role

    group = team_group(catalog, team)
    if access_settings(catalog) is None or group is None:
        return []
    name = check_name("Role", team_role_name(team), f"team {team}")
    objects: list[dict[str, Any]] = []
    for namespace in team_namespaces(catalog).get(team, ()):
        role = V1Role(
            api_version=f"{RBAC_API}/v1",
            kind="Role",
            metadata=V1ObjectMeta(name=name, namespace=namespace),
            rules=_rules(),
        )
        objects.append(ser.data(role))
        objects.append(_binding(ser, name, namespace, group, "Role", name))
    return objects


def platform_objects(ser: Serializer, catalog: Catalog) -> list[dict[str, Any]]:
    """ClusterRole ``obskit-monitoring-read``, bound to the platform team in ``monitoring``."""
    from kubernetes.client import V1ClusterRole, V1ObjectMeta

    access = access_settings(catalog)
    if access is None or access.platform_team is None:
        return []
    group = team_group(catalog, access.platform_team)
    if group is None:
        return []
    role = ser.data(
        V1ClusterRole(
            api_version=f"{RBAC_API}/v1",
            kind="ClusterRole",
            metadata=V1ObjectMeta(name=PLATFORM_ROLE),
            rules=_rules(),
        )
    )
    name = f"obskit-team-{access.platform_team}-monitoring-read"
    check_name("RoleBinding", name, "the platform team's monitoring read")
    return [role, _binding(ser, name, STACK_NAMESPACE, group, "ClusterRole", PLATFORM_ROLE)]
