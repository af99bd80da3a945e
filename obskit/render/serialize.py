"""Deterministic serialisers: the same data always gives the same bytes."""

from __future__ import annotations

import math
import re
from typing import Any

import orjson
import yaml

try:
    _BaseDumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - libyaml missing
    _BaseDumper = yaml.SafeDumper


class _Dumper(_BaseDumper):  # type: ignore[misc, valid-type]
    """Block-style YAML; multi-line strings as literal blocks; no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


#: plain scalars a YAML 1.2 reader (go-yaml v3, kubectl, Argo CD) or go-yaml v2 takes for a
#: number, bool or null, which PyYAML's YAML 1.1 resolver leaves unquoted (``1e3``, ``0o17``,
#: ``.inf``, ``n``): a service named ``1e3`` would become the number 1000 after
#: ``kubectl kustomize``, a catalog named ``n`` the boolean false
_YAML12_NON_STRING = re.compile(
    r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
    r"|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|true|True|TRUE|false|False|FALSE|null|Null|NULL|~"
    # YAML 1.1 booleans of go-yaml v2 (sigs.k8s.io/yaml: kustomize, Helm) PyYAML leaves plain
    r"|y|Y|n|N"
)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if _YAML12_NON_STRING.fullmatch(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_float(dumper: yaml.SafeDumper, value: float) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:float", format_float(value))


#: the longest implicit (``key: value``) key YAML readers accept: the YAML spec, libyaml,
#: PyYAML and go-yaml (kubectl, Helm) all stop looking for the ``:`` after 1024 characters
MAX_IMPLICIT_KEY = 1024
#: keys longer than this, or with a line break, become ``? key`` complex keys in libyaml's
#: emitter (valid YAML, but spliced comments and many consumers break on them)
_LIBYAML_SIMPLE_KEY = 120
_LINE_BREAKS = frozenset("\n\r\x85\u2028\u2029")


def _key_length(key: str) -> int:
    """Characters the key takes when written double-quoted (an upper bound)."""
    escaped = sum(1 for ch in key if not ch.isprintable() or ch in '"\\')
    return len(key) + 2 + 9 * escaped


def is_simple_key(key: object) -> bool:
    """Whether ``key`` can be written as an implicit ``key: value`` key on one line."""
    return not isinstance(key, str) or _key_length(key) <= MAX_IMPLICIT_KEY


def _awkward_key(key: object) -> bool:
    """Whether libyaml would write ``key`` as a ``?`` complex key."""
    return isinstance(key, str) and (
        len(key) >= _LIBYAML_SIMPLE_KEY or any(ch in _LINE_BREAKS for ch in key)
    )


def _has_awkward_key(data: Any) -> bool:
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(_awkward_key(k) for k in node):
                return True
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return False


class _KeyDumper(yaml.SafeDumper):
    """The pure-Python emitter, taught to keep long and multi-line keys implicit.

    A key with a line break is written double-quoted (``"a\\nb": x``) and a long key plainly,
    both on one line, up to :data:`MAX_IMPLICIT_KEY` characters; only longer keys (which no
    reader takes as implicit keys) become ``? key`` complex keys, which is still valid YAML.
    """

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def check_simple_key(self) -> bool:
        event = self.event
        if isinstance(event, yaml.ScalarEvent) and event.value and event.anchor is None:
            return _key_length(event.value) <= MAX_IMPLICIT_KEY
        return bool(super().check_simple_key())


for _dumper in (_Dumper, _KeyDumper):
    _dumper.add_representer(str, _represent_str)
    _dumper.add_representer(float, _represent_float)


def clean_float(value: float, digits: int = 12) -> float:
    """Round away binary noise: ``1 - 0.999`` -> ``0.001``."""
    if math.isnan(value) or math.isinf(value):
        return value
    return float(f"{value:.{digits}g}")


def format_float(value: float) -> str:
    """A float the way a human would write it: ``0.001``, ``14.4``, ``1`` stays ``1.0``."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(clean_float(value))
    if "e" in text:  # keep plain decimal notation for readability
        text = f"{clean_float(value):.15f}".rstrip("0")
        if text.endswith("."):
            text += "0"
    return text


def format_number(value: float) -> str:
    """A number for PromQL text: ``0.001``, ``14.4``, ``2`` (no trailing ``.0``)."""
    text = format_float(value)
    return text[:-2] if text.endswith(".0") else text


def dump_json(data: Any) -> bytes:
    """Indented JSON with sorted keys and a final newline."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def dump_yaml(data: Any, *, sort_keys: bool = True, header: str = "") -> bytes:
    """Block YAML (libyaml when present); ``header`` is prepended as ``#`` comment lines."""
    text = yaml.dump(
        data,
        Dumper=_KeyDumper if _has_awkward_key(data) else _Dumper,
        sort_keys=sort_keys,
        default_flow_style=False,
        allow_unicode=True,
        width=4096,
        indent=2,
    )
    if header:
        comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
        text = comment + text
    return text.encode("utf-8")


def dump_yaml_documents(documents: list[Any], *, sort_keys: bool = True, header: str = "") -> bytes:
    """Several YAML documents separated by ``---``."""
    parts = [dump_yaml(d, sort_keys=sort_keys).decode() for d in documents]
    body = "---\n" + "---\n".join(parts)
    if header:
        body = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines()) + body
    return body.encode("utf-8")
