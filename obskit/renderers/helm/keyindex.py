"""Which values keys a pinned Helm chart knows: look-ups in the committed key index.

The index (``obskit/data/chart-keys/<chart>-<version>.json``) is derived from each pinned
chart's default values by ``scripts/build_chart_key_index.py``. A node is a mapping of child
keys, ``"*"`` (free-form map: labels, annotations, config blobs) or ``None`` (a leaf: a scalar,
list or null default, so anything may be set there).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

FREEFORM = "*"


@dataclass(frozen=True)
class ChartIndex:
    """The key tree of one chart version."""

    chart: str
    version: str
    keys: dict[str, Any]
    subcharts: dict[str, str]


def _data_dir() -> Any:
    return resources.files("obskit") / "data" / "chart-keys"


@cache
def available() -> dict[str, str]:
    """``{chart: version}`` of every committed index."""
    out: dict[str, str] = {}
    for entry in _data_dir().iterdir():
        if entry.name.endswith(".json"):
            document = json.loads(entry.read_text(encoding="utf-8"))
            out[document["chart"]] = document["version"]
    return dict(sorted(out.items()))


@cache
def load(chart: str) -> ChartIndex:
    """The committed index of ``chart`` (the one pinned version); KeyError if unknown."""
    version = available()[chart]
    text = (_data_dir() / f"{chart}-{version}.json").read_text(encoding="utf-8")
    document = json.loads(text)
    return ChartIndex(chart, version, document["keys"], document.get("subcharts", {}))


def _format_path(path: tuple[str, ...]) -> str:
    return ".".join(path)


def unknown_keys(chart: str, values: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """Keys set in ``values`` that ``chart`` does not define: ``[(path, suggestion)]``.

    ``path`` is dotted (``prometheus.prometheusSpec.retension``); ``suggestion`` is the closest
    sibling key the chart does define (``retention``) or None.
    """
    found: list[tuple[str, str | None]] = []

    def walk(node: Any, value: Any, path: tuple[str, ...]) -> None:
        if node is None or node == FREEFORM or not isinstance(value, Mapping):
            return
        for key in sorted(value, key=str):
            sub_path = (*path, str(key))
            if str(key) not in node:
                close = difflib.get_close_matches(str(key), list(node), n=1, cutoff=0.6)
                found.append((_format_path(sub_path), close[0] if close else None))
                continue
            walk(node[str(key)], value[key], sub_path)

    walk(load(chart).keys, values, ())
    return found


def unknown_key_messages(chart: str, values: Mapping[str, Any], *, prefix: str = "") -> list[str]:
    """One line per unknown key, e.g. "`prometheus.prometheusSpec.retension`: no such key in
    kube-prometheus-stack 88.5.3; did you mean `retention`?" (``prefix`` is put before paths).
    """
    index = load(chart)
    lines = []
    for path, suggestion in unknown_keys(chart, values):
        line = f"`{prefix}{path}`: no such key in {chart} {index.version}"
        if suggestion:
            line += f"; did you mean `{suggestion}`?"
        lines.append(line)
    return lines


def check_values_tree(root: str | Path) -> list[str]:
    """Unknown keys in every ``<root>/helm-values/<environment>/<chart>.yaml`` (for lint).

    Each line names the file: "helm-values/prod/kube-prometheus-stack.yaml:
    `prometheus.prometheusSpec.retension`: no such key in kube-prometheus-stack 88.5.3; did
    you mean `retention`?". Files of charts without an index are skipped.
    """
    import yaml

    base = Path(root)
    lines: list[str] = []
    charts = available()
    for path in sorted(base.glob("helm-values/*/*.yaml")):
        chart = path.stem
        if chart not in charts:
            continue
        try:
            values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            rel = path.relative_to(base).as_posix()
            lines.append(f"{rel}: not valid YAML: {' '.join(str(exc).split())}")
            continue
        if not isinstance(values, Mapping):
            lines.append(f"{path.relative_to(base).as_posix()}: not a mapping of values")
            continue
        rel = path.relative_to(base).as_posix()
        lines.extend(f"{rel}: {line}" for line in unknown_key_messages(chart, values))
    return lines
