"""Panel factories on grafanalib: every panel gets a title, a description and a unit.

These are the dashboard-linter rules (panel-title-description, panel-units) made impossible
to forget: the factories take them as required arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attr
import grafanalib.core as G

from obskit.renderers.dashboards.normalize import DATASOURCE

#: (value, colour) steps; the first value is None (= -Infinity, the base colour)
Steps = Sequence[tuple[float | None, str]]


def target(expr: str, legend: str = "", *, ref: str = "", instant: bool = False) -> G.Target:
    """A Prometheus query of a panel."""
    return G.Target(
        expr=expr,
        legendFormat=legend,
        refId=ref,
        instant=instant,
        format="table" if instant else "time_series",
        datasource=DATASOURCE,
    )


def _refs(targets: Sequence[G.Target]) -> list[G.Target]:
    for i, t in enumerate(targets):
        if not t.refId:
            t.refId = chr(ord("A") + i)
    return list(targets)


def steps(values: Steps) -> list[dict[str, Any]]:
    return [{"value": v, "color": c} for v, c in values]


def timeseries(
    title: str,
    description: str,
    unit: str,
    targets: Sequence[G.Target],
    *,
    thresholds: Steps = ((None, "green"),),
    threshold_lines: bool = False,
    minimum: float | None = None,
    stack: bool = False,
    overrides: Sequence[dict[str, Any]] = (),
) -> G.TimeSeries:
    """A time series panel; ``threshold_lines`` draws the thresholds as dashed lines."""
    return G.TimeSeries(
        title=title,
        description=description,
        unit=unit,
        dataSource=DATASOURCE,
        targets=_refs(targets),
        thresholds=steps(thresholds),
        thresholdsStyleMode="dashed" if threshold_lines else "off",
        valueMin=minimum,
        fillOpacity=10,
        stacking={"mode": "normal", "group": "A"} if stack else {},
        tooltipMode="multi",
        tooltipSort="desc",
        legendCalcs=["lastNotNull", "max"],
        legendDisplayMode="table" if len(targets) > 1 else "list",
        overrides=list(overrides),
    )


def stat(
    title: str,
    description: str,
    unit: str,
    targets: Sequence[G.Target],
    *,
    thresholds: Steps = ((None, "green"),),
    decimals: int | None = None,
) -> G.Stat:
    """A single-value panel (last value), coloured by ``thresholds``."""
    return G.Stat(
        title=title,
        description=description,
        format=unit,
        dataSource=DATASOURCE,
        targets=_refs(targets),
        thresholds=steps(thresholds),
        decimals=decimals,
        reduceCalc="lastNotNull",
        graphMode="area",
        colorMode="value",
        noValue="no data",
    )


def table(
    title: str,
    description: str,
    unit: str,
    targets: Sequence[G.Target],
    *,
    overrides: Sequence[dict[str, Any]] = (),
    transformations: Sequence[dict[str, Any]] = (),
    sort_by: Sequence[tuple[str, bool]] = (),
) -> G.Table:
    """A table of instant queries merged on their labels."""
    return G.Table(
        title=title,
        description=description,
        unit=unit,
        dataSource=DATASOURCE,
        targets=_refs(targets),
        overrides=list(overrides),
        transformations=list(transformations),
        sortBy=[G.TableSortByField(displayName=d, desc=desc) for d, desc in sort_by],
        filterable=True,
    )


def text(title: str, description: str, content: str) -> G.Text:
    """A markdown panel (unit ``none``: there is no value to format)."""
    return G.Text(
        title=title,
        description=description,
        content=content,
        mode="markdown",
        extraJson={"fieldConfig": {"defaults": {"unit": "none"}}},
    )


@attr.s
class AlertList(G.Panel):
    """Grafana's unified alert list panel (grafanalib only knows the legacy one).

    :param label_filter: alert instance label filter, e.g. ``{service="checkout"}``
    """

    label_filter: str = attr.ib(default="")

    def to_json_data(self) -> dict[str, Any]:
        return self.panel_json(
            {
                "type": "alertlist",
                "fieldConfig": {"defaults": {"unit": "none"}},
                "options": {
                    "viewMode": "list",
                    "groupMode": "default",
                    "groupBy": [],
                    "maxItems": 20,
                    "sortOrder": 1,
                    "dashboardAlerts": False,
                    "alertName": "",
                    "alertInstanceLabelFilter": self.label_filter,
                    "datasource": "",
                    "folder": "",
                    "showInstances": True,
                    "stateFilter": {
                        "firing": True,
                        "pending": True,
                        "noData": False,
                        "normal": False,
                        "error": True,
                    },
                },
            }
        )


def alert_list(title: str, description: str, label_filter: str) -> AlertList:
    return AlertList(title=title, description=description, label_filter=label_filter)
