"""Add discovered services to a catalog without touching what a human wrote.

The plan says what discovery would add (new services and teams), what it found already in
the catalog (kept as written, differences reported), and which catalog services it did not
see. Applying it edits the catalog *text*: new entries are appended at the end of the
``teams:`` and ``services:`` block lists, so every existing line, comment and key order
stays as it was. A catalog directory gets the new entries in ``discovered.yaml``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from obskit.catalog.model import NAME_RE, Catalog
from obskit.discover.cluster import SYSTEM_NAMESPACES
from obskit.discover.mapping import Discovered
from obskit.render.serialize import dump_yaml

DIRECTORY_FILE = "discovered.yaml"
HEADER = "apiVersion: obskit/v1\nkind: ServiceCatalog\n"


class MergeError(Exception):
    """The catalog cannot be extended safely (flow-style lists, an invalid result)."""


@dataclass
class Plan:
    added: list[Discovered] = field(default_factory=list)
    new_teams: list[tuple[str, str]] = field(default_factory=list)
    #: (discovered, catalog service name, differences)
    kept: list[tuple[Discovered, str, list[str]]] = field(default_factory=list)
    #: catalog services in a scanned namespace with no matching workload
    unseen: list[str] = field(default_factory=list)
    skipped: list[tuple[Discovered, str]] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.added or self.new_teams)


def make_plan(
    discovered: Sequence[Discovered],
    existing: Catalog | None,
    scanned: Sequence[str] | None = None,
) -> Plan:
    """Match workloads to catalog services; name and collect the new ones.

    ``scanned``: the namespaces read (None: all but the system ones), where every catalog
    service should have had a workload.
    """
    plan = Plan()
    services = list(existing.services) if existing else []
    by_workload = {(s.namespace, s.workload.kind, s.workload_name): s for s in services}
    by_name = {(s.namespace, s.name): s for s in services}
    matched: set[str] = set()
    taken = {s.name for s in services}
    counts: dict[str, int] = {}
    for d in discovered:
        counts[d.workload] = counts.get(d.workload, 0) + 1
    for d in discovered:
        known = by_workload.get((d.namespace, d.kind, d.workload)) or by_name.get(
            (d.namespace, d.workload)
        )
        if known is not None:
            matched.add(known.name)
            plan.kept.append((d, known.name, _differences(d, known)))
            continue
        if len(d.workload) > 63 or not re.match(NAME_RE, d.workload):
            plan.skipped.append((d, "its name is not a DNS-1123 label, as catalog names must be"))
            continue
        d.name = _unique_name(d, taken, counts[d.workload] > 1)
        taken.add(d.name)
        plan.added.append(d)
    teams = {t.name for t in existing.teams} if existing else set()
    for d in plan.added:
        if d.team not in teams:
            teams.add(d.team)
            plan.new_teams.append((d.team, d.team_reason))
    plan.unseen = sorted(
        s.name
        for s in services
        if s.name not in matched
        and (
            s.namespace in scanned if scanned is not None else s.namespace not in SYSTEM_NAMESPACES
        )
    )
    return plan


def _unique_name(d: Discovered, taken: set[str], duplicated: bool) -> str:
    name = d.workload
    if name in taken or duplicated:
        name = f"{d.workload}-{d.namespace}"[:63].strip("-")
    base, n = name, 2
    while name in taken:
        suffix = f"-{n}"
        name = base[: 63 - len(suffix)].strip("-") + suffix
        n += 1
    return name


def _differences(d: Discovered, known: Any) -> list[str]:
    diffs = []
    if known.metrics.preset != d.preset:
        diffs.append(
            f"preset {known.metrics.preset} in the catalog; discovery suggests {d.preset} "
            f"({d.preset_reason})"
        )
    if d.scrape and known.metrics.scrape is None:
        diffs.append(f"scraped by annotation ({_flow(d.scrape)}) but no metrics.scrape")
    if not d.team_reason.startswith("no ") and known.team != d.team:
        diffs.append(f"team {known.team} in the catalog; {d.team_reason}")
    return diffs


# --- text -----------------------------------------------------------------------------------


def _flow(data: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in data.items()) + "}"


def service_entry(d: Discovered) -> dict[str, Any]:
    """The catalog entry for a new service (workload left out when it is the default)."""
    entry: dict[str, Any] = {"name": d.name, "team": d.team, "namespace": d.namespace}
    if d.kind != "Deployment" or d.workload != d.name:
        entry["workload"] = {"kind": d.kind, "name": d.workload}
    metrics: dict[str, Any] = {"preset": d.preset}
    if d.selector:
        metrics["selector"] = dict(d.selector)
    if d.buckets:
        metrics["buckets"] = list(d.buckets)
    if d.scrape:
        metrics["scrape"] = dict(d.scrape)
    entry["metrics"] = metrics
    if d.slos:
        entry["slos"] = [dict(slo) for slo in d.slos]
    return entry


def _items(entries: list[tuple[list[str], dict[str, Any]]], indent: int) -> str:
    pad = " " * indent
    out = []
    for comments, entry in entries:
        out += [f"{pad}# {c}".rstrip() + "\n" for c in comments]
        body = dump_yaml([entry], sort_keys=False).decode()
        out += [pad + line + "\n" for line in body.splitlines()]
    return "".join(out)


def _service_items(plan: Plan) -> list[tuple[list[str], dict[str, Any]]]:
    return [
        (
            [
                f"discovered: {d.ref} | team {d.team}: {d.team_reason} | "
                f"preset {d.preset}: {d.preset_reason}",
                *(f"check: {n}" for n in d.notes),
            ],
            service_entry(d),
        )
        for d in plan.added
    ]


def _team_items(plan: Plan) -> list[tuple[list[str], dict[str, Any]]]:
    return [([f"discovered: {reason}"], {"name": team}) for team, reason in plan.new_teams]


HEADER_COMMENT = "# Written by `obskit discover`: review teams and presets, then add SLOs.\n"
#: the header of a catalog discovered on a Prometheus (SLOs are proposed)
PROMETHEUS_HEADER_COMMENT = (
    "# Written by `obskit discover --prometheus`: presets detected from the live series;\n"
    "# review teams (unassigned is a placeholder), SLO objectives and thresholds.\n"
)


def new_catalog_text(
    plan: Plan, name: str, cluster: str | None, header: str = HEADER_COMMENT
) -> str:
    """A complete starter catalog holding only the discovered services."""
    meta: dict[str, Any] = {"name": name}
    if cluster:
        meta["cluster"] = cluster
    text = header
    text += HEADER + dump_yaml({"metadata": meta}, sort_keys=False).decode()
    text += "teams:\n" + _items(_team_items(plan), 2)
    text += "services:\n" + _items(_service_items(plan), 2)
    return text


def merged_text(text: str, plan: Plan, source: str) -> str:
    """``text`` with the plan's new teams and services appended to its block lists."""
    return append_entries(
        text, [("teams", _team_items(plan)), ("services", _service_items(plan))], source
    )


def append_entries(
    text: str, lists: Sequence[tuple[str, list[tuple[list[str], dict[str, Any]]]]], source: str
) -> str:
    """``text`` with entries (comment lines, entry) appended to its top-level block lists.

    Every existing line stays as written; a missing list is added at the end.
    """
    root = yaml.compose(text) if text.strip() else None
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise MergeError(f"{source}: not a YAML mapping")
    edits: list[tuple[int, int, int, str]] = []  # (start, priority, end, new text)
    for priority, (key, items) in enumerate(lists):
        if items:
            edits += _append_edits(text, root, key, items, priority, source)
    for start, _, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _append_edits(
    text: str,
    root: yaml.MappingNode | None,
    key: str,
    items: list[tuple[list[str], dict[str, Any]]],
    priority: int,
    source: str,
) -> list[tuple[int, int, int, str]]:
    pair = next((p for p in (root.value if root else []) if p[0].value == key), None)
    if pair is None:
        prefix = "" if not text or text.endswith("\n") else "\n"
        return [(len(text), priority, len(text), f"{prefix}{key}:\n{_items(items, 2)}")]
    key_node, value = pair
    if isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null"):
        at = _line_start(text, key_node.end_mark.line + 1)
        return [(at, priority, at, _items(items, 2))]
    if not isinstance(value, yaml.SequenceNode):
        raise MergeError(f"{source}: `{key}` is not a list")
    if value.flow_style:
        if value.value:
            raise MergeError(
                f"{source}: `{key}` is a flow-style list ([...]); write it as a block list "
                "(one `- ` item per line) so discover can append to it"
            )
        at = _line_start(text, value.end_mark.line + 1)
        return [
            (value.start_mark.index, priority, value.end_mark.index, ""),
            (at, priority, at, _items(items, 2)),
        ]
    first = value.value[0].start_mark
    line = text.splitlines()[first.line]
    indent = line.rfind("-", 0, first.column)
    end = _node_end(value)
    at = _line_start(text, end.line if end.column == 0 else end.line + 1)
    return [(at, priority, at, ("" if text[:at].endswith("\n") else "\n") + _items(items, indent))]


def _node_end(node: yaml.Node) -> Any:
    """Where a node's own text ends (not where the next token starts)."""
    if isinstance(node, yaml.ScalarNode) or node.flow_style or not node.value:
        return node.end_mark
    last = node.value[-1]
    return _node_end(last[1] if isinstance(node, yaml.MappingNode) else last)


def _line_start(text: str, line: int) -> int:
    """Offset of the start of ``line`` (0-based); the end of the text past the last line."""
    offset = 0
    for _ in range(line):
        nl = text.find("\n", offset)
        if nl < 0:
            return len(text)
        offset = nl + 1
    return offset


def target_file(catalog_path: Path) -> Path:
    """The file discover edits: the catalog file, or ``discovered.yaml`` in a directory."""
    return catalog_path / DIRECTORY_FILE if catalog_path.is_dir() else catalog_path


def apply_text(catalog_path: Path, plan: Plan) -> tuple[Path, str]:
    """The file to write and its new text (the catalog must exist)."""
    target = target_file(catalog_path)
    if target.exists():
        return target, merged_text(target.read_text(encoding="utf-8"), plan, str(target))
    header = "# Written by `obskit discover`: review teams and presets, then add SLOs.\n" + HEADER
    return target, merged_text(header, plan, str(target))


def check_result(catalog_path: Path | None, target: Path | None, text: str) -> Catalog:
    """Load the catalog as it would be after writing ``text`` to ``target`` (nothing written).

    Without a path, ``text`` is a whole catalog on its own.
    """
    from obskit.catalog.loader import load_catalog

    with tempfile.TemporaryDirectory(prefix="obskit-discover-") as tmp:
        if catalog_path is None or target is None:
            alone = Path(tmp) / "catalog.yaml"
            alone.write_text(text, encoding="utf-8")
            return load_catalog(alone)
        if catalog_path.is_dir():
            copy = Path(tmp) / "catalog"
            shutil.copytree(catalog_path, copy)
            (copy / target.name).write_text(text, encoding="utf-8")
            return load_catalog(copy)
        copy = Path(tmp) / catalog_path.name
        copy.write_text(text, encoding="utf-8")
        return load_catalog(copy)
