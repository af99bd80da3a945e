"""Team access across the stack (docs/access.md), from ``teams[].access`` and namespaces.

``metadata.access.enabled`` turns it on. :mod:`.scopes` says which namespaces are whose;
:mod:`.rbac` builds the read-only Roles, RoleBindings and the platform's monitoring read;
:mod:`.network` the NetworkPolicies of the monitoring namespace; :mod:`.grafana` the team
folder permissions; :mod:`.logs` the per-team log index patterns and Elasticsearch roles;
:mod:`.authorizer` evaluates RBAC rules the way the API server does (the tests' authorizer);
:mod:`.table` the who-can-see-what table of docs/access.md.
"""

from __future__ import annotations

from obskit.catalog.model import Access, Catalog


def access_settings(catalog: Catalog) -> Access | None:
    """The catalog's access settings when access rendering is on, else None."""
    access = catalog.metadata.access
    return access if access is not None and access.enabled else None
