"""Kubernetes Dashboard 7.x: behind the catalog's ingress and auth proxy, team RBAC as its
permission model (docs/access.md). Rendered only with ``metadata.access`` on and a ``proxy``.

The auth proxy (e.g. oauth2-proxy) signs the user in and hands the Dashboard the user's
OIDC token in the ``Authorization`` header; the Dashboard calls the API server with it, so the
user sees what the team Roles (``manifests/platform/access.yaml``) allow and nothing more. No
ServiceAccount with rights, no sample or admin user, no token login screen shortcut.
"""

from __future__ import annotations

from obskit.catalog.model import Catalog
from obskit.renderers.access import access_settings
from obskit.renderers.helm.commented import Values

#: TLS Secret of the Dashboard's ingress host (a reference: the cluster's cert tooling makes it)
TLS_SECRET = "kubernetes-dashboard-tls"


def host(catalog: Catalog, environment: str) -> str | None:
    access = access_settings(catalog)
    if access is None or access.proxy is None:
        return None
    return access.proxy.host.replace("{environment}", environment)


def build(catalog: Catalog, environment: str) -> Values | None:
    """Values of the kubernetes-dashboard chart, or None when access or its proxy is off."""
    name = host(catalog, environment)
    access = access_settings(catalog)
    if name is None or access is None or access.proxy is None:
        return None
    proxy = access.proxy
    annotations = {
        "nginx.ingress.kubernetes.io/auth-url": proxy.auth_url,
        "nginx.ingress.kubernetes.io/auth-response-headers": "Authorization",
    }
    if proxy.signin_url:
        annotations["nginx.ingress.kubernetes.io/auth-signin"] = proxy.signin_url
    values = Values()
    values.set("app.ingress.enabled", True)
    values.set("app.ingress.hosts", [name])
    values.set(
        "app.ingress.ingressClassName",
        proxy.ingress_class_name,
        why="The catalog's ingress controller (metadata.access.proxy), not the chart's own.",
    )
    values.set("app.ingress.useDefaultIngressClass", False)
    values.set(
        "app.ingress.annotations",
        annotations,
        why=(
            "Every request is checked by the auth proxy first; its Authorization header\n"
            "(the user's OIDC token) is what the Dashboard sends to the API server, so the\n"
            "team RBAC decides what the user sees."
        ),
    )
    values.set(
        "app.ingress.issuer.scope",
        "disabled",
        why=f"No cert-manager issuer assumed: the TLS Secret {TLS_SECRET} is referenced.",
    )
    values.set("app.ingress.tls.enabled", True)
    values.set("app.ingress.tls.secretName", TLS_SECRET)
    values.set(
        "kong.proxy.type",
        "ClusterIP",
        why="Reachable only through the ingress (and the monitoring NetworkPolicies).",
    )
    values.set("metrics-server.enabled", False, why="kube-prometheus-stack covers metrics.")
    values.set("cert-manager.enabled", False)
    values.set("nginx.enabled", False, why="The catalog's ingress controller is used.")
    return values
