"""Turn pydantic validation errors into located, fixable catalog problems."""

from __future__ import annotations

import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from obskit.catalog.base import PATTERN_HINTS
from obskit.catalog.errors import Problem, did_you_mean
from obskit.catalog.yaml_source import Path, SourceMap


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types behind Optional/Union/Annotated/list/dict annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(annotation) for t in _unwrap(a)]
    return [annotation]


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (info.alias, name):
            return info.annotation
    return None


def model_at(root: type[BaseModel], path: Path) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at ``path`` (None when not a model)."""
    current: list[Any] = [root]
    for part in path:
        nxt: list[Any] = []
        for typ in current:
            origin = typing.get_origin(typ)
            if isinstance(typ, type) and issubclass(typ, BaseModel) and isinstance(part, str):
                ann = _field_by_alias(typ, part)
                if ann is not None:
                    nxt.extend(_unwrap(ann))
            elif origin in (list, tuple) and isinstance(part, int):
                nxt.extend(_unwrap(typing.get_args(typ)[0]))
            elif origin is dict and isinstance(part, str):
                nxt.extend(_unwrap(typing.get_args(typ)[1]))
        current = nxt
    for typ in current:
        if isinstance(typ, type) and issubclass(typ, BaseModel):
            return typ
    return None


def _data_path(loc: tuple[Any, ...], data: Any) -> Path:
    """Keep the parts of a pydantic ``loc`` that exist in the data (drop union-member tags)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and part.endswith("]"):
            continue  # dict key validation tag such as "[key]"
        else:
            # a name pydantic uses for a union member, or a missing field (kept: it names it)
            if (
                isinstance(part, str)
                and not re.match(r"^[a-z]+[-_\[]|^function", part)
                and (isinstance(node, dict))
            ):
                path.append(part)
                node = None
            continue
    return tuple(path)


#: longest value repr an error message quotes (a deep or huge value is cut, not dumped)
SHOWN_CHARS = 60


def _shown(value: Any) -> str:
    """``repr(value)``, cut to ``SHOWN_CHARS`` characters."""
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."


def _message(err: dict[str, Any], value: Any) -> tuple[str, str]:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required field is missing", "add it"
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        hint = did_you_mean(str(value), expected) if expected else ""
        return f"{_shown(value)} is not allowed", hint
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        if pattern in PATTERN_HINTS:
            what, hint = PATTERN_HINTS[pattern]
            return f"{_shown(value)} {what}", hint
        if "ms|s|m|h|d" in pattern:
            hint = "use a number and a unit: 250ms, 30s, 5m, 1h, 7d"
            return f"{_shown(value)} is not a duration", hint
        if "a-z0-9" in pattern:
            return (
                f"{_shown(value)} is not a valid name",
                "use lower-case letters, digits and '-'; start and end with a letter or digit",
            )
        if "Ki|Mi|Gi" in pattern:
            return f"{_shown(value)} is not a Kubernetes quantity", "write it like 20Gi or 500Mi"
        return f"{_shown(value)} does not match {pattern}", ""
    if kind in ("greater_than", "less_than", "greater_than_equal", "less_than_equal"):
        return f"{_shown(value)}: {err['msg'].lower()}", ""
    if kind == "string_too_long":
        return f"{_shown(value)} is longer than {ctx.get('max_length')} characters", "shorten it"
    if kind == "model_type" or kind == "dict_type":
        return f"expected a mapping, got {type(value).__name__}", "write `key: value` pairs"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {type(value).__name__}", "write a YAML list (- item)"
    if kind in ("float_type", "int_type", "int_from_float") and isinstance(value, bool):
        return (
            f"expected a number, got the boolean {str(value).lower()}",
            "YAML reads yes/no/on/off/true/false as booleans: write a number, e.g. 99.9",
        )
    if kind == "string_type" and isinstance(value, bool):
        return (
            f"expected a string, got the boolean {str(value).lower()}",
            "YAML reads yes/no/on/off/true/false as booleans: put the value in quotes",
        )
    if kind in ("float_type", "int_type") and isinstance(value, str):
        return f"expected a number, got the string {value!r}", "write the number without quotes"
    if kind == "int_from_float":
        return f"expected a whole number, got {value!r}", "write it without a fraction"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"])), ""
    return f"{err['msg']} (got {_shown(value)})" if value is not None else err["msg"], ""


def _value_at(data: Any, path: Path) -> Any:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def problems_from_validation(
    exc: ValidationError, data: Any, smap: SourceMap, root: type[BaseModel], base: Path = ()
) -> list[Problem]:
    """One problem per distinct pydantic error, located in the YAML file."""
    problems: dict[tuple[Path, str], Problem] = {}
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        path = _data_path(loc, data)
        full = (*base, *path)
        if err["type"] == "extra_forbidden":
            key = str(path[-1]) if path else str(loc[-1])
            model = model_at(root, path[:-1])
            fields = [i.alias or n for n, i in (model.model_fields.items() if model else [])]
            hint = did_you_mean(key, fields)
            prob = smap.problem(full, f"unknown key `{key}`", hint, key=True)
            problems[(full, "extra")] = prob
            continue
        value = _value_at(data, path)
        message, hint = _message(err, value)
        # a union reports one error per member: keep the first per field
        problems.setdefault((full, "value"), smap.problem(full, message, hint))
    return list(problems.values())
