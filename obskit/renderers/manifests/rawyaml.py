"""Write the manifests' documents: PyYAML's bytes, most of them without PyYAML.

Reading thousands of rule files back into Python objects and dumping them again was most
of this renderer's time. A block-style rule file whose only top-level key is ``groups``
(what the alerts renderer writes) is moved under ``spec:`` by indenting its lines: YAML
indentation is relative, so the parsed value is unchanged (the tests compare). Anything
else (flow style, other top-level keys, documents) takes the parse-and-dump path.

Each document is written by ``dump_block_yaml`` (keys sorted here) with the rule groups and
strings over 1,000 characters replaced by tokens, then spliced in: a dashboard's one-line
JSON is a literal block whose line is written as is when libyaml would keep it (checked
by the tests against PyYAML); anything else is written by PyYAML, as before.
"""

from __future__ import annotations

import re
from typing import Any

from obskit.render.block_yaml import dump_block_yaml
from obskit.render.serialize import dump_yaml

_TOKEN = "__obskit_raw_groups__"


class RawGroups(str):
    """The items of a rule file's ``groups:`` list as block YAML, starting at column 0."""

    @property
    def empty(self) -> bool:
        return not self.strip()


#: a top-level ``groups:`` line, and the top-level lines of what follows it
_GROUPS_LINE = re.compile(r"^groups: *\n", re.M)
#: a line break before a top-level line that is not a list item
_OTHER_TOP_LINE = re.compile(r"\n(?=[^ \n])(?!- )")
#: what libyaml (``IS_PRINTABLE``, ``IS_BREAK``) does not keep as is on a literal block's
#: line: non-printable, line breaks (NEL, LS, PS), the BOM, and characters past the BMP
_NOT_IN_ONE_LINE_BLOCK = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]"
)
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
#: longer strings are spliced in as PyYAML writes them alone (block_yaml memoises shorter ones)
_LONG = 1000


def groups_block(text: str) -> RawGroups | None:
    """The ``groups:`` items of a plain block-style rule file, or None to parse it instead."""
    if "\t" in text or "\r" in text:
        return None
    match = _GROUPS_LINE.search(text)
    if match is not None:
        head, body = text[: match.start()], text[match.end() :]
        if all(not line or line[0] == "#" for line in head.split("\n")) and not (
            _OTHER_TOP_LINE.search("\n" + body)
        ):
            return RawGroups(body.strip("\n") + "\n")
    return _groups_block_by_line(text)


def _groups_block_by_line(text: str) -> RawGroups | None:
    """:func:`groups_block` line by line: the cases its quick path leaves (comments, ``[]``)."""
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
    if not seen:
        return None
    return RawGroups("\n".join(kept).strip("\n") + "\n")


def _sorted(value: Any, spliced: dict[str, Any]) -> Any:
    """``value`` with every mapping's keys sorted, long strings and :class:`RawGroups` in
    mappings replaced by tokens (``spliced``: token -> what it stands for)."""
    if isinstance(value, dict):
        out = {}
        for key, item in sorted(value.items()):
            if isinstance(item, RawGroups) or (type(item) is str and len(item) > _LONG):
                token = f"{_TOKEN}{len(spliced)}"
                spliced[token] = item
                item = token
            out[key] = _sorted(item, spliced)
        return out
    if isinstance(value, list):
        return [_sorted(item, spliced) for item in value]
    return value


def _indented(text: str, pad: str) -> str:
    """``text`` with ``pad`` before every line but empty ones."""
    if "\n\n" in text or not text:
        return "\n".join(pad + line if line else line for line in text.split("\n"))
    return pad + text.replace("\n", "\n" + pad)


def _one_line_block(line: str) -> bool:
    """Whether libyaml keeps every character of ``line`` as is on a literal block's line."""
    # printable ASCII deleted from the UTF-8 bytes (fast): the other characters are left
    rest = line.encode("utf-8", "surrogatepass").translate(None, _PRINTABLE_ASCII)
    return not rest or _NOT_IN_ONE_LINE_BLOCK.search(rest.decode("utf-8", "surrogatepass")) is None


def _long_scalar(value: str, indent: int) -> str | None:
    """``value`` as PyYAML writes it after ``key:`` at ``indent`` (None: not a literal block,
    its folding depends on the column).

    One line and its line break (a dashboard's compact JSON) is a literal block with the
    line as is when libyaml's ``yaml_emitter_analyze_scalar`` finds no special character, no
    space before the break and no leading space to indicate: no need to ask.
    """
    line = value[:-1]
    if (
        value.endswith("\n")
        and line[:1] not in ("", " ")
        and line[-1] != " "
        and _one_line_block(line)
    ):
        return " |\n" + " " * indent + line + "\n"
    lines = dump_yaml({"k": value}, sort_keys=False).decode().split("\n")
    if lines[-1] != "" or not lines[0].startswith("k: "):
        return None
    head, rest = lines[0][3:], lines[1:-1]
    if "\u2028" in value or "\u2029" in value or not head.startswith("|"):
        return None
    if any(line and not line.startswith("  ") for line in rest):
        return None
    pad = " " * indent
    return " " + head + "\n" + "".join(pad + line[2:] + "\n" if line else "\n" for line in rest)


class _NotSpliced(Exception):
    pass


def _splice(text: str, token: str, value: str) -> str:
    """``text`` with the line ``key: <token>`` written with ``value`` instead."""
    marker = f": {token}\n"
    at = text.find(marker)
    if at < 0 or text.count(marker) != 1:
        raise _NotSpliced(token)
    line = text.rfind("\n", 0, at) + 1
    indent = len(text[line:at]) - len(text[line:at].lstrip(" "))
    if isinstance(value, RawGroups):
        if value.empty:
            raise _NotSpliced(token)
        # a sequence in a mapping is not indented further (PyYAML's block style)
        new = ":\n" + _indented(value.rstrip("\n"), " " * indent) + "\n"
    else:
        scalar = _long_scalar(value, indent + 2)
        if scalar is None:
            raise _NotSpliced(token)
        new = ":" + scalar
    return text[:at] + new + text[at + len(marker) :]


def _document(doc: dict[str, Any]) -> str:
    """``dump_yaml(doc)``, written by :func:`dump_block_yaml` with the long parts spliced in."""
    spliced: dict[str, Any] = {}
    text = dump_block_yaml(_sorted(doc, spliced)).decode()
    try:
        for token, value in spliced.items():
            text = _splice(text, token, value)
    except _NotSpliced:
        return _dumped_document(doc)
    return text


def _dumped_document(doc: dict[str, Any]) -> str:
    """``dump_yaml(doc)`` by PyYAML, :class:`RawGroups` under ``spec.groups`` spliced in."""
    raw = (doc.get("spec") or {}).get("groups")
    if not isinstance(raw, RawGroups):
        return dump_yaml(doc).decode()
    text = dump_yaml({**doc, "spec": {**doc["spec"], "groups": _TOKEN}}).decode()
    block = "".join(f"  {line}\n" if line else "\n" for line in raw.rstrip("\n").split("\n"))
    marker = f"  groups: {_TOKEN}\n"
    assert text.count(marker) == 1
    return text.replace(marker, "  groups:\n" + block)


def dump_documents(documents: list[dict[str, Any]], header: str) -> bytes:
    """Like ``dump_yaml_documents``, splicing :class:`RawGroups` in under ``spec.groups``."""
    parts = [_document(doc) for doc in documents]
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    return (comment + "---\n" + "---\n".join(parts)).encode("utf-8")
