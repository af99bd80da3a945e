"""Derive obskit/data/ksm-metrics.json from kube-state-metrics' own metric docs.

Usage: python scripts/derive_ksm_metrics.py [--check] GIT_DIR

``GIT_DIR`` is a clone of https://github.com/kubernetes/kube-state-metrics (bare is fine).
For every ``docs/metrics/workload/*.md`` at tag ``v2.20.0`` this reads the metric tables:
the metric name, its type and the label names of its ``Labels/tags`` column, and for labels
the docs enumerate (``phase=<Pending|Running|...>``) the allowed values. Labels that are
placeholders for user data (``label_POD_LABEL``, ``annotation_...``) are dropped.

The kubelet's volume stats and cAdvisor's container series are not in these docs; their
label sets are copied by hand into the ``kubelet`` section below, with their source files.

Workload alert fixtures are built only from this file (``obskit.renderers.alerts.ksm``), and
a test checks that every generated workload rule names only metrics and labels it lists.
``--check`` exits 1 when the committed file differs from what the docs give.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "obskit" / "data" / "ksm-metrics.json"
REPO = "https://github.com/kubernetes/kube-state-metrics"
TAG = "v2.20.0"
DOCS = "docs/metrics/workload"
_LABEL = re.compile(r"`([a-z_][a-z0-9_]*)`=&lt;(.*?)&gt;")

#: not in the KSM docs: label sets as the kubelet emits them (exposition labels only)
KUBELET = {
    "source": {
        "repo": "https://github.com/kubernetes/kubernetes",
        "paths": [
            "pkg/kubelet/metrics/collectors/volume_stats.go (kubelet_volume_stats_*: "
            "labels namespace, persistentvolumeclaim)",
            "vendor/github.com/google/cadvisor/metrics/prometheus.go (container_*: labels "
            "container, id, image, name, namespace, pod via the kubelet's label function "
            "pkg/kubelet/server/server.go containerPrometheusLabelsFunc)",
        ],
    },
    "metrics": {
        name: {"type": kind, "labels": ["namespace", "persistentvolumeclaim"], "values": {}}
        for name, kind in (
            ("kubelet_volume_stats_available_bytes", "Gauge"),
            ("kubelet_volume_stats_capacity_bytes", "Gauge"),
            ("kubelet_volume_stats_used_bytes", "Gauge"),
        )
    }
    | {
        name: {
            "type": "Counter",
            "labels": ["container", "id", "image", "name", "namespace", "pod"],
            "values": {},
        }
        for name in (
            "container_cpu_cfs_periods_total",
            "container_cpu_cfs_throttled_periods_total",
        )
    },
}


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True
    ).stdout


def parse_table(text: str) -> dict[str, dict]:
    """Metric rows of one docs page: ``{name: {type, labels, values}}``."""
    out: dict[str, dict] = {}
    for line in text.splitlines():
        cells = (
            [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        )
        if len(cells) < 3 or not re.fullmatch(r"[a-z_:][a-z0-9_:]*", cells[0]):
            continue
        labels: list[str] = []
        values: dict[str, list[str]] = {}
        for name, value in _LABEL.findall(line.replace("\\|", "\x00")):
            labels.append(name)
            if "\x00" in value:
                values[name] = value.split("\x00")
        out[cells[0]] = {"type": cells[1], "labels": sorted(set(labels)), "values": values}
    return out


def derive(git_dir: str) -> dict:
    commit = _git(git_dir, "rev-parse", f"{TAG}^{{commit}}").strip()
    pages = sorted(_git(git_dir, "ls-tree", "--name-only", f"{TAG}:{DOCS}").split())
    metrics: dict[str, dict] = {}
    for page in pages:
        metrics.update(parse_table(_git(git_dir, "show", f"{TAG}:{DOCS}/{page}")))
    return {
        "kube-state-metrics": {
            "source": {"repo": REPO, "tag": TAG, "commit": commit, "docs": f"{DOCS}/*.md"},
            "metrics": dict(sorted(metrics.items())),
        },
        "kubelet": KUBELET,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("git_dir")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = json.dumps(derive(args.git_dir), indent=1, sort_keys=False) + "\n"
    if args.check:
        same = OUT.exists() and OUT.read_text() == text
        print("up to date" if same else f"{OUT} differs from the docs", file=sys.stderr)
        return 0 if same else 1
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
