"""The event-stream YAML loader: the same data as yaml.load, or Unusual for the careful path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from obskit.catalog.yaml_stream import Unusual, load_stream

REPO = Path(__file__).resolve().parent.parent
FILES = [
    *sorted(
        p
        for folder in (REPO / "tests" / "fixtures", REPO / "examples")
        for p in folder.rglob("*.y*ml")
        if p.is_file()
    ),
    REPO / "catalog.yaml",
]


def _reference(text: str):
    return yaml.load(text, Loader=yaml.CSafeLoader)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_same_data_as_yaml_load(path):
    text = path.read_text()
    try:
        data = load_stream(text)
    except Unusual:
        return  # the careful path takes it (anchors, duplicates, tags, several documents)
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            list(yaml.load_all(text, Loader=yaml.CSafeLoader))
        return
    assert data == _reference(text)


SCALARS = """
a: 1
b: 1.5
c: true
d: null
e: ~
f: '1'
g: 2024-01-02
h: 0o17
i: "x\\ny"
j: [1, two, {k: v}]
k: {}
l: []
m: |
  block
n: >-
  folded text
"""


def test_scalar_types_and_flow_collections():
    assert load_stream(SCALARS) == _reference(SCALARS)
    assert load_stream("") is None


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key
        "base: &b {x: 1}\nother: *b\n",  # anchor and alias
        "a: {<<: {x: 1}}\n",  # merge key
        "a: !!set {x}\n",  # a tag beyond the core scalars
        "? [a]\n: 1\n",  # a non-scalar key
        "a: 1\n---\nb: 2\n",  # two documents
        "just a scalar\n",
    ],
)
def test_unusual_documents_go_to_the_careful_path(text):
    with pytest.raises(Unusual):
        load_stream(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: {true: 1, True: 2}\n",
        "a: {yes: 1, on: 2}\n",
        "a: {1: x, 1.0: y}\n",
        "a: {0x1: 1, 1: 2}\n",
        "a: {'k': 1, k: 2}\n",
        'a: {"k": 1, k: 2}\n',
    ],
)
def test_keys_equal_once_constructed_are_duplicates(text):
    """yaml.load keeps the last of two keys that construct equal (and would hide them): the
    fast path hands them to the careful one, which reports the duplicate with its line."""
    from obskit.catalog.yaml_source import load_yaml

    with pytest.raises(Unusual):
        load_stream(text)
    _, _, problems = load_yaml(text, "c.yaml")
    assert any("duplicate" in str(p) for p in problems), problems


@pytest.mark.parametrize("text", ["a: {null: 1}\n", "a: {1: x}\n", "a: {true: x}\n"])
def test_keys_that_are_not_strings_take_the_careful_path(text):
    """Their handling (e.g. ``null``) is the careful path's alone, so both paths agree."""
    from obskit.catalog.yaml_source import load_yaml

    with pytest.raises(Unusual):
        load_stream(text)
    data, _, problems = load_yaml(text, "c.yaml")
    assert not problems and len(data["a"]) == 1, (data, problems)
