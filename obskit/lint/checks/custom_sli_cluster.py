"""Custom query SLIs whose inner aggregation drops ``cluster``, in a many-cluster catalog."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from obskit import queries
from obskit.catalog.clusters import paired_clusters
from obskit.catalog.model import Catalog, ResolvedService, ResolvedSlo
from obskit.catalog.yaml_source import load_yaml
from obskit.lint.base import Finding, LintContext
from obskit.lint.cluster_scope import cluster_drops
from obskit.renderers.alerts.mimir import central_environments

NAME = "custom-sli-cluster"
DESCRIPTION = (
    "With several clusters (or `rules: central`) one ruler or Grafana sees every cluster's "
    "series. obskit sums each custom SLI query `by (cluster)`, but an aggregation or join "
    "the author wrote inside it without `cluster` (`sum by (code)`, `on (pod)`) adds the "
    "clusters together first: an outage in one cluster is diluted by the others. Add "
    "`cluster` to the inner `by` / `on`."
)
FIELDS = (("errorQuery", "error_query"), ("goodQuery", "good_query"), ("totalQuery", "total_query"))


def many_clusters(catalog: Catalog) -> bool:
    """An environment lists several clusters, or its rules run on a central ruler."""
    return bool(paired_clusters(catalog) or central_environments(catalog))


def run(ctx: LintContext) -> Iterable[Finding]:
    if ctx.catalog is None or not many_clusters(ctx.catalog):
        return
    for service in ctx.catalog.services:
        for slo in service.slos:
            if slo.sli is None or slo.sli.kind == "histogram":
                continue
            for field, attr in FIELDS:
                query = getattr(slo.sli, attr)
                if query is None:
                    continue
                rendered = queries.window_query(query, "5m", queries.RULE_LABELS)
                drops = cluster_drops(rendered)
                if drops:
                    yield Finding(
                        NAME,
                        _where(ctx.catalog, service, slo, field),
                        f"{service.name}-slo-{slo.name}",
                        slo.name,
                        f"{service.name} {slo.name}: sli.{field} aggregates without `cluster` "
                        f"({'; '.join(drops)}): it adds the clusters together; add `cluster` "
                        "to that `by` / `on`, e.g. sum by (cluster, code)(...)",
                        severity="warning",
                    )


def _where(catalog: Catalog, service: ResolvedService, slo: ResolvedSlo, field: str) -> str:
    """``catalog.yaml:LINE`` of the query, else the rendered rule file."""
    for source in catalog.sources:
        try:
            data, smap, _ = load_yaml(Path(source).read_text(), source)
        except OSError:
            continue
        services = data.get("services") if isinstance(data, dict) else None
        for i, svc in enumerate(services or ()):
            if not isinstance(svc, dict) or svc.get("name") != service.name:
                continue
            for j, one in enumerate(svc.get("slos") or ()):
                if isinstance(one, dict) and one.get("name") == slo.name:
                    line, _ = smap.locate(("services", i, "slos", j, "sli", field))
                    return f"{source}:{line}"
    return f"alerts/{service.name}.rules.yaml"
