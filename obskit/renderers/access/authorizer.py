"""An evaluator of rendered RBAC objects with the API server's RBAC authorizer semantics.

There is no API server here, so ``kubectl auth can-i`` cannot run. This follows
``plugin/pkg/auth/authorizer/rbac`` of Kubernetes: a RoleBinding grants the rules of its Role
(same namespace) or ClusterRole for requests *in its namespace only*; a ClusterRoleBinding
grants its ClusterRole's rules everywhere (a Role there grants nothing); a subject matches a
User by name, a Group by membership, a ServiceAccount by the username
``system:serviceaccount:<namespace>:<name>`` (namespace defaulting to the binding's); a rule
matches a resource request when its verbs, apiGroups and resources contain the request's
(``*`` matches anything; ``*/log`` matches the subresource ``log`` of any resource) and its
resourceNames are empty or contain the object's name, a non-resource request (``path``) when
its verbs match and a nonResourceURL equals the path, is ``*`` or a prefix ending in ``*``.
Allow-only: nothing denies. An aggregated ClusterRole grants the ``rules`` it holds (the API
server's aggregation controller fills them in; the authorizer reads nothing else).
``tests/test_access_rbac_k8s.py`` checks this against Kubernetes' own authorizer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Request:
    """``verb`` on ``resource`` (``pods/log`` for a subresource) of ``api_group``, or on the
    non-resource URL ``path`` (``/metrics``) when that is set."""

    verb: str
    resource: str
    namespace: str | None
    api_group: str = ""
    name: str | None = None
    path: str | None = None


def _url_matches(rule_url: str, path: str) -> bool:
    return rule_url in ("*", path) or (
        rule_url.endswith("*") and path.startswith(rule_url.rstrip("*"))
    )


def _rule_allows(rule: Mapping[str, Any], req: Request) -> bool:
    verbs = rule.get("verbs") or []
    groups = rule.get("apiGroups") or []
    resources = rule.get("resources") or []
    names = rule.get("resourceNames") or []
    if "*" not in verbs and req.verb not in verbs:
        return False
    if req.path is not None:
        return any(_url_matches(u, req.path) for u in rule.get("nonResourceURLs") or [])
    if "*" not in groups and req.api_group not in groups:
        return False
    sub = req.resource.partition("/")[2]
    if not ("*" in resources or req.resource in resources or (sub and f"*/{sub}" in resources)):
        return False
    return not names or (req.name is not None and req.name in names)


def _subject_matches(
    subject: Mapping[str, Any], user: str, groups: Iterable[str], namespace: str | None
) -> bool:
    kind = subject.get("kind")
    if kind == "Group":
        return subject.get("name") in set(groups)
    if kind == "User":
        return subject.get("name") == user
    if kind == "ServiceAccount":
        sa_ns = subject.get("namespace") or namespace
        return bool(sa_ns) and user == f"system:serviceaccount:{sa_ns}:{subject.get('name')}"
    return False


def allowed(
    objects: Iterable[Mapping[str, Any]], req: Request, *, user: str = "", groups: Iterable[str]
) -> bool:
    """Whether the RBAC objects let ``user`` (member of ``groups``) do ``req``."""
    objs = list(objects)
    groups = tuple(groups)
    roles = {
        (o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o
        for o in objs
        if o.get("kind") in ("Role", "ClusterRole")
    }
    for binding in objs:
        kind = binding.get("kind")
        if kind not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        ns = binding["metadata"].get("namespace")
        if kind == "RoleBinding" and req.namespace != ns:
            continue
        subjects = binding.get("subjects") or []
        if not any(_subject_matches(s, user, groups, ns) for s in subjects):
            continue
        ref = binding["roleRef"]
        if kind == "ClusterRoleBinding" and ref["kind"] != "ClusterRole":
            continue
        role = roles.get((ref["kind"], ns if ref["kind"] == "Role" else None, ref["name"]))
        if role is not None and any(_rule_allows(r, req) for r in role.get("rules") or []):
            return True
    return False
