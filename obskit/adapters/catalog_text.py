"""Imported entries as catalog text: a new catalog, or appended to an existing one.

Merging edits the catalog *text* (as ``obskit discover`` does): new teams and services are
appended to the ``teams:`` and ``services:`` block lists, every existing line, comment and
key order kept. A service whose name the catalog already has is not added (a conflict).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from obskit.adapters.source import Imported
from obskit.discover.merge import HEADER, MergeError, append_entries
from obskit.render.serialize import dump_yaml


@dataclass
class Merge:
    """What a merge adds and which imported services the catalog already has."""

    text: str
    added: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def new_catalog_text(imported: Imported, name: str, source: str) -> str:
    """A complete catalog holding the imported teams and services."""
    header = f"# Written by `obskit import {source}`: review teams, namespaces and objectives.\n"
    body = {
        "metadata": {"name": name},
        "teams": [{"name": t} for t in imported.teams],
        "services": imported.services,
    }
    return header + HEADER + dump_yaml(body, sort_keys=False).decode()


def _names(text: str, key: str, source: str) -> set[str]:
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise MergeError(f"{source}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise MergeError(f"{source}: not a YAML mapping")
    items = data.get(key) or []
    return (
        {i.get("name") for i in items if isinstance(i, dict)} if isinstance(items, list) else set()
    )


def merge_into(
    text: str,
    imported: Imported,
    source: str,
    origin: str,
    known: tuple[set[str], set[str]] | None = None,
) -> Merge:
    """``text`` with the imported services (and their missing teams) appended.

    ``known``: (service names, team names) of the whole catalog when ``text`` is one file of
    a catalog directory; default: the names in ``text``.
    """
    services = _names(text, "services", source)
    teams = _names(text, "teams", source)
    if known is not None:
        services, teams = services | known[0], teams | known[1]
    result = Merge(text)
    new_services: list[tuple[list[str], dict[str, Any]]] = []
    needed: list[str] = []
    for entry in imported.services:
        if entry["name"] in services:
            result.conflicts.append(entry["name"])
            continue
        services.add(entry["name"])
        result.added.append(entry["name"])
        new_services.append(([f"imported from {origin}"], entry))
        if entry["team"] not in teams and entry["team"] not in needed:
            needed.append(entry["team"])
    new_teams = [([f"imported from {origin}"], {"name": t}) for t in needed]
    result.text = append_entries(text, [("teams", new_teams), ("services", new_services)], source)
    return result
