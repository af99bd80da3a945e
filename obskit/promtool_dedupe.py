"""Proof sharing: services whose alert files are one file pair under a renaming.

Most services of a fleet differ from some other service only by their names: the same
preset, tier, objectives and workload kind give rule and test files that are equal once the
service's name, namespace, team and workload name are swapped. promtool's verdict on such a
pair is the same (see :func:`canonical` for what makes the renaming safe), so ``obskit test``
proves the *canonical* files once (the service rendered with placeholder names) and every
service whose real files are exactly those files under the renaming shares that pass.

A service shares a proof only when all of these hold, else it is proven on its own:

1. its real rule and test files are, byte for byte, the canonical files with each placeholder
   (and its CamelCase form) replaced by the real value and each object UID by the real one
   (a UID is a hash of names: mapped by order of first occurrence);
2. the renaming is injective on every word of both files and never produces a word the files
   already hold (``namespace="monitoring"`` in a service of namespace ``monitoring`` is not
   renamed: it would equal the scrape target's namespace label);
3. no regular expression of the rules (``=~``, ``!~``, ``label_replace``'s) holds a
   placeholder, and each one (anchored, as Prometheus anchors them) matches a renamed word
   or quoted string exactly when it matches the real one;
4. the rules use no function whose result depends on label order or concatenates values
   (``topk``, ``bottomk``, ``sort``, ``limitk``, ``label_join`` …), and every template of the
   annotations is ``{{ $labels.x }}`` or ``{{ $value }}`` with a number formatter.

promtool reads strings only through equality, regular expressions, templates and order;
(2) keeps equality, (3) regular expressions, (4) templates and order (promtool compares
alerts and samples as sorted sets). The class key hashes the canonical bytes, so the pass
cache reuses a class proof only for the same canonical files and promtool version.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from obskit.catalog.model import Catalog, ResolvedService
from obskit.promtool import service_test_files

#: placeholder names (DNS labels with no common substring with the generated vocabulary)
_PLACEHOLDERS = ("zqaqz", "zqbqz", "zqcqz", "zqdqz")
_UUID = (
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    # a container name: a UID's first 12 characters (cAdvisor fixtures)
    r"|(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{3}(?![0-9a-f-])"
)
_FULL_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_WORD = re.compile(r"[^\s\"'{},=:()\[\]|]+")
_QUOTED = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_REGEX_MATCHER = re.compile(r'[=!]~\s*"((?:[^"\\]|\\.)*)"')
_LABEL_REPLACE = re.compile(
    r'label_replace\s*\((?:[^"]|"(?:[^"\\]|\\.)*")*?,\s*"(?:[^"\\]|\\.)*"\s*,\s*"(?:[^"\\]|\\.)*"\s*,'
    r'\s*"(?:[^"\\]|\\.)*"\s*,\s*"((?:[^"\\]|\\.)*)"\s*\)',
    re.S,
)
_ORDERED = re.compile(
    r"\b(topk|bottomk|sort|sort_desc|sort_by_label|sort_by_label_desc|limitk|limit_ratio|"
    r"label_join|count_values)\s*\("
)
_TEMPLATE = re.compile(r"\{\{.*?\}\}", re.S)
_SAFE_TEMPLATE = re.compile(
    r"\{\{\s*\$(labels\.[A-Za-z_][A-Za-z0-9_]*|value(\s*\|\s*(humanize|humanize1024|"
    r"humanizePercentage|humanizeDuration))?)\s*\}\}"
)


@dataclass(frozen=True)
class Canonical:
    """A service's canonical rule and test files and the renaming back to its real ones."""

    rules: bytes
    #: test files by name in ``tests/`` (``<name>.test.yaml``, ``<name>.outages.test.yaml``)
    tests: dict[str, bytes]
    #: the canonical service name (the test file's ``rule_files`` entry names it)
    name: str


def placeholder_service(service: ResolvedService) -> tuple[ResolvedService, dict[str, str]]:
    """``service`` with its names as placeholders, and the placeholder -> real mapping."""
    from obskit.renderers.alerts.by_class import placeholder_service as with_placeholders

    return with_placeholders(service, _PLACEHOLDERS)


def _uuid_map(canon: str, real: str) -> dict[str, str] | None:
    a = list(dict.fromkeys(re.findall(_FULL_UUID, canon)))
    b = list(dict.fromkeys(re.findall(_FULL_UUID, real)))
    if len(a) != len(b):
        return None
    out = dict(zip(a, b, strict=True))
    out.update({x[:12]: y[:12] for x, y in zip(a, b, strict=True)})
    return out


#: regex syntax Python's ``re`` and Go's RE2 (Prometheus) may read differently: POSIX
#: classes (``[[:lower:]]``: RE2 only), ``{,n}`` (Python: a repetition; RE2: literal text),
#: flags and groups other than ``(?:`` and ``(?i)``, escapes other than the common ones
_NOT_PORTABLE = re.compile(
    r"\[:|\{(?!\d+(?:,\d*)?\})|\(\?(?!:|i\))|\\[^dDwWsS.\\\-+*?()\[\]{}|^$/]"
)
_PROMQL_ESCAPE = re.compile(r"\\(.)", re.S)


def _unquote(literal: str) -> str | None:
    """A double-quoted PromQL string's value (``\\\\`` and ``\\"`` only), else None."""
    if any(m.group(1) not in '\\"' for m in _PROMQL_ESCAPE.finditer(literal)):
        return None
    return _PROMQL_ESCAPE.sub(lambda m: m.group(1), literal)


def _regexes(rules: str) -> list[str] | None:
    """The regular expressions of ``rules`` as RE2 reads them, or None when one may be read
    differently by Python's ``re`` (or is written in a form this parser does not see)."""
    found = [m.group(1) for m in _REGEX_MATCHER.finditer(rules)]
    if len(found) != rules.count("=~") + rules.count("!~"):
        return None  # a matcher in single quotes, backticks or YAML escapes: no sharing
    replaces = rules.count("label_replace")
    matched = [m.group(1) for m in _LABEL_REPLACE.finditer(rules)]
    if len(matched) != replaces:
        return None  # a label_replace this parser does not understand: no sharing
    values = [_unquote(literal) for literal in [*found, *matched]]
    if any(v is None or _NOT_PORTABLE.search(v) for v in values):
        return None
    return [v for v in values if v is not None]


@dataclass(frozen=True)
class _Facts:
    """What one canonical file pair allows, computed once per class."""

    ok: bool
    #: words and quoted strings holding a placeholder or a UID, and all the others
    renamed: tuple[str, ...] = ()
    fixed: frozenset[str] = frozenset()
    regexes: tuple[re.Pattern[str], ...] = ()


_TOKENS = re.compile(
    "|".join([*_PLACEHOLDERS, *(p.capitalize() for p in _PLACEHOLDERS), f"(?:{_UUID})"])
)


#: facts by the canonical files' hash (the files themselves are not kept)
_FACTS: dict[str, _Facts] = {}


def _facts(canon_rules: str, canon_tests: str) -> _Facts:
    key = hashlib.sha256((canon_rules + "\0" + canon_tests).encode()).hexdigest()
    found = _FACTS.get(key)
    if found is None:
        if len(_FACTS) > 1024:
            _FACTS.clear()
        found = _FACTS[key] = _analyse(canon_rules, canon_tests)
    return found


def _analyse(canon_rules: str, canon_tests: str) -> _Facts:
    if _ORDERED.search(canon_rules) or _ORDERED.search(canon_tests):
        return _Facts(False)
    if any(not _SAFE_TEMPLATE.fullmatch(t) for t in _TEMPLATE.findall(canon_rules)):
        return _Facts(False)
    text = "\n".join(
        line
        for line in (canon_rules + "\n" + canon_tests).splitlines()
        if not line.startswith("#")  # the headers: prose promtool never reads
    )
    words = set(_WORD.findall(text)) | set(_QUOTED.findall(text))
    renamed = tuple(sorted(w for w in words if _TOKENS.search(w)))
    regexes = _regexes(text)
    if regexes is None or any(_TOKENS.search(expr) for expr in regexes):
        return _Facts(False)
    try:
        compiled = tuple(re.compile(expr) for expr in dict.fromkeys(regexes))
    except re.error:
        return _Facts(False)
    return _Facts(True, renamed, frozenset(words - set(renamed)), compiled)


def _replace_all(text: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def shares_proof(
    canon_rules: str, canon_tests: str, real_rules: str, real_tests: str, mapping: dict[str, str]
) -> bool:
    """Whether the real files are the canonical ones under a renaming promtool cannot tell."""
    if not all(_NAME.fullmatch(v) for v in mapping.values()):
        return False
    uuids = _uuid_map(canon_rules + canon_tests, real_rules + real_tests)
    if uuids is None:
        return False
    # placeholders, then full UIDs, then their 12-character prefixes; replacing one after
    # the other equals replacing them at once when no new value holds an old one
    pairs = sorted(mapping.items(), key=lambda kv: -len(kv[0]))
    pairs += sorted(uuids.items(), key=lambda kv: -len(kv[0]))
    keys = [k for k, _ in pairs]
    if any(k in v for _, v in pairs for k in keys):
        return False
    if (
        _replace_all(canon_rules, pairs) != real_rules
        or _replace_all(canon_tests, pairs) != real_tests
    ):
        return False
    facts = _facts(canon_rules, canon_tests)
    if not facts.ok:
        return False
    images = {w: _replace_all(w, pairs) for w in facts.renamed}
    if len(set(images.values())) != len(images) or not facts.fixed.isdisjoint(images.values()):
        return False
    return all(
        bool(regex.fullmatch(word)) == bool(regex.fullmatch(image))
        for regex in facts.regexes
        for word, image in images.items()
    )


def canonical(
    service: ResolvedService,
    real: Mapping[str, bytes],
    clusters: tuple[str, ...] = (),
    memo: dict[str, Mapping[str, bytes]] | None = None,
) -> Canonical | None:
    """The canonical files of ``service`` when its real ones (``real``: path -> bytes, as
    the alerts renderer wrote them) may share their proof, else None. ``memo`` keeps the
    canonical renders by placeholder service (services of one class render once)."""
    from obskit.renderers.alerts import render_service

    copy, mapping = placeholder_service(service)
    memo = {} if memo is None else memo
    # fields the alerts do not read stay out of the key: a wrong guess costs sharing, not
    # safety (the real files must still equal the renamed canonical ones)
    shown = copy.model_dump(mode="json", exclude={"logs", "traces"})
    key = json.dumps(shown, sort_keys=True) + "\0" + "\0".join(clusters)
    files = memo.get(key)
    if files is None:
        files = memo[key] = render_service(copy, clusters)
    canon_rules = files[f"alerts/{copy.name}.rules.yaml"]
    real_rules = real.get(f"alerts/{service.name}.rules.yaml")
    canon_tests = {
        rel.removeprefix("alerts/tests/"): body
        for rel, body in files.items()
        if rel.startswith("alerts/tests/")
    }
    real_tests = [
        real.get(f"alerts/tests/{service.name}{rel.removeprefix(copy.name)}")
        for rel in sorted(canon_tests)
    ]
    real_count = sum(rel.startswith("alerts/tests/") for rel in real)
    if real_rules is None or None in real_tests or real_count != len(canon_tests):
        return None
    separator = "\n\0\n"  # never in a YAML file: keeps the files apart in the comparison
    try:
        ok = shares_proof(
            canon_rules.decode(),
            separator.join(canon_tests[rel].decode() for rel in sorted(canon_tests)),
            real_rules.decode(),
            separator.join(t.decode() for t in real_tests if t is not None),
            mapping,
        )
    except UnicodeDecodeError:
        return None
    return Canonical(canon_rules, canon_tests, copy.name) if ok else None


class SharedProofs(Mapping[str, Canonical]):
    """Per service of ``catalog`` rendered into ``alerts_dir``: its canonical files, for the
    services that may share a proof; computed on first access (a service whose own files
    have a cached pass is never canonicalised)."""

    def __init__(self, catalog: Catalog, alerts_dir: Path) -> None:
        from obskit.catalog.clusters import paired_clusters

        self._services = {s.name: s for s in catalog.services}
        self._alerts_dir = alerts_dir
        self._clusters = paired_clusters(catalog)
        self._memo: dict[str, Mapping[str, bytes]] = {}
        self._done: dict[str, Canonical | None] = {}

    def __getitem__(self, name: str) -> Canonical:
        if name not in self._done:
            self._done[name] = self._canonical(name)
        found = self._done[name]
        if found is None:
            raise KeyError(name)
        return found

    def _canonical(self, name: str) -> Canonical | None:
        service = self._services.get(name)
        if service is None:
            return None
        real = {}
        for path in [
            self._alerts_dir / f"{name}.rules.yaml",
            *service_test_files(self._alerts_dir, name),
        ]:
            if path.is_file():
                real[f"alerts/{path.relative_to(self._alerts_dir).as_posix()}"] = path.read_bytes()
        return canonical(service, real, self._clusters, self._memo)

    def __iter__(self) -> Iterator[str]:
        return iter(self._services)

    def __len__(self) -> int:
        return len(self._services)
