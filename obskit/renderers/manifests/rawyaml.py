"""Carry a rule file's ``groups:`` into a PrometheusRule as text, without re-parsing it.

Reading thousands of rule files back into Python objects and dumping them again is most
of this renderer's time. A block-style rule file whose only top-level key is ``groups``
(what the alerts renderer writes) is moved under ``spec:`` by indenting its lines: YAML
indentation is relative, so the parsed value is unchanged (the tests compare). Anything
else (flow style, other top-level keys, documents) takes the parse-and-dump path.
"""

from __future__ import annotations

from typing import Any

from obskit.render.serialize import dump_yaml

_TOKEN = "__obskit_raw_groups__"


class RawGroups(str):
    """The items of a rule file's ``groups:`` list as block YAML, starting at column 0."""

    @property
    def empty(self) -> bool:
        return not self.strip()


def groups_block(text: str) -> RawGroups | None:
    """The ``groups:`` items of a plain block-style rule file, or None to parse it instead."""
    kept: list[str] = []
    seen = False
    for line in text.split("\n"):
        if not line or line[0] == " ":
            if line and not seen:
                return None
            kept.append(line)
        elif line[0] == "#":
            continue
        elif line.rstrip() == "groups:" and not seen:
            seen = True
        elif line.startswith("groups:") and line.split(":", 1)[1].strip() == "[]" and not seen:
            return RawGroups("")
        elif line.startswith("- ") and seen:
            kept.append(line)
        else:
            return None
    if not seen or "\t" in text or "\r" in text:
        return None
    return RawGroups("\n".join(kept).strip("\n") + "\n")


def dump_documents(documents: list[dict[str, Any]], header: str) -> bytes:
    """Like ``dump_yaml_documents``, splicing :class:`RawGroups` in under ``spec.groups``."""
    parts = []
    for doc in documents:
        raw = (doc.get("spec") or {}).get("groups")
        if not isinstance(raw, RawGroups):
            parts.append(dump_yaml(doc).decode())
            continue
        text = dump_yaml({**doc, "spec": {**doc["spec"], "groups": _TOKEN}}).decode()
        block = "".join(f"  {line}\n" if line else "\n" for line in raw.rstrip("\n").split("\n"))
        marker = f"  groups: {_TOKEN}\n"
        assert text.count(marker) == 1
        parts.append(text.replace(marker, "  groups:\n" + block))
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return (comment + "---\n" + "---\n".join(parts)).encode("utf-8")
