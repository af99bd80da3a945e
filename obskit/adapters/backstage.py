"""Backstage in: ``kind: Component`` entities of catalog-info.yaml files as services.

``metadata.name`` is the service, ``spec.owner`` its team (``group:`` and namespace
prefixes dropped), ``metadata.description`` its description, and the namespace comes from
the ``backstage.io/kubernetes-namespace`` annotation. Other kinds, and Component fields the
catalog has no place for (lifecycle, system, type, ...), are reported per field.
"""

from __future__ import annotations

from typing import Any

from obskit.adapters.entries import UNASSIGNED, name_problem
from obskit.adapters.source import Document, Imported, InputError

API_PREFIX = "backstage.io/"
NAMESPACE_ANNOTATION = "backstage.io/kubernetes-namespace"
#: spec fields of a Component and why the catalog does not take them
_SPEC_NOT_USED = {
    "lifecycle": "the catalog has no lifecycle; use `tier` (critical, standard, low) instead",
    "system": "the catalog has no systems; dependsOn links services",
    "type": "the catalog does not type services",
    "providesApis": "the catalog has no APIs",
    "consumesApis": "the catalog has no APIs",
    "subcomponentOf": "the catalog has no subcomponents",
    "dependencyOf": "the catalog records dependsOn only on the dependent service",
}


def owner_team(owner: str) -> str:
    """``group:default/payments`` -> ``payments``."""
    return owner.split(":", 1)[-1].rsplit("/", 1)[-1]


def import_documents(docs: list[Document]) -> Imported:
    """Catalog services from Backstage entities; :class:`InputError` for non-entities."""
    out = Imported()
    problems = []
    for doc in docs:
        data = doc.data
        api = data.get("apiVersion") if isinstance(data, dict) else None
        if not isinstance(api, str) or not api.startswith(API_PREFIX):
            problems.append(
                doc.problem(
                    ("apiVersion",),
                    f"not a Backstage entity (apiVersion {api!r})",
                    "catalog-info.yaml entities have `apiVersion: backstage.io/v1alpha1`",
                )
            )
        elif data.get("kind") != "Component":
            out.skip(doc, ("kind",), f"a {data.get('kind')}: only Components become services")
        else:
            entry = _component(doc, out)
            if entry is not None:
                out.add_team(entry["team"])
                out.services.append(entry)
    if problems:
        raise InputError(problems)
    return out


def _component(doc: Document, out: Imported) -> dict[str, Any] | None:
    name = doc.get(("metadata", "name"))
    why = name_problem(name)
    if why:
        out.skip(doc, ("metadata", "name"), f"Component not imported: {why}")
        return None
    owner = doc.get(("spec", "owner"))
    team = owner_team(owner) if isinstance(owner, str) else UNASSIGNED
    if name_problem(team):
        out.skip(doc, ("spec", "owner"), f"`{owner}` is not a catalog team name: `{UNASSIGNED}`")
        team = UNASSIGNED
    elif owner is None:
        out.skip(doc, ("spec",), f"no spec.owner: team `{UNASSIGNED}`")
    entry: dict[str, Any] = {"name": name, "team": team}
    annotations = doc.get(("metadata", "annotations")) or {}
    namespace = annotations.get(NAMESPACE_ANNOTATION) if isinstance(annotations, dict) else None
    if namespace is not None:
        if name_problem(str(namespace)):
            out.skip(doc, ("metadata", "annotations", NAMESPACE_ANNOTATION), "not a namespace name")
        else:
            entry["namespace"] = str(namespace)
    description = doc.get(("metadata", "description"))
    if isinstance(description, str) and description.strip():
        entry["description"] = description.strip()
    for key in annotations if isinstance(annotations, dict) else ():
        if key != NAMESPACE_ANNOTATION:
            out.skip(doc, ("metadata", "annotations", key), "the catalog has no annotations")
    for key in ("title", "tags", "links", "labels"):
        if doc.get(("metadata", key)) is not None:
            out.skip(doc, ("metadata", key), f"the catalog has no {key} on services")
    for key in doc.get(("spec",), {}) or {}:
        if key in _SPEC_NOT_USED:
            out.skip(doc, ("spec", key), _SPEC_NOT_USED[key])
    if doc.get(("metadata", "namespace")) not in (None, "default"):
        out.skip(doc, ("metadata", "namespace"), "a Backstage namespace, not a Kubernetes one")
    return entry
