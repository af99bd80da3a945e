"""Kubernetes object names and labels: DNS-1123 checks and a slug for file-derived names."""

from __future__ import annotations

import re

from obskit.render.output import OutputError

DNS1123_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN_RE = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
LABEL_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


class ManifestError(OutputError):
    """The manifests cannot be rendered (an invalid name, an object over the size limit)."""


def is_dns1123_label(name: str) -> bool:
    """A namespace or Service name: at most 63 of ``[a-z0-9-]``, alphanumeric at both ends."""
    return len(name) <= 63 and bool(DNS1123_LABEL_RE.match(name))


def is_dns1123_subdomain(name: str) -> bool:
    """Most object names (ConfigMap, custom resources): at most 253, dot-separated labels."""
    return len(name) <= 253 and bool(DNS1123_SUBDOMAIN_RE.match(name))


def is_label_key(key: str) -> bool:
    """``[prefix/]name``: prefix a DNS-1123 subdomain, name at most 63 qualified-name chars."""
    prefix, _, name = key.rpartition("/")
    if prefix and not is_dns1123_subdomain(prefix):
        return False
    return len(name) <= 63 and bool(_QUALIFIED_NAME_RE.match(name))


def is_label_value(value: str) -> bool:
    return len(value) <= 63 and bool(LABEL_VALUE_RE.match(value))


def slug(text: str) -> str:
    """``overview/Team Payments`` -> ``overview-team-payments`` (for names made from paths)."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "x"


def check_name(kind: str, name: str, what: str) -> str:
    """Return ``name`` or raise a clear error saying which object it would have named."""
    ok = is_dns1123_label(name) if kind == "Namespace" else is_dns1123_subdomain(name)
    if not ok:
        raise ManifestError(
            f"{kind} name {name!r} for {what} is not a valid DNS-1123 "
            f"{'label' if kind == 'Namespace' else 'subdomain'}"
        )
    return name


def check_labels(labels: dict[str, str], what: str) -> dict[str, str]:
    for key, value in labels.items():
        if not is_label_key(key):
            raise ManifestError(f"label key {key!r} on {what} is not a valid Kubernetes label key")
        if not is_label_value(value):
            raise ManifestError(
                f"label {key}={value!r} on {what} is not a valid Kubernetes label value "
                "(at most 63 characters of [A-Za-z0-9-_.], alphanumeric at both ends)"
            )
    return labels
