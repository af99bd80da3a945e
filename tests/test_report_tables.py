"""Table panels (obskit/report/tables.py) against Grafana's documented table behaviour, fed
with instant-query results as Prometheus' HTTP API returns them (values as strings, "NaN"
for 0/0: a service without traffic)."""

from __future__ import annotations

from obskit.report.tables import build_table


def _vector(values: dict[str, str]) -> list[dict]:
    return [{"metric": {"service": s}, "value": [1700000000, v]} for s, v in values.items()]


def _panel(sort_by: list[dict], index: dict[str, int] | None = None) -> dict:
    options = {"renameByName": {"Value #A": "Errors %", "Value #B": "Requests/s"}}
    if index is not None:
        options["indexByName"] = index
    return {
        "transformations": [{"id": "merge"}, {"id": "organize", "options": options}],
        "options": {"sortBy": sort_by},
    }


#: errors: NaN for the idle service, none at all for "new" (absent from the first query)
ERRORS = {"a": "0.5", "idle": "NaN", "c": "2", "d": "0", "e": "0"}
RATES = {"a": "3", "idle": "0", "c": "1", "d": "5", "e": "7", "new": "9"}


def _services(panel: dict) -> list[str]:
    results = [("Value #A", _vector(ERRORS)), ("Value #B", _vector(RATES))]
    return [row[0] for row in build_table(panel, results).rows]


def test_sort_puts_nan_and_missing_values_below_every_number():
    """Grafana's table sorts a missing value below every number (TableNG ``numCompare``: null
    first ascending; classic ``sortNumber``: null and NaN as -Infinity): descending, the
    idle (NaN) and new (no value) services come last; ascending, first. Before the fix a NaN
    left the rows unsorted and a missing value was last either way."""
    desc = _services(_panel([{"displayName": "Errors %", "desc": True}]))
    assert desc == ["c", "a", "d", "e", "idle", "new"]
    asc = _services(_panel([{"displayName": "Errors %", "desc": False}]))
    assert asc == ["idle", "new", "d", "e", "a", "c"]


def test_the_first_sort_by_entry_is_the_primary_key():
    """``applySort`` compares by sortColumns[0] first, the next entries only break ties."""
    order = _services(
        _panel(
            [
                {"displayName": "Errors %", "desc": True},
                {"displayName": "Requests/s", "desc": True},
            ]
        )
    )
    assert order == ["c", "a", "e", "d", "new", "idle"]


def test_organize_puts_fields_not_in_index_by_name_last():
    """``organize`` orders by the names before its renames; a field indexByName does not list
    sorts as Number.MAX_SAFE_INTEGER, so after every listed one whatever their indexes."""
    panel = _panel([], index={"Value #A": 50, "service": 60})
    results = [("Value #A", _vector(ERRORS)), ("Value #B", _vector(RATES))]
    assert build_table(panel, results).columns == ["Errors %", "service", "Requests/s"]


def test_cell_colours_and_units_from_defaults_and_overrides():
    """Grafana applies an override property at its dotted path over the defaults: a
    ``color-background`` set in the defaults colours every value column (it was read only
    from overrides), an override's ``custom.cellOptions`` turns it off for one column, and
    an override's ``unit`` replaces the default's."""
    steps = [{"color": "green", "value": None}, {"color": "red", "value": 1}]
    panel = _panel([])
    panel["fieldConfig"] = {
        "defaults": {
            "custom": {"cellOptions": {"type": "color-background"}, "align": "auto"},
            "thresholds": {"mode": "absolute", "steps": steps},
            "unit": "percent",
            "decimals": 1,
        },
        "overrides": [
            {
                "matcher": {"id": "byName", "options": "Requests/s"},
                "properties": [
                    {"id": "custom.cellOptions", "value": {"type": "auto"}},
                    {"id": "unit", "value": "reqps"},
                ],
            }
        ],
    }
    results = [("Value #A", _vector({"a": "2"})), ("Value #B", _vector({"a": "3"}))]
    table = build_table(panel, results)
    assert table.columns == ["service", "Errors %", "Requests/s"]
    assert table.rows == [["a", "2.0%", "3.0 reqps"]]  # simpleCountUnit("reqps")
    assert table.colours == [[None, "#F2495C", None]]
