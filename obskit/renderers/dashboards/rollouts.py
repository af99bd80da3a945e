"""Dashboard annotations: rollouts of the service's workload (docs/events.md).

A rollout bumps the workload's generation; the controller's observed generation follows
once it has acted on the new spec. kube-state-metrics exports it per kind, so a change of
``kube_<kind>_status_observed_generation`` marks a rollout on every time-series panel.
"""

from __future__ import annotations

from typing import Any

import grafanalib.core as G

from obskit.catalog.model import ResolvedService
from obskit.renderers.dashboards.normalize import DATASOURCE
from obskit.renderers.dashboards.workload import KINDS, _sel

#: the observed-generation series of each workload kind (kube-state-metrics)
OBSERVED_GENERATION = {
    "Deployment": "kube_deployment_status_observed_generation",
    "StatefulSet": "kube_statefulset_status_observed_generation",
    "DaemonSet": "kube_daemonset_status_observed_generation",
}
ROLLOUT_ANNOTATION = "Rollouts"


def rollout_query(service: ResolvedService) -> str:
    """1 at each step in which the workload's observed generation changed, per cluster."""
    kind = KINDS[service.workload.kind]
    series = OBSERVED_GENERATION[service.workload.kind]
    sel = _sel(f'{kind.label}="{service.workload_name}"')
    return f"max by (cluster)(changes({series}{sel}[2m])) > 0"


def rollout_annotation(service: ResolvedService) -> dict[str, Any]:
    name = f"{service.workload.kind} {service.workload_name}"
    return {
        "name": ROLLOUT_ANNOTATION,
        "datasource": dict(DATASOURCE),
        "enable": True,
        "hide": False,
        "iconColor": "purple",
        "expr": rollout_query(service),
        "step": "1m",
        "titleFormat": "Rollout",
        # Grafana renders a textFormat label the series lacks as ``{{cluster}}`` (or
        # ``cluster`` before 10.x): one Prometheus has no cluster label, so the cluster is a
        # tag (label values named in tagKeys; none when absent)
        "textFormat": f"{name}: new generation observed",
        "tagKeys": "cluster",
    }


def service_annotations(service: ResolvedService) -> G.Annotations:
    return G.Annotations(list=[rollout_annotation(service)])
