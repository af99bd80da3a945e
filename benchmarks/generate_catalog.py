"""Synthetic catalogs for the benchmark: N services over every preset and tier.

Two SLOs per service where the preset allows (availability and latency), 20 teams, two
environments. Deterministic: the same N always gives the same file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

PRESETS = ["prometheus-http", "otel-http", "grpc", "micrometer", "istio", "nginx-ingress", "none"]
TIERS = ["critical", "standard", "low"]
KINDS = ["Deployment", "Deployment", "StatefulSet", "DaemonSet"]
THRESHOLD = {
    "prometheus-http": "500ms",
    "otel-http": "250ms",
    "grpc": "300ms",
    "micrometer": "300ms",
    "istio": "250ms",
    "nginx-ingress": "1s",
}
TEAMS = 20


def build(n: int) -> dict:
    """The catalog document for ``n`` services."""
    teams = []
    for t in range(TEAMS):
        alerting = {
            "slack": {
                "channel": f"#team-{t:02d}",
                "apiURLSecret": {"name": "alertmanager-slack", "key": f"team-{t:02d}"},
            }
        }
        if t % 3 == 0:
            alerting["pagerduty"] = {
                "routingKeySecret": {"name": "alertmanager-pagerduty", "key": f"team-{t:02d}"}
            }
        teams.append({"name": f"team-{t:02d}", "alerting": alerting})
    services = []
    for i in range(n):
        preset = PRESETS[i % len(PRESETS)]
        svc: dict = {
            "name": f"svc-{i:05d}",
            "team": f"team-{i % TEAMS:02d}",
            "namespace": f"ns-{i % 50:02d}",
            "tier": TIERS[i % len(TIERS)],
            "description": f"Synthetic service {i}",
            "metrics": {"preset": preset},
            "workload": {"kind": KINDS[i % len(KINDS)]},
            "logs": {"enabled": i % 2 == 0},
            "traces": {"enabled": i % 3 == 0},
        }
        if i % 5 == 0:
            svc["metrics"]["scrape"] = {"port": "metrics"}
        if preset != "none":
            svc["slos"] = [
                {"name": "availability", "objective": 99.9},
                {"name": "latency", "objective": 99, "threshold": THRESHOLD[preset]},
            ]
        if i >= 2:
            svc["dependsOn"] = [f"svc-{i - 1:05d}", f"svc-{i - 2:05d}"]
        services.append(svc)
    return {
        "apiVersion": "obskit/v1",
        "kind": "ServiceCatalog",
        "metadata": {"name": f"bench-{n}", "cluster": "bench"},
        "defaults": {"slo": {"window": "30d"}},
        "teams": teams,
        "services": services,
        "environments": {
            "staging": {"prometheus": {"retention": "3d", "replicas": 1, "storage": "50Gi"}},
            "production": {"prometheus": {"retention": "15d", "replicas": 2, "storage": "500Gi"}},
        },
    }


def write(n: int, path: Path, *, slo_changed: bool = False) -> Path:
    """Write the catalog; ``slo_changed``: service n // 2's first objective differs (its rules
    and promtool tests change, nothing else's)."""
    doc = build(n)
    if slo_changed:
        victim = next(s for s in doc["services"][n // 2 :] if "slos" in s)
        victim["slos"][0]["objective"] = 99.5
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    write(args.n, args.out)


if __name__ == "__main__":
    main()
