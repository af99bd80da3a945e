"""Test helpers: validate objects against CRD openAPIV3Schemas and the Kubernetes OpenAPI.

CRD schemas are OpenAPI v3 "structural" schemas, not JSON Schema. The conversion handles
what the Prometheus Operator CRDs use: ``nullable`` (-> a ``null`` type), the
``x-kubernetes-int-or-string`` marker (-> integer or string), ``x-kubernetes-list-type: set``
(-> ``uniqueItems``) and ``map`` with ``x-kubernetes-list-map-keys`` (checked by a custom
keyword: no two items with the same keys), ``x-kubernetes-preserve-unknown-fields``. Objects
with ``properties`` become closed (``additionalProperties: false``): the API server's strict
field validation (``kubectl apply --validate=strict``, the default since 1.27) rejects
unknown fields instead of silently dropping them, and so do these tests.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from jsonschema import validators

#: Kubernetes version the core objects are validated for (the kubectl here is 1.32)
K8S_VERSION = "1.32"
CRD_FILES = {
    "PrometheusRule": "crd-prometheusrules.yaml",
    "ServiceMonitor": "crd-servicemonitors.yaml",
    "PodMonitor": "crd-podmonitors.yaml",
    "GrafanaDashboard": "grafana-operator/grafana.integreatly.org_grafanadashboards.yaml",
    "GrafanaFolder": "grafana-operator/grafana.integreatly.org_grafanafolders.yaml",
}
DNS1123_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"


def _list_map_keys(validator, keys, instance, schema):
    if not isinstance(instance, list):
        return
    seen = set()
    for item in instance:
        if not isinstance(item, dict):
            continue
        ident = tuple(item.get(k) for k in keys)
        if ident in seen:
            yield jsonschema.ValidationError(
                f"duplicate list-map key {dict(zip(keys, ident, strict=True))}"
            )
        seen.add(ident)


CrdValidator = validators.extend(
    jsonschema.Draft7Validator, {"x-kubernetes-list-map-keys": _list_map_keys}
)

_SCHEMA_LISTS = ("anyOf", "allOf", "oneOf")


def openapi_to_jsonschema(node: Any) -> Any:
    """Convert one OpenAPI v3 structural schema node (recursively) to JSON Schema."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: openapi_to_jsonschema(sub) for name, sub in value.items()}
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            out[key] = openapi_to_jsonschema(value)
        elif key in _SCHEMA_LISTS:
            out[key] = [openapi_to_jsonschema(sub) for sub in value]
        elif key in ("description", "nullable", "format") or (
            key.startswith("x-kubernetes-") and key != "x-kubernetes-list-map-keys"
        ):
            continue
        elif key == "pattern" and "(?i)" in value:
            # Go's RE2 allows a flag group anywhere; Python only at the start
            out[key] = "(?i)" + value.replace("(?i)", "")
        else:
            out[key] = value
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("x-kubernetes-list-type") == "set":
        out["uniqueItems"] = True
    if node.get("x-kubernetes-list-type") != "map":
        out.pop("x-kubernetes-list-map-keys", None)
    if (
        "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@cache
def crd_validator(crd_dir: Path, kind: str) -> Any:
    """A validator for ``kind`` from the CRD file in ``crd_dir`` (served version)."""
    crd = yaml.safe_load((crd_dir / CRD_FILES[kind]).read_text())
    assert crd["spec"]["names"]["kind"] == kind
    version = next(v for v in crd["spec"]["versions"] if v.get("served", True))
    schema = openapi_to_jsonschema(version["schema"]["openAPIV3Schema"])
    group = crd["spec"]["group"]
    schema["properties"]["apiVersion"] = {"const": f"{group}/{version['name']}"}
    schema["properties"]["kind"] = {"const": kind}
    schema.setdefault("required", [])
    schema["required"] = sorted({*schema["required"], "apiVersion", "kind", "metadata"})
    # the meta-schema check without its format checker: CRD patterns are RE2, not ECMA 262
    jsonschema.Draft7Validator(jsonschema.Draft7Validator.META_SCHEMA).validate(schema)
    return CrdValidator(schema)


def crd_errors(crd_dir: Path, obj: dict[str, Any]) -> list[str]:
    """Every schema problem of a custom resource, plus its metadata checked as ObjectMeta."""
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in crd_validator(crd_dir, obj["kind"]).iter_errors(obj)
    ]
    errors += metadata_errors(obj)
    return errors


def metadata_errors(obj: dict[str, Any]) -> list[str]:
    """``metadata`` against the Kubernetes ObjectMeta schema, plus the name rules.

    The CRD schemas leave ``metadata`` open; the API server checks it as ObjectMeta. The
    ObjectMeta schema is reached through a ConfigMap carrying the same metadata.
    """
    import re

    import kubernetes_validate

    errors = []
    probe = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": obj.get("metadata")}
    try:
        kubernetes_validate.validate(probe, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        errors.append(f"metadata: {exc.message}")
    name = (obj.get("metadata") or {}).get("name", "")
    if len(name) > 253 or not re.match(DNS1123_SUBDOMAIN, name):
        errors.append(f"metadata.name {name!r} is not a DNS-1123 subdomain")
    return errors


def core_errors(obj: dict[str, Any]) -> list[str]:
    """A core object against the pinned Kubernetes OpenAPI schema (kubernetes-validate)."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [f"{'/'.join(map(str, exc.absolute_path))}: {exc.message}"]
    return metadata_errors(obj)
