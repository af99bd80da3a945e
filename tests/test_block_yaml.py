"""The direct block-YAML writer writes exactly PyYAML's bytes (dump_yaml, sort_keys=False)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from obskit.catalog.clusters import paired_clusters
from obskit.catalog.loader import load_catalog
from obskit.render.block_yaml import dump_block_yaml
from obskit.render.serialize import dump_yaml
from obskit.renderers.alerts import promtool_tests, rulefile, workload

ROOT = Path(__file__).resolve().parents[1]

TRICKY = [
    "",
    "yes",
    "No",
    "on",
    "y",
    "N",
    "null",
    "~",
    "1e3",
    "0o17",
    "0x1F",
    ".inf",
    ".5",
    "12:30",
    "2001-12-14",
    "1_000",
    "+1",
    "-1",
    "- x",
    "-x",
    "? x",
    "?x",
    ": x",
    ":x",
    "a: b",
    "a:b",
    "a:",
    "x #y",
    "x#y",
    "#x",
    "---x",
    "...x",
    "it's",
    "'q'",
    '"q"',
    'job="a \\"b\\""',
    "C:\\app",
    " lead",
    "trail ",
    "tab\there",
    "héllo",
    "emoji \u2603",
    "a\nb",
    "a\n\nb\n",
    "  indented\nblock",
    "x" * 1200,
    ("word " * 1000).strip(),
    "{a}",
    "[a]",
    "a,b",
    "&a",
    "*a",
    "!a",
    "|a",
    ">a",
    "%a",
    "@a",
    "`a",
    "=",
    "<<",
    'metric{a="b", c="d: e"}',
    "0+600x130",
    "1x60",
    "15m",
    # line breaks other than \n: PyYAML breaks the line there and indents the rest
    "a\u2028b",
    "\u2029",
    "a\x85b",
    "a\rb",
]


def _same(doc, header: str = "") -> None:
    assert dump_block_yaml(doc, header=header) == dump_yaml(doc, sort_keys=False, header=header)


@pytest.mark.parametrize("value", TRICKY)
def test_tricky_scalars_as_values_items_and_keys(value):
    _same({"k": value, "list": [value, {"x": value, "y": [value]}], "nested": {"z": value}})
    if value and "\n" not in value and len(value) < 100:
        _same({value: 1, "m": {value: [value]}})


def test_numbers_empties_and_unsupported_shapes_fall_back():
    _same({"a": 1, "b": 1.5, "c": 0.001, "d": [], "e": {}, "f": [{}, [], 2.0]})
    _same({"a": [[1, 2], [3]]})  # a list in a list: PyYAML writes it
    _same({"a": None, "b": True})  # other types: PyYAML writes them
    _same({"k" * 200: 1})  # a key libyaml writes as ``? key``


@pytest.mark.parametrize(
    "catalog",
    ["catalog.yaml", "tests/fixtures/alerts_edge.yaml", "tests/fixtures/alerts_windows.yaml"],
)
def test_every_generated_rule_and_test_file_is_identical(catalog):
    cat = load_catalog(ROOT / catalog)
    clusters = paired_clusters(cat)
    for service in cat.services:
        steady, outages = promtool_tests.test_groups(
            service, workload.workload_alerts(service), clusters
        )
        for groups in (steady, outages):
            _same({"rule_files": ["../x.rules.yaml"], "tests": groups}, header="a\nb")
        _same({"groups": rulefile.groups(service)}, header="h")


def test_the_output_reads_back_as_the_data():
    keys = [v for v in TRICKY if v and not set(v) & set("\n\r\x85\u2028\u2029") and len(v) < 100]
    doc = {"k": TRICKY, "m": {v: v for v in keys}}
    assert yaml.safe_load(dump_block_yaml(doc)) == doc
