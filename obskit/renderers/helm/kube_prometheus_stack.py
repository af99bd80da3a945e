"""kube-prometheus-stack values: Prometheus, Alertmanager, Grafana, kube-state-metrics."""

from __future__ import annotations

from obskit.catalog.model import Catalog, dashboards_settings
from obskit.renderers.access.logs import log_teams
from obskit.renderers.helm import alertmanager, grafana, kube_state_metrics, prometheus
from obskit.renderers.helm.commented import Values
from obskit.renderers.helm.sizing import Sizing


def build(catalog: Catalog, size: Sizing) -> Values:
    """Values of the kube-prometheus-stack chart for one environment."""
    values = Values()
    prometheus.build(values, size)
    alertmanager.build(values, catalog, size)
    crds(values)
    default_rules(values, catalog, size.environment)
    grafana.build(values, size, dashboards_settings(catalog), log_teams(catalog))
    kube_state_metrics.build_subchart(values)
    return values


def crds(values: Values) -> None:
    """Upgrade the Prometheus Operator CRDs on every chart upgrade (Helm never does)."""
    values.set(
        "crds.upgradeJob.enabled",
        True,
        why=(
            "Helm installs CRDs once and never upgrades them: a chart upgrade would run the new\n"
            "operator against old CRDs. The chart's pre-upgrade hook Job applies its CRDs first\n"
            "(server-side, forceConflicts takes them over from the installing Helm). Preview\n"
            "feature of the chart; turn it off with environments.<name>.overrides if your\n"
            "CRDs are managed elsewhere (docs/helm.md)."
        ),
    )


def default_rules(values: Values, catalog: Catalog, environment: str) -> None:
    """``defaultRules.disabled`` from ``environments.<name>.defaultRules.disabled``."""
    disabled = catalog.environments[environment].default_rules.disabled
    if not disabled:
        return
    values.set(
        "defaultRules.disabled",
        {name: True for name in sorted(disabled)},
        why=(
            f"environments.{environment}.defaultRules.disabled in the catalog: these alerts of\n"
            "the chart's default rules are not created. The chart ignores names it does not\n"
            "have; `helm template` shows what remains (docs/helm.md)."
        ),
    )
