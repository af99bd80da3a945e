"""Semantic diff of two renders: SLOs, alerts and dashboard panels added, removed, changed."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from obskit.catalog.model import Catalog
from obskit.report.rendered import Rendered


class BaseError(ValueError):
    """The base ref or its catalog cannot be read."""


@dataclass
class Section:
    """Added, removed and changed names of one kind of thing."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    #: ``old → new`` (panels only: same content under a new title)
    renamed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.renamed)

    def entries(self) -> list[tuple[str, list[str]]]:
        """(verb, names) in the order they are listed."""
        return [
            ("added", self.added),
            ("removed", self.removed),
            ("changed", self.changed),
            ("renamed", self.renamed),
        ]


@dataclass
class Diff:
    slos: Section
    alerts: Section
    panels: Section
    #: ``{service/alert: backtest difference}``, filled in when a server is at hand
    fired: dict[str, str] = field(default_factory=dict)


def alert_key(entry: str) -> str:
    """``service/Alert`` of a diff entry such as ``service/Alert (expr, for)``."""
    return entry.split(" ", 1)[0]


def _alt(text: str) -> str:
    """``text`` as Markdown image alt text: brackets and backslashes escaped (a ``]`` in a
    panel title would end the alt text and break the link)."""
    return re.sub(r"([\\\[\]])", r"\\\1", text)


def _entry(diff: Diff, attr: str, name: str) -> str:
    note = diff.fired.get(alert_key(name)) if attr == "alerts" else None
    return f"{name} — {note}" if note else name


def _compare(base: dict[str, Any], head: dict[str, Any], describe: Any = None) -> Section:
    show = describe or (lambda key, old, new: key)
    return Section(
        added=sorted(set(head) - set(base)),
        removed=sorted(set(base) - set(head)),
        changed=sorted(
            show(k, base[k], head[k]) for k in set(base) & set(head) if base[k] != head[k]
        ),
    )


def slo_table(catalog: Catalog) -> dict[str, tuple[float, str]]:
    return {
        f"{svc.name}/{slo.name}": (slo.objective, str(slo.window))
        for svc in catalog.services
        for slo in svc.slos
    }


def alert_table(rendered: Rendered) -> dict[str, dict[str, Any]]:
    return {
        f"{svc}/{a.alert}": {
            "expr": a.expr,
            "for": a.for_seconds,
            "labels": dict(a.labels),
        }
        for svc, rules in rendered.rules.items()
        for a in rules.alerts
    }


def keyed_panels(rendered: Rendered) -> dict[str, tuple[str, dict[str, Any]]]:
    """``service: row / title[#n]`` -> (service, panel) of every non-row panel."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for svc, dashboard in rendered.dashboards.items():
        seen: Counter[str] = Counter()
        row = ""
        for panel in dashboard.get("panels", []):
            if panel.get("type") == "row":
                row = panel.get("title", "").split(":")[0]
                continue
            key = (
                f"{svc}: {row} / {panel.get('title', '')}"
                if row
                else f"{svc}: {panel.get('title', '')}"
            )
            seen[key] += 1
            out[key if seen[key] == 1 else f"{key} #{seen[key]}"] = (svc, panel)
    return out


def panel_table(rendered: Rendered) -> dict[str, str]:
    """``service: row / title[#n]`` -> the panel's type, targets, unit, thresholds (JSON)."""
    out: dict[str, str] = {}
    for key, (_, panel) in keyed_panels(rendered).items():
        defaults = panel.get("fieldConfig", {}).get("defaults", {})
        out[key] = json.dumps(
            {
                "type": panel.get("type"),
                "targets": [t.get("expr") for t in panel.get("targets", [])],
                "unit": defaults.get("unit"),
                "thresholds": defaults.get("thresholds"),
            },
            sort_keys=True,
        )
    return out


def _service(panel_key: str) -> str:
    return panel_key.split(": ", 1)[0]


def find_renames(section: Section, base: dict[str, str], head: dict[str, str]) -> None:
    """Move a removed and an added panel of one service with the same content (type, queries,
    unit, thresholds) into ``renamed`` as ``old → new``, when that pairing is unambiguous."""
    for old in list(section.removed):
        svc = _service(old)
        same = [n for n in section.added if _service(n) == svc and head[n] == base[old]]
        twins = [o for o in section.removed if _service(o) == svc and base[o] == base[old]]
        if len(same) == 1 and len(twins) == 1:
            section.removed.remove(old)
            section.added.remove(same[0])
            section.renamed.append(f"{old} → {same[0].split(': ', 1)[1]}")
    section.renamed.sort()


def _alert_change(key: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    what = [name for name in ("expr", "for") if old[name] != new[name]]
    labels = sorted(
        k
        for k in set(old["labels"]) | set(new["labels"])
        if old["labels"].get(k) != new["labels"].get(k)
    )
    what += [f"label {k}: {old['labels'].get(k)} → {new['labels'].get(k)}" for k in labels]
    return f"{key} ({', '.join(what)})"


def _slo_change(key: str, old: tuple[float, str], new: tuple[float, str]) -> str:
    return f"{key}: objective {old[0]:g}% → {new[0]:g}%" + (
        f", window {old[1]} → {new[1]}" if old[1] != new[1] else ""
    )


def semantic_diff(base: tuple[Catalog, Rendered], head: tuple[Catalog, Rendered]) -> Diff:
    """What changes from ``base`` to ``head``."""
    old_panels, new_panels = panel_table(base[1]), panel_table(head[1])
    panels = _compare(old_panels, new_panels)
    find_renames(panels, old_panels, new_panels)
    return Diff(
        slos=_compare(slo_table(base[0]), slo_table(head[0]), _slo_change),
        alerts=_compare(alert_table(base[1]), alert_table(head[1]), _alert_change),
        panels=panels,
    )


#: entries per kind and verb in report.md
MD_LIMIT = 30

SECTIONS = (("SLOs", "slos"), ("Alerts", "alerts"), ("Dashboard panels", "panels"))


def markdown(
    diff: Diff, base_ref: str, limit: int = MD_LIMIT, images: dict[str, str] | None = None
) -> str:
    """``report.md``: short enough for a pull-request comment. ``images``: ``{panel key:
    relative path of its PNG}``, shown under the panel's line."""
    images = images or {}
    lines = [f"## obskit report: changes against `{base_ref}`", ""]
    if not any(getattr(diff, attr) for _, attr in SECTIONS):
        return "\n".join([*lines, "No change to SLOs, alerts or dashboard panels.", ""])
    for title, attr in SECTIONS:
        section: Section = getattr(diff, attr)
        if not section:
            continue
        lines.append(f"### {title}")
        for verb, names in section.entries():
            for name in names[:limit]:
                lines.append(f"- **{verb}** {_entry(diff, attr, name)}")
                if attr == "panels" and name in images:
                    lines.append(f"\n  ![{_alt(name)}]({images[name]})\n")
            if len(names) > limit:
                lines.append(f"- … and {len(names) - limit} more {verb}")
        lines.append("")
    return "\n".join(lines)


def diff_html(diff: Diff, base_ref: str) -> str:
    """The diff as an HTML section of the index."""
    parts = [f"<h2>Changes against <code>{html.escape(base_ref)}</code></h2>"]
    for title, attr in SECTIONS:
        section: Section = getattr(diff, attr)
        items = [
            f"<li><strong>{verb}</strong> {html.escape(_entry(diff, attr, n))}</li>"
            for verb, names in section.entries()
            for n in names
        ]
        parts.append(f"<h3>{title}</h3><ul>{''.join(items) or '<li>no change</li>'}</ul>")
    return "".join(parts)


@contextmanager
def checkout_at(catalog_path: Path, ref: str) -> Iterator[Path]:
    """The catalog file or folder as it is at git ``ref``, extracted into a temp folder."""
    path = catalog_path.resolve()
    folder = path if path.is_dir() else path.parent
    git = shutil.which("git")
    if git is None:
        raise BaseError("--base needs git on PATH")
    top = subprocess.run(
        [git, "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True, text=True
    )
    if top.returncode:
        raise BaseError(f"{catalog_path}: not in a git repository ({top.stderr.strip()})")
    root = Path(top.stdout.strip()).resolve()
    relative = path.relative_to(root).as_posix()
    # the whole folder: plugins next to the catalog come along
    scope = folder.relative_to(root).as_posix()
    archive = subprocess.run(
        [git, "-C", str(root), "archive", "--format=tar", ref, "--", scope], capture_output=True
    )
    if archive.returncode:
        raise BaseError(f"--base {ref}: {archive.stderr.decode(errors='replace').strip()}")
    with tempfile.TemporaryDirectory(prefix="obskit-base-") as tmp:
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / relative
