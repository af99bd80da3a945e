"""Panel factories: every panel gets a title, a description and a unit.

These are the dashboard-linter rules (panel-title-description, panel-units) made impossible
to forget: the factories take them as required arguments.

A factory returns the panel's normalised JSON (a dict): the grafanalib panel of its
``*_object`` twin, normalised once per *shape* (every argument but title, description and
queries; cached) with the title, description and queries filled in. A service dashboard
builds no grafanalib object (issue 18: that was most of its CPU). The shapes' nested values
are shared between panels: nothing may change them (the layout sets ``gridPos`` and ``id`` on
the panel's own top-level dict). tests/test_dashboards_shapes.py holds every factory equal to
its twin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import Any

import attr
import grafanalib.core as G
import orjson

from obskit.renderers.dashboards.normalize import DATASOURCE, normalize_panel

#: (value, colour) steps; the first value is None (= -Infinity, the base colour)
Steps = Sequence[tuple[float | None, str]]
#: a panel or a query as Grafana's dashboard JSON (what :func:`normalize_panel` returns)
Json = dict[str, Any]
#: distinct panel shapes kept (a shape: one factory's arguments but titles and queries)
SHAPES = 1024


def target(expr: str, legend: str = "", *, ref: str = "", instant: bool = False) -> Json:
    """A Prometheus query of a panel, as the normalised JSON of :func:`target_object`.

    ``refId`` stays empty until the panel factory numbers it (A, B, ...).
    """
    query: Json = {
        "datasource": dict(DATASOURCE),
        "format": "table" if instant else "time_series",
        "range": not instant,
        "refId": ref,
    }
    if expr:
        query["expr"] = expr
    if legend:
        query["legendFormat"] = legend
    if instant:
        query["instant"] = True
    return query


def target_object(expr: str, legend: str = "", *, ref: str = "", instant: bool = False) -> G.Target:
    """The grafanalib form of :func:`target` (what it is tested equal to)."""
    return G.Target(
        expr=expr,
        legendFormat=legend,
        refId=ref,
        instant=instant,
        format="table" if instant else "time_series",
        datasource=DATASOURCE,
    )


def _refs(targets: Sequence[Json]) -> list[Json]:
    for i, t in enumerate(targets):
        if not t["refId"]:
            t["refId"] = chr(ord("A") + i)
    return list(targets)


def steps(values: Steps) -> list[dict[str, Any]]:
    return [{"value": v, "color": c} for v, c in values]


def _key(values: Any) -> bytes:
    """A cache key that tells ``1`` from ``1.0`` and ``True`` (equal, and equally hashed, in
    a tuple): the JSON text of ``values``, which :func:`orjson.loads` gives back exactly."""
    return orjson.dumps(values)


def _filled(shape: Json, title: str, description: str, targets: Sequence[Json]) -> Json:
    """A fresh top-level panel dict from a cached shape (its nested values are shared and
    never changed: the layout only sets ``gridPos`` and ``id`` on the top level)."""
    return {**shape, "title": title, "description": description, "targets": _refs(targets)}


def timeseries_object(
    title: str,
    description: str,
    unit: str,
    targets: Sequence[Any],
    *,
    thresholds: Steps = ((None, "green"),),
    threshold_lines: bool = False,
    minimum: float | None = None,
    stack: bool = False,
    overrides: Sequence[dict[str, Any]] = (),
    legend_table: bool | None = None,
) -> G.TimeSeries:
    """The grafanalib time series panel :func:`timeseries` is the normalised JSON of.

    ``legend_table``: a table legend (default: when there are several targets).
    """
    if legend_table is None:
        legend_table = len(targets) > 1
    return G.TimeSeries(
        title=title,
        description=description,
        unit=unit,
        dataSource=DATASOURCE,
        targets=list(targets),
        thresholds=steps(thresholds),
        thresholdsStyleMode="dashed" if threshold_lines else "off",
        valueMin=minimum,
        fillOpacity=10,
        stacking={"mode": "normal", "group": "A"} if stack else {},
        tooltipMode="multi",
        tooltipSort="desc",
        legendCalcs=["lastNotNull", "max"],
        legendDisplayMode="table" if legend_table else "list",
        overrides=list(overrides),
    )


@lru_cache(maxsize=SHAPES, typed=True)
def _timeseries_shape(
    unit: str,
    thresholds: bytes,
    threshold_lines: bool,
    minimum: float | None,
    stack: bool,
    legend_table: bool,
    overrides: bytes,
) -> Json:
    return normalize_panel(
        timeseries_object(
            "",
            "",
            unit,
            [],
            thresholds=orjson.loads(thresholds),
            threshold_lines=threshold_lines,
            minimum=minimum,
            stack=stack,
            overrides=orjson.loads(overrides),
            legend_table=legend_table,
        )
    )


def timeseries(
    title: str,
    description: str,
    unit: str,
    targets: Sequence[Json],
    *,
    thresholds: Steps = ((None, "green"),),
    threshold_lines: bool = False,
    minimum: float | None = None,
    stack: bool = False,
    overrides: Sequence[dict[str, Any]] = (),
) -> Json:
    """A time series panel; ``threshold_lines`` draws the thresholds as dashed lines.

    The normalised JSON of :func:`timeseries_object`, built once per shape.
    """
    shape = _timeseries_shape(
        unit,
        _key(thresholds),
        threshold_lines,
        minimum,
        stack,
        len(targets) > 1,
        _key(overrides),
    )
    return _filled(shape, title, description, targets)


def stat_object(
    title: str,
    description: str,
    unit: str,
    targets: Sequence[Any],
    *,
    thresholds: Steps = ((None, "green"),),
    decimals: int | None = None,
) -> G.Stat:
    """The grafanalib single-value panel :func:`stat` is the normalised JSON of."""
    return G.Stat(
        title=title,
        description=description,
        format=unit,
        dataSource=DATASOURCE,
        targets=list(targets),
        thresholds=steps(thresholds),
        decimals=decimals,
        reduceCalc="lastNotNull",
        graphMode="area",
        colorMode="value",
        noValue="no data",
    )


@lru_cache(maxsize=SHAPES, typed=True)
def _stat_shape(unit: str, thresholds: bytes, decimals: int | None) -> Json:
    steps_ = orjson.loads(thresholds)
    return normalize_panel(stat_object("", "", unit, [], thresholds=steps_, decimals=decimals))


def stat(
    title: str,
    description: str,
    unit: str,
    targets: Sequence[Json],
    *,
    thresholds: Steps = ((None, "green"),),
    decimals: int | None = None,
) -> Json:
    """A single-value panel (last value), coloured by ``thresholds``."""
    shape = _stat_shape(unit, _key(thresholds), decimals)
    return _filled(shape, title, description, targets)


def table(
    title: str,
    description: str,
    unit: str,
    targets: Sequence[Json],
    *,
    overrides: Sequence[dict[str, Any]] = (),
    transformations: Sequence[dict[str, Any]] = (),
    sort_by: Sequence[tuple[str, bool]] = (),
) -> G.Table:
    """A table of instant queries merged on their labels (overviews only: a grafanalib
    panel, normalised with its dashboard)."""
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


def text_object(title: str, description: str, content: str) -> G.Text:
    """The grafanalib markdown panel :func:`text` is the normalised JSON of."""
    return G.Text(
        title=title,
        description=description,
        content=content,
        mode="markdown",
        extraJson={"fieldConfig": {"defaults": {"unit": "none"}}},
    )


@cache
def _option_shape(make: Callable[[str, str, str], Any]) -> Json:
    return normalize_panel(make("", "", ""))


def _one_option_panel(
    make: Callable[[str, str, str], Any], option: str, title: str, description: str, value: str
) -> Json:
    """The panel ``make(title, description, value)`` makes, whose ``value`` is its option
    ``option`` (text, alert list): the shape is normalised once."""
    shape = _option_shape(make)
    panel = _filled(shape, title, description, [])
    panel["options"] = {**shape["options"], option: value}
    return panel


def text(title: str, description: str, content: str) -> Json:
    """A markdown panel (unit ``none``: there is no value to format)."""
    return _one_option_panel(text_object, "content", title, description, content)


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


def alert_list_object(title: str, description: str, label_filter: str) -> AlertList:
    """The grafanalib panel :func:`alert_list` is the normalised JSON of."""
    return AlertList(title=title, description=description, label_filter=label_filter)


def alert_list(title: str, description: str, label_filter: str) -> Json:
    """Grafana's alert list panel, filtered to alert instances matching ``label_filter``."""
    return _one_option_panel(
        alert_list_object, "alertInstanceLabelFilter", title, description, label_filter
    )
