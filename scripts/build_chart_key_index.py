#!/usr/bin/env python3
"""Derive the key index of each pinned Helm chart from its default values.

Reads ``../shared/reference/charts/<chart>/{Chart.yaml,values.yaml}`` (the pinned upstream
defaults) and writes ``obskit/data/chart-keys/<chart>-<version>.json``: a tree of every key the
chart's defaults define, with subchart defaults merged in under their alias
(kube-prometheus-stack: grafana, kube-state-metrics, prometheus-node-exporter; eck-stack:
eck-elasticsearch, eck-kibana). A tree node is a mapping of child keys, ``"*"`` for a free-form
map (labels, annotations, config blobs, anything whose default is ``{}``) or ``null`` for a
leaf (scalar, list or null default: anything may be set there).

Usage: ``python scripts/build_chart_key_index.py [--reference DIR] [--out DIR] [--check]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE = REPO.parent / "shared" / "reference"
DEFAULT_OUT = REPO / "obskit" / "data" / "chart-keys"
FREEFORM = "*"

#: chart -> {subchart alias: reference directory}
CHARTS: dict[str, dict[str, str]] = {
    "kube-prometheus-stack": {
        "grafana": "grafana",
        "kube-state-metrics": "kube-state-metrics",
        "prometheus-node-exporter": "prometheus-node-exporter",
    },
    "kube-state-metrics": {},
    "eck-operator": {},
    "eck-stack": {"eck-elasticsearch": "eck-elasticsearch", "eck-kibana": "eck-kibana"},
    "fluentd": {},
    "fluent-bit": {},
    "jaeger": {},
    "kubernetes-dashboard": {},
    # the central store (environments.*.central.kind: mimir); its subcharts' keys are
    # not pinned here, the chart's own defaults for them (minio, rollout_operator) are
    "mimir-distributed": {},
}

#: keys whose value is free-form wherever they appear (Kubernetes objects, label maps, blobs)
FREEFORM_NAMES = frozenset(
    {
        "labels",
        "annotations",
        "podLabels",
        "podAnnotations",
        "additionalLabels",
        "commonLabels",
        "commonAnnotations",
        "matchLabels",
        "nodeSelector",
        "affinity",
        "resources",
        "securityContext",
        "podSecurityContext",
        "containerSecurityContext",
        "extraArgs",
        "envValueFrom",
        "externalLabels",
        "storageSpec",
        "volumeClaimTemplate",
        "fileConfigs",
        "luaScripts",
        "grafana.ini",
        "userconfig",
        "uiconfig",
        "additionalScrapeConfigs",
    }
)
#: full paths that are free-form although their name is generic (config blobs)
FREEFORM_PATHS = frozenset(
    {
        ("alertmanager", "config"),
        ("alertmanager", "templateFiles"),
    }
)
#: keys the charts document only as commented-out examples in values.yaml (so they are not in
#: the parsed defaults) although the templates read them. The script checks that each one is
#: really documented there: ``# <key>:`` must occur in the named values file.
DOCUMENTED_KEYS: dict[str, list[tuple[tuple[str, ...], str]]] = {
    "eck-stack": [(("eck-kibana", "fullnameOverride"), "eck-kibana")],
    "jaeger": [(("jaeger", "resources"), "jaeger")],
    "kube-prometheus-stack": [
        (("grafana", "adminPassword"), "kube-prometheus-stack"),
    ],
    "fluent-bit": [(("serviceMonitor", "selector"), "fluent-bit")],
}
#: and their node type (free-form maps or leaves)
DOCUMENTED_KIND: dict[str, Any] = {"resources": FREEFORM, "selector": FREEFORM}


def _tree(value: Any, path: tuple[str, ...]) -> Any:
    """The key-index node of one default value at ``path``."""
    if not isinstance(value, dict):
        return None
    name = path[-1] if path else ""
    if path and (not value or name in FREEFORM_NAMES or path[-2:] in FREEFORM_PATHS):
        return FREEFORM
    return {str(k): _tree(v, (*path, str(k))) for k, v in sorted(value.items(), key=str)}


def _merge(a: Any, b: Any) -> Any:
    """Union of two index nodes (a subchart's own defaults and the parent's overrides)."""
    if a == FREEFORM or b == FREEFORM:
        return FREEFORM
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for key, node in b.items():
            out[key] = _merge(out[key], node) if key in out else node
        return dict(sorted(out.items()))
    return a if isinstance(a, dict) else b


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _set(tree: dict[str, Any], path: tuple[str, ...], node: Any) -> None:
    for key in path[:-1]:
        child = tree.setdefault(key, {})
        if child == FREEFORM:
            return
        tree = child
    tree.setdefault(path[-1], node)


def derive(reference: Path) -> dict[str, dict[str, Any]]:
    """``{file name: index document}`` for every chart in :data:`CHARTS`."""
    charts = reference / "charts"
    out: dict[str, dict[str, Any]] = {}
    for chart, subcharts in CHARTS.items():
        meta = _load(charts / chart / "Chart.yaml")
        values_file = charts / chart / "values.yaml"
        tree = _tree(_load(values_file), ())
        sources = {chart: _sha256(values_file)}
        versions: dict[str, str] = {}
        for alias, directory in subcharts.items():
            sub_values = charts / directory / "values.yaml"
            sub_tree = _tree(_load(sub_values), ())
            tree[alias] = _merge(sub_tree, tree.get(alias, {}))
            sources[alias] = _sha256(sub_values)
            versions[alias] = str(_load(charts / directory / "Chart.yaml")["version"])
        for path, documented_in in DOCUMENTED_KEYS.get(chart, []):
            text = (charts / documented_in / "values.yaml").read_text(encoding="utf-8")
            if not re.search(rf"#\s*{re.escape(path[-1])}:", text):
                raise SystemExit(f"{chart}: {'.'.join(path)} is not documented in {documented_in}")
            _set(tree, path, DOCUMENTED_KIND.get(path[-1]))
        version = str(meta["version"])
        out[f"{chart}-{version}.json"] = {
            "chart": chart,
            "version": version,
            "appVersion": str(meta.get("appVersion", "")),
            "subcharts": versions,
            "documentedKeys": sorted(".".join(p) for p, _ in DOCUMENTED_KEYS.get(chart, [])),
            "valuesSha256": sources,
            "keys": tree,
        }
    return out


def dump(document: dict[str, Any]) -> str:
    """Deterministic JSON text of one index document."""
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="fail when the data is stale")
    args = parser.parse_args(argv)
    derived = derive(args.reference)
    stale = []
    if not args.check:
        args.out.mkdir(parents=True, exist_ok=True)
        for old in args.out.glob("*.json"):
            if old.name not in derived:
                old.unlink()
    for name, document in derived.items():
        target = args.out / name
        text = dump(document)
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            target.write_text(text, encoding="utf-8")
    if stale:
        print("stale chart key index: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
