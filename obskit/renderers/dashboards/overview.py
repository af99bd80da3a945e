"""Overview dashboards: fleet, SLOs and one per team.

They read the per-service and SLO recording rules (obskit.slo_names), grouped by service in
tables, so the number of panels is the same for 3 or 10,000 services. Every figure is per
cluster (``by (cluster, ...)``: a ``cluster`` column in the tables, one value per cluster in
the stats); on one Prometheus without a ``cluster`` label that is one row per service, as
before.
"""

from __future__ import annotations

from typing import Any

import grafanalib.core as G

from obskit import slo_names
from obskit.catalog.model import Catalog
from obskit.renderers.dashboards.layout import Grid
from obskit.renderers.dashboards.normalize import normalize_dashboard
from obskit.renderers.dashboards.panels import stat, table, target
from obskit.renderers.dashboards.uid import overview_title, overview_uid, service_link_template
from obskit.renderers.dashboards.variables import CLUSTER_MATCHER, legend, overview_templating

TIERS = ("critical", "standard", "low")
SLO_WINDOWS = ("30d", "28d", "7d")
#: table height in grid units (tables scroll: the layout does not depend on service count)
TABLE_HEIGHT = 10


def _sel(*matchers: str) -> str:
    return "{" + ", ".join((*matchers, CLUSTER_MATCHER)) + "}"


def _team_matcher(team: str | None) -> tuple[str, ...]:
    return (f'team="{team}"',) if team else ()


def _colour(column: str, mode: str, steps: list[tuple[float | None, str]]) -> dict[str, Any]:
    """Colour one column's cells by thresholds.

    The pinned schema types matcher options and property values as objects, so columns are
    matched with ``byNames`` (an object) and only object-valued properties are overridden;
    units are therefore written into the column names (``Errors %``) and the queries scale
    their values to them.
    """
    return {
        "matcher": {"id": "byNames", "options": {"mode": "include", "names": [column]}},
        "properties": [
            {"id": "custom.cellOptions", "value": {"type": mode}},
            {
                "id": "thresholds",
                "value": {
                    "mode": "absolute",
                    "steps": [{"value": v, "color": c} for v, c in steps],
                },
            },
        ],
    }


BUDGET_STEPS = [(None, "red"), (0, "orange"), (25, "yellow"), (50, "green")]
BURN_STEPS = [(None, "green"), (1, "yellow"), (6, "orange"), (14.4, "red")]
ERROR_STEPS = [(None, "green"), (0.1, "yellow"), (1, "red")]


def _transformations(by: tuple[str, ...], names: dict[str, str]) -> list[dict[str, Any]]:
    """Merge the instant queries into one row per label set, name the value columns
    (``organize`` orders by the names before its renames: the ``Value #X`` ones)."""
    return [
        {"id": "merge", "options": {}},
        {
            "id": "organize",
            "options": {
                "excludeByName": {"Time": True},
                "indexByName": {name: i for i, name in enumerate((*by, *names))},
                "renameByName": names,
            },
        },
    ]


def _table_extras(catalog: Catalog) -> dict[str, Any]:
    """Field defaults: 3 decimals; every cell links to the row's service dashboard."""
    link = {
        "title": "Service dashboard",
        "url": service_link_template(catalog),
        # the schema types field links as dashboard links: their required keys
        "type": "link",
        "icon": "dashboard",
        "tooltip": "Open the service's dashboard",
        "tags": [],
        "asDropdown": False,
        "targetBlank": False,
        "includeVars": False,
        "keepTime": False,
    }
    return {"fieldConfig": {"defaults": {"decimals": 3, "links": [link]}}}


def services_table(catalog: Catalog, tier: str, team: str | None) -> Any:
    # the service:* and slo:* recording rules carry `tier`: a constant-size filter
    sel = _sel(f'tier="{tier}"', *_team_matcher(team))
    by = "cluster, service, team"
    targets = [
        target(f"sum by ({by})({slo_names.SERVICE_REQUESTS_RATE}{sel})", instant=True),
        target(f"100 * max by ({by})({slo_names.SERVICE_ERROR_RATIO}{sel})", instant=True),
        target(f"1000 * max by ({by})({slo_names.SERVICE_LATENCY_P99}{sel})", instant=True),
        target(f"100 * min by ({by})({slo_names.BUDGET_REMAINING}{sel})", instant=True),
    ]
    columns = {
        "Value #A": "Requests/s",
        "Value #B": "Errors %",
        "Value #C": "p99 ms",
        "Value #D": "Budget left % (worst SLO)",
    }
    panel = table(
        f"Tier {tier}: services",
        f"Every {tier}-tier service{' of team ' + team if team else ''}, per cluster: request "
        "rate, error ratio and p99 latency over 5m, and the lowest error budget remaining of "
        "its SLOs. Click a row to open the service's dashboard.",
        "none",
        targets,
        overrides=[
            _colour("Errors %", "color-text", ERROR_STEPS),
            _colour("Budget left % (worst SLO)", "color-background", BUDGET_STEPS),
        ],
        transformations=_transformations(("cluster", "service", "team"), columns),
        sort_by=[("Errors %", True)],
    )
    panel.extraJson = _table_extras(catalog)
    return panel


def slos_table(catalog: Catalog, team: str | None) -> Any:
    sel = _sel(*_team_matcher(team))
    by = "cluster, service, slo, team"
    sli_error = " or ".join(f"{slo_names.sli_error_ratio(w)}{sel}" for w in SLO_WINDOWS)
    targets = [
        target(f"100 * max by ({by})({objective_per_cluster(sel)})", instant=True),
        target(f"100 * (1 - max by ({by})({sli_error}))", instant=True),
        target(f"100 * min by ({by})({slo_names.BUDGET_REMAINING}{sel})", instant=True),
        target(f"max by ({by})({slo_names.CURRENT_BURN_RATE}{sel})", instant=True),
    ]
    columns = {
        "Value #A": "Objective %",
        "Value #B": "SLI % (SLO window)",
        "Value #C": "Budget left %",
        "Value #D": "Burn rate",
    }
    panel = table(
        "SLOs",
        "Every SLO per cluster: objective, SLI over its compliance window, error budget "
        "remaining and current burn rate (5m); coloured by state (red: budget spent or "
        "burning fast). Sorted by budget remaining, lowest first.",
        "none",
        targets,
        overrides=[
            _colour("Budget left %", "color-background", BUDGET_STEPS),
            _colour("Burn rate", "color-background", BURN_STEPS),
        ],
        transformations=_transformations(("cluster", "service", "slo", "team"), columns),
        sort_by=[("Budget left %", False)],
    )
    panel.extraJson = _table_extras(catalog)
    return panel


def objective_per_cluster(sel: str) -> str:
    """The objective on every cluster's row of an SLO: the objective is recorded from
    ``vector()`` (no ``cluster`` label under a central ruler), so it is joined onto the SLO's
    per-cluster budget series; an SLO without one yet gets the recorded objective alone.
    ``group`` is 1 whatever the budget's value: an idle SLO's budget is NaN (0/0), and
    ``0 * NaN`` would blank its objective."""
    budget, objective = slo_names.BUDGET_REMAINING, slo_names.OBJECTIVE
    return (
        f"group by (cluster, service, slo, team)({budget}{sel}) * on (service, slo) "
        f"group_left () max by (service, slo)({objective}{sel}) "
        f"or on (service, slo) {objective}{sel}"
    )


def count_per_cluster(expr: str, condition: str) -> str:
    """How many series of ``expr`` meet ``condition``, per cluster: 0 for a cluster with
    series and none meeting it, 0 (one value) when there is no series at all."""
    return (
        f"count by (cluster)({expr} {condition}) or 0 * count by (cluster)({expr}) "
        "or on () vector(0)"
    )


def summary_stats(team: str | None) -> list[Any]:
    t = _team_matcher(team)
    sel = _sel(*t)
    per = "One value per cluster."
    return [
        stat(
            "Request rate",
            f"Requests per second over all services (5m rate). {per}",
            "reqps",
            [
                target(
                    f"sum by (cluster)({slo_names.SERVICE_REQUESTS_RATE}{sel})",
                    legend("requests"),
                )
            ],
        ),
        stat(
            "Services with > 1% errors",
            f"Services whose 5m error ratio is above 1%. {per}",
            "short",
            [
                target(
                    count_per_cluster(f"{slo_names.SERVICE_ERROR_RATIO}{sel}", "> 0.01"),
                    legend("services"),
                )
            ],
            thresholds=((None, "green"), (1, "red")),
        ),
        stat(
            "SLOs out of budget",
            f"SLOs whose error budget over the compliance window is spent. {per}",
            "short",
            [
                target(
                    count_per_cluster(f"{slo_names.BUDGET_REMAINING}{sel}", "<= 0"),
                    legend("SLOs"),
                )
            ],
            thresholds=((None, "green"), (1, "red")),
        ),
        stat(
            "SLOs burning fast",
            f"SLOs burning their error budget more than 14.4 times too fast (5m). {per}",
            "short",
            [
                target(
                    count_per_cluster(f"{slo_names.CURRENT_BURN_RATE}{sel}", "> 14.4"),
                    legend("SLOs"),
                )
            ],
            thresholds=((None, "green"), (1, "red")),
        ),
    ]


def build_grid(catalog: Catalog, kind: str) -> Grid:
    team = kind.removeprefix("team-") if kind.startswith("team-") else None
    grid = Grid()
    grid.row("Summary")
    grid.line(summary_stats(team), height=4)
    if kind != "slos":
        grid.row("Services by tier")
        for tier in TIERS:
            grid.place([(services_table(catalog, tier, team), 24, TABLE_HEIGHT)])
    if kind != "fleet":
        grid.row("SLOs")
        grid.place([(slos_table(catalog, team), 24, TABLE_HEIGHT * 2)])
    return grid


def overview_dashboard(catalog: Catalog, kind: str) -> dict[str, Any]:
    grid = build_grid(catalog, kind)
    team_links = [
        G.DashboardLink(
            title="Service dashboards",
            type="dashboards",
            tags=[catalog.metadata.name, "obskit"],
            asDropdown=True,
            keepTime=True,
            includeVars=True,
        )
    ]
    dashboard = G.Dashboard(
        title=overview_title(catalog, kind),
        uid=overview_uid(catalog, kind),
        description=f"obskit {kind} overview of the {catalog.metadata.name} catalog",
        tags=[catalog.metadata.name, "obskit", "overview"],
        panels=grid.panels,
        templating=overview_templating(catalog),
        links=team_links,
        refresh="1m",
        timezone="browser",
        time=G.Time("now-6h", "now"),
    )
    return normalize_dashboard(dashboard)
