"""Checks on what a catalog injects into rendered files as it is: Helm ``overrides``, URLs.

``environments.*.overrides`` are merged into the Helm values verbatim, so they are checked
here, with file and line: keys every YAML reader takes as string keys on one line, and no
literal secret (:mod:`obskit.catalog.secrets`). Secret-looking values (Slack webhook URLs,
URLs with a password) are refused anywhere in the catalog.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from obskit.catalog.errors import Problem
from obskit.catalog.secrets import (
    ENV_HINT,
    SECRET_ENV_NAME,
    SECRET_KEYS,
    URL_HINT,
    is_reference,
    secret_lines,
    value_problem,
)
from obskit.render.serialize import MAX_IMPLICIT_KEY, is_simple_key

if TYPE_CHECKING:
    from obskit.catalog.yaml_source import SourceMap

Path = tuple[str | int, ...]

#: settings whose chart has its own Secret reference (``(chart, dotted path) -> hint``)
CHART_REFERENCES = {
    ("jaeger", "storage.cassandra.password"): "storage.cassandra.existingSecret",
    ("jaeger", "storage.elasticsearch.password"): "storage.elasticsearch.existingSecret",
    ("kube-prometheus-stack", "grafana.adminPassword"): (
        "grafana.admin.existingSecret (with grafana.admin.userKey and grafana.admin.passwordKey)"
    ),
}


def catalog_problems(data: dict[str, Any], smap: SourceMap) -> list[Problem]:
    """Everything wrong with what a file's ``data`` would inject into rendered files."""
    found = [smap.problem(_spelt(smap, p), m, h, key=k) for p, m, h, k in _overrides(data)]
    seen = {problem.path for problem in found}
    for path, message, hint in _secret_values(data, ()):
        problem = smap.problem(path, message, hint)
        if problem.path not in seen:
            found.append(problem)
    return found


#: how YAML 1.1 spells the booleans and null a key may be read as
_SPELLINGS = {
    True: ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"),
    False: ("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"),
    None: ("~", "null", "Null", "NULL", ""),
}


def _spelt(smap: SourceMap, path: Path) -> Path:
    """``path`` with its last key as written in the file (``on`` for a key read as True)."""
    if not path or path in smap.key_positions:
        return path
    for spelling in _SPELLINGS.get(_NON_STRING.get(path[-1], path[-1]), ()):
        if (*path[:-1], spelling) in smap.key_positions:
            return (*path[:-1], spelling)
    return path


_NON_STRING: dict[str | int, object] = {"True": True, "False": False, "None": None}


def _overrides(data: dict[str, Any]) -> Iterator[tuple[Path, str, str, bool]]:
    environments = data.get("environments")
    if not isinstance(environments, dict):
        return
    for env, body in environments.items():
        overrides = body.get("overrides") if isinstance(body, dict) else None
        if not isinstance(overrides, dict):
            continue
        for chart, values in overrides.items():
            base: Path = ("environments", str(env), "overrides", str(chart))
            yield from _walk(str(chart), values, base, len(base))


def _key_problem(key: Any) -> tuple[str, str] | None:
    if not isinstance(key, str):
        kind = "null" if key is None else type(key).__name__
        return (
            f"the key `{key}` is read as a {kind}, not a string: Helm would see another key",
            "put the key in quotes",
        )
    if any(not ch.isprintable() for ch in key):
        return (
            f"the key {key!r} has a line break or control character: no chart has such a key",
            "remove the control characters from the key",
        )
    if not is_simple_key(key):
        return (
            f"the key is longer than {MAX_IMPLICIT_KEY} characters: YAML readers (Helm, "
            "kubectl) do not take it as a key",
            "shorten the key",
        )
    return None


def _walk(chart: str, node: Any, path: Path, root: int) -> Iterator[tuple[Path, str, str, bool]]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(chart, item, (*path, i), root)
        return
    if not isinstance(node, dict):
        return
    name = node.get("name")
    if (
        isinstance(name, str)
        and SECRET_ENV_NAME.search(name)
        and not is_reference(node.get("value"))
    ):
        yield (
            (*path, "value"),
            f"environment variable `{name}` has a literal value: it would be rendered in "
            "plain text",
            f"use {ENV_HINT}",
            False,
        )
    for key, value in node.items():
        sub = (*path, str(key))
        problem = _key_problem(key)
        if problem:
            yield sub, *problem, True
            continue
        if key in SECRET_KEYS and not is_reference(value):
            dotted = ".".join(str(p) for p in sub[root:])
            hint = CHART_REFERENCES.get((chart, dotted), SECRET_KEYS[key])
            yield (
                sub,
                f"`{key}` holds a literal secret: it would be rendered into the Helm values "
                "in plain text",
                f"use {hint}",
                False,
            )
            continue
        if isinstance(value, str) and "\n" in value:
            for number, line, hint in secret_lines(value):
                yield (
                    sub,
                    f"line {number} of the text sets a literal secret: {line[:80]!r}",
                    f"use {hint}",
                    False,
                )
        yield from _walk(chart, value, sub, root)


def _secret_values(node: Any, path: Path) -> Iterator[tuple[Path, str, str]]:
    """Values that are secrets by their shape (Slack webhook URLs, URLs with a password)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _secret_values(value, (*path, str(key)))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _secret_values(item, (*path, i))
    elif isinstance(node, str) and "\n" not in node:
        what = value_problem(node)
        if what and not is_reference(node):
            yield path, f"{what} in the catalog: it would be rendered in plain text", URL_HINT
