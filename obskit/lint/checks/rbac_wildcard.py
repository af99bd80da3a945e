"""A rendered Role or ClusterRole rule with a ``*`` verb, API group or resource."""

from __future__ import annotations

from collections.abc import Iterable

import yaml

from obskit.lint.base import Finding, LintContext

NAME = "rbac-wildcard"
DESCRIPTION = (
    "A Role or ClusterRole rule in manifests/ whose verbs, apiGroups or resources contain `*` "
    "(or `*/subresource`): it grants whatever the cluster adds later, secrets included. Name "
    "each verb and resource."
)
FIELDS = ("verbs", "apiGroups", "resources")


def run(ctx: LintContext) -> Iterable[Finding]:
    for path, data in sorted(ctx.files.items()):
        if not path.startswith("manifests/") or not path.endswith(".yaml"):
            continue
        try:
            docs = [d for d in yaml.safe_load_all(data) if isinstance(d, dict)]
        except yaml.YAMLError as exc:
            yield Finding(NAME, path, "", "", f"not valid YAML: {' '.join(str(exc).split())}")
            continue
        for doc in docs:
            if doc.get("kind") not in ("Role", "ClusterRole"):
                continue
            meta = doc.get("metadata") or {}
            where = f"{doc['kind']} {meta.get('namespace', '')}/{meta.get('name', '')}".strip()
            for i, rule in enumerate(doc.get("rules") or []):
                for field in FIELDS:
                    bad = [v for v in rule.get(field) or [] if v == "*" or str(v).startswith("*/")]
                    if bad:
                        yield Finding(
                            NAME,
                            path,
                            where,
                            f"rules[{i}]",
                            f"{field} {bad} is a wildcard; list the {field} the role needs",
                        )
