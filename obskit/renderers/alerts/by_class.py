"""Alert files rendered once per class: services equal up to their names share one render.

Most services of a fleet differ from another only by their names (same preset, tier,
objectives, workload kind), and their rule and test files are the same text with the names
swapped. :func:`render_service_by_class` renders such a *class* once, with placeholder names
(:func:`placeholder_service`), and gives each service those files with the placeholders
replaced by its names. The result must be byte-identical to :func:`render_service` on the
service itself, so a service takes the shared files only when every step the renaming
skips provably gives the same bytes; otherwise (or with ``OBSKIT_SHARE_RENDER=0``) it is
rendered on its own:

1. every name is a DNS label short enough that no generated pod name is cut
   (:data:`~obskit.renderers.alerts.ksm.GENERATE_NAME_BASE`);
2. the placeholders appear in the files only as themselves or the service's CamelCase
   form (a name the code transformed otherwise would not be renamed back);
3. object UIDs (a hash of names) are those :func:`~obskit.renderers.alerts.ksm.uid` made,
   recomputed from the real names;
4. every YAML scalar holding a name is written in the same style once renamed (the writer
   quotes ``on``, ``null``, …), and renamed scalars stay distinct from each other and from
   every other scalar;
5. no real name is a word the files hold anyway (``monitoring``): code that compares a
   name with such a word would not be seen by the renaming;
6. only fields the alert files never read are left out of the class key (``description``,
   ``dependsOn``, ``logs``, ``traces``, ``metrics.scrape``: tested in
   ``tests/test_alerts_by_class.py``);
7. the service's own text holds no token of its class (:func:`_holds_tokens`), and each
   ``~regex`` selector value matches the placeholder iff it matches the real name (the
   tests' example label value is the name when it matches: :func:`_same_matches`).

The bytes are tested equal to a direct render on the example catalogs, the benchmark's
synthetic fleet and randomly drawn names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter, OrderedDict
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from obskit.catalog.model import ResolvedService
from obskit.render.block_yaml import literal_block, logging_scalars, scalar_text
from obskit.render.registry import Files

#: placeholder names: DNS labels sharing no text with the generated vocabulary; each holds a
#: dash, so code that rewrote dashes (``-`` -> ``_``) leaves a trace rule 2 finds
PLACEHOLDERS = ("zq-a-qz", "zq-b-qz", "zq-c-qz", "zq-d-qz")
_TRACE = re.compile(r"(?i)z_?q")
_DNS_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
#: a UUID's tail: found fast, then the 8 characters before it are looked at
_UUID_TAIL = re.compile(r"-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX8 = re.compile(r"[0-9a-f]{8}")
#: what every UID and UID prefix (12 characters) holds
_UID_LIKE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{3}")
#: a word, as rule 5 reads one: a name could be one (finer than any reading of the files)
_WORD = re.compile(r"[A-Za-z0-9-]+")
_NOT_WORD = {i: " " for i in range(128) if not re.fullmatch(r"[A-Za-z0-9-]", chr(i))}
#: classes kept per process (each ~0.5 MB: its files' text and facts)
MEMO_SIZE = 128


def _camel(name: str) -> str:
    from obskit.renderers.alerts.common import camel

    return camel(name)


def placeholder_service(
    service: ResolvedService, placeholders: tuple[str, ...] = PLACEHOLDERS
) -> tuple[ResolvedService, dict[str, str]]:
    """``service`` with its names as placeholders, and the placeholder -> real mapping
    (with the CamelCase service name).

    Equal real values share one placeholder (a service in a namespace of its own name keeps
    that equality); selector values equal to a renamed value are renamed too. Fields the
    alert files never read are blanked, so services differing only there share a class.
    """
    real = [service.name, service.namespace, service.team, service.workload_name]
    distinct = list(dict.fromkeys(real))
    fake = dict(zip(distinct, placeholders, strict=False))
    selector = {k: fake.get(v, v) for k, v in service.metrics.selector.items()}
    workload = service.workload
    if workload.name is not None:
        workload = workload.model_copy(update={"name": fake[workload.name]})
    copy = service.model_copy(
        update={
            "description": None,
            "depends_on": (),
            "name": fake[service.name],
            "namespace": fake[service.namespace],
            "team": fake[service.team],
            "workload": workload,
            "metrics": service.metrics.model_copy(update={"selector": selector, "scrape": None}),
        }
    )
    mapping = {p: v for v, p in fake.items()}
    mapping[_camel(fake[service.name])] = _camel(service.name)
    runbook = _runbook(service.runbook, fake, mapping)
    if runbook != service.runbook:
        copy = copy.model_copy(update={"runbook": runbook})
    return copy, mapping


def _swap(text: str, table: dict[str, str]) -> str:
    """Every key of ``table`` in ``text`` replaced by its value in one pass (leftmost,
    longest first), as :meth:`_Template.fill` renames."""
    pattern = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    return re.sub(pattern, lambda m: table[m.group()], text)


def _runbook(url: str | None, fake: dict[str, str], mapping: dict[str, str]) -> str | None:
    """``url`` (``https://runbooks.example.com/checkout``) with the service's names as
    placeholders, when filling them back in gives ``url`` again; else ``url`` itself."""
    if not url:
        return url
    templated = _swap(url, fake)
    return templated if _swap(templated, mapping) == url else url


class _Template:
    """A text with every token as a field: :meth:`fill` renames it in one pass, which equals
    replacing each token by its value at once (leftmost, longest token first)."""

    __slots__ = ("fields", "last", "literals")

    def __init__(self, text: str, pattern: re.Pattern[str], index: dict[str, int]) -> None:
        # ``pattern`` captures the tokens: split, the odd parts are tokens
        parts = pattern.split(text)
        #: the text before each field, and the text after the last one
        self.literals: tuple[str, ...] = tuple(parts[0:-1:2])
        self.last: str = parts[-1]
        #: each field's value index (an itemgetter: the values are gathered in C)
        self.fields = itemgetter(*[index[t] for t in parts[1::2]]) if len(parts) > 1 else None

    def fill(self, values: list[str]) -> str:
        if self.fields is None:
            return self.last
        got = self.fields(values)
        if len(self.literals) == 1:
            got = (got,)  # itemgetter of one index gives the item itself
        return "".join(chain.from_iterable(zip(self.literals, got, strict=True))) + self.last


@dataclass(frozen=True, slots=True)
class _Class:
    """One class's canonical files as templates, and what a renaming of them must keep."""

    #: what the templates' fields stand for: placeholders, CamelCase, UIDs, UID prefixes
    tokens: tuple[str, ...]
    #: ``(path, text)`` of each file
    files: tuple[tuple[_Template, _Template], ...]
    #: every scalar holding a token, NUL-joined (renamed, they must stay distinct)
    named: _Template
    named_count: int
    #: the one-line ones a renaming could make the writer quote (``on``, ``null``, ``1e3``:
    #: :data:`_NEVER_PLAIN_OTHER`) and the text the writer gave each, NUL-joined
    risky: tuple[_Template, _Template]
    #: the other one-line ones (checked only when a name is long enough to make one outgrow
    #: the writer's one-line limit), the longest one's length and most names in one
    safe: tuple[_Template, _Template]
    safe_longest: int
    safe_most_names: int
    #: every other scalar, and every word that holds no token
    fixed_scalars: frozenset[str]
    fixed_words: frozenset[str]
    #: ``(namespace, name, uid)`` of every UID the render made
    uids: tuple[tuple[str, str, str], ...]


#: a character no implicit YAML type (bool, int, float, null, timestamp, merge, value; YAML
#: 1.1 and 1.2: letters, digits, ``._+-:~<=``, blanks) holds: a scalar with one outside
#: its names never resolves to a non-string, whatever the names. The writer's other tests
#: (a leading indicator, ``: ``, `` #``, a trailing ``:``) cannot change either when a
#: ``[a-z0-9-]`` run that starts and ends alphanumeric replaces another: only length can
_NEVER_PLAIN_OTHER = re.compile(r"[^\sA-Za-z0-9._+\-:~<=]")
#: the writer's limit for the one-line scalars it decides itself
_SHORT = 1000

#: classes by key; None: the class is rendered service by service
_MEMO: OrderedDict[bytes, _Class | None] = OrderedDict()
#: this process's services filled from their class (``shared``) or rendered alone, and why
STATS: Counter[str] = Counter()


def _enabled() -> bool:
    return os.environ.get("OBSKIT_SHARE_RENDER", "1").strip() not in ("0", "false", "no")


def _name_ok(value: str) -> bool:
    from obskit.renderers.alerts.ksm import GENERATE_NAME_BASE
    from obskit.renderers.alerts.workload import HASH

    # the longest base a name goes into is ``<name>-<HASH>-`` (a Deployment's pods)
    return (
        len(value) + len(HASH) + 2 <= GENERATE_NAME_BASE
        and _DNS_LABEL.fullmatch(value) is not None
        and not any(p in value for p in PLACEHOLDERS)
    )


def _analyse(
    files: dict[str, str],
    keys: list[str],
    strings: set[str],
    uids: list[tuple[str, str, str]],
) -> _Class | None:
    canon_uids = list(dict.fromkeys(u for _, _, u in uids))
    prefixes = [u[:12] for u in canon_uids]
    if len(set(prefixes)) != len(prefixes):
        return None
    tokens = [*keys, *canon_uids, *prefixes]
    # rule 2: nothing placeholder-like is left once the known forms are taken out
    for text in [*files, *files.values()]:
        rest = text
        for key in keys:
            rest = rest.replace(key, "")
        if _TRACE.search(rest):
            return None
    # rule 3: the only UIDs in the files are the ones uid() made
    known = set(canon_uids)
    for text in files.values():
        for tail in _UUID_TAIL.finditer(text):
            start = tail.start() - 8
            hexed = start >= 0 and _HEX8.fullmatch(text, start, tail.start())
            if hexed and text[start : tail.end()] not in known:
                return None
    named, literal, fixed = [], [], set()
    for s in strings:
        if any(t in s for t in tokens):
            text = scalar_text(s)
            if text is not None:
                named.append((s, text))
            elif literal_block(s):
                literal.append(s)  # renamed inside, a literal block stays one (and unfolded)
            else:
                return None  # a long scalar PyYAML may fold: its breaks would move
        else:
            fixed.add(s)
    if any("\0" in s for s in strings):
        return None
    words: set[str] = set()
    for text in files.values():
        if text.isascii():
            words.update(text.translate(_NOT_WORD).split())
        else:
            words.update(_WORD.findall(text))
    risky, safe = [], []
    for s, text in sorted(named):
        rest = s
        for t in tokens:
            rest = rest.replace(t, "")
        (safe if _NEVER_PLAIN_OTHER.search(rest) else risky).append((s, text))
    alternatives = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    pattern = re.compile(f"({alternatives})")
    index = {t: i for i, t in enumerate(tokens)}

    def template(text: str) -> _Template:
        return _Template(text, pattern, index)

    def joined(pairs: list[tuple[str, str]]) -> tuple[_Template, _Template]:
        return template("\0".join(s for s, _ in pairs)), template("\0".join(t for _, t in pairs))

    everything = [s for s, _ in sorted(named)] + sorted(literal)
    return _Class(
        tokens=tuple(tokens),
        files=tuple((template(path), template(text)) for path, text in files.items()),
        named=template("\0".join(everything)),
        named_count=len(everything),
        risky=joined(risky),
        safe=joined(safe),
        safe_longest=max((len(s) for s, _ in safe), default=0),
        safe_most_names=max((sum(s.count(k) for k in keys) for s, _ in safe), default=0),
        fixed_scalars=frozenset(fixed),
        fixed_words=frozenset(w for w in words if not any(t in w for t in tokens)),
        uids=tuple(dict.fromkeys(uids)),
    )


def _render_class(
    copy: ResolvedService, clusters: tuple[str, ...], keys: list[str]
) -> _Class | None:
    from obskit.renderers.alerts import render_service
    from obskit.renderers.alerts.ksm import logging_uids

    with logging_scalars() as log, logging_uids() as uids:
        files = render_service(copy, clusters)
    if log.handed_over or log.written != len(files) or any(t in k for k in log.keys for t in keys):
        return None  # a file PyYAML wrote, or a key holding a name: scalars unseen
    texts = {path: body.decode() for path, body in files.items()}
    return _analyse(texts, keys, log.strings, list(uids))


#: what a service's text holds besides its names (renamed) and the fields the files never read
_LITERAL = {
    "name": True,
    "namespace": True,
    "team": True,
    "description": True,
    "depends_on": True,
    "logs": True,
    "traces": True,
    "workload": {"name"},
    "metrics": {"scrape"},
}


def _holds_tokens(service: ResolvedService, cls: _Class) -> bool:
    """Whether the service's own text (a selector, a query, an alert) holds one of the
    class's tokens (``zq-b-qz``, a UID): it would be renamed with the placeholders."""
    text = json.dumps(service.model_dump(mode="json", exclude=_LITERAL), ensure_ascii=False)
    if not (_TRACE.search(text) or _UID_LIKE.search(text)):
        return False  # no placeholder, CamelCase form, UID or UID prefix could be in it
    return any(t in text for t in cls.tokens)


def _values(cls: _Class, mapping: dict[str, str]) -> list[str] | None:
    """The real text of each of the class's tokens for this service, or None when the
    renaming could give other bytes than a render of the service itself."""
    from obskit.renderers.alerts.ksm import uid

    if any(v in cls.fixed_words for v in mapping.values()):
        return None  # rule 5
    names = sorted(mapping.items(), key=lambda kv: -len(kv[0]))
    real = dict(mapping)
    for namespace, name, made in cls.uids:
        for old, new in names:
            namespace, name = namespace.replace(old, new), name.replace(old, new)
        real[made] = uid(namespace, name)
        real[made[:12]] = real[made][:12]
    values = [real[t] for t in cls.tokens]
    images = cls.named.fill(values).split("\0")
    if len(set(images)) != cls.named_count or not cls.fixed_scalars.isdisjoint(images):
        return None  # rule 4: renamed scalars stay distinct
    growth = max(len(new) - len(old) for old, new in names)
    checked = [cls.risky]
    if cls.safe_longest + cls.safe_most_names * max(growth, 0) > _SHORT:
        checked.append(cls.safe)  # one could outgrow the writer's one-line limit
    for scalars, texts in checked:
        pairs = zip(scalars.fill(values).split("\0"), texts.fill(values).split("\0"), strict=True)
        if any(scalar_text(s) != text for s, text in pairs if s):
            return None  # rule 4: the writer would quote it differently
    return values


def _regexes(service: ResolvedService) -> list[str]:
    """The ``~regex`` selector values (the service's and its SLIs'): the tests' example
    label value for one is the service's name when the name matches it."""
    selectors = [service.metrics.selector]
    selectors += [s.sli.selector for s in service.slos if s.sli is not None]
    return [v[1:] for sel in selectors for v in sel.values() if v.startswith("~")]


def _same_matches(service: ResolvedService, placeholder: str) -> bool:
    """Whether every ``~regex`` selector value matches the placeholder exactly when it
    matches the real name (else the example values differ by more than the name)."""
    for regex in _regexes(service):
        try:
            compiled = re.compile(regex)
        except Exception:  # re.error, a recursion limit: no example either way, or alone
            return False
        if bool(compiled.fullmatch(service.name)) != bool(compiled.fullmatch(placeholder)):
            return False
    return True


def class_key(service: ResolvedService, clusters: tuple[str, ...] = ()) -> bytes | None:
    """The digest of the class ``service`` belongs to, or None when it renders alone."""
    if not _enabled():
        return None
    copy, mapping = placeholder_service(service)
    if not all(_name_ok(v) for p, v in mapping.items() if p in PLACEHOLDERS):
        return None
    if not _same_matches(service, copy.name):
        return None
    # field order is the model's, a mapping's that of the catalog: equal JSON, equal service
    key = copy.model_dump_json(exclude={"logs", "traces"})
    return hashlib.sha256(key.encode() + b"\0" + "\0".join(clusters).encode()).digest()


def _build(service: ResolvedService, clusters: tuple[str, ...]) -> _Class | None:
    copy, mapping = placeholder_service(service)
    return _render_class(copy, clusters, list(mapping))


class ClassSizes:
    """Each service's class key when its class has other members in the catalog: worked out
    on first use (a render whose units all come from the cache never needs it)."""

    def __init__(self, services: tuple[ResolvedService, ...], clusters: tuple[str, ...]):
        self._services = services
        self._clusters = clusters
        self._shared: dict[str, bytes] | None = None

    def key(self, service: ResolvedService) -> bytes | None:
        """The service's class key, or None when it renders alone (a class of one)."""
        if self._shared is None:
            keys = {s.name: class_key(s, self._clusters) for s in self._services}
            sizes = Counter(keys.values())
            self._shared = {n: k for n, k in keys.items() if k is not None and sizes[k] > 1}
        return self._shared.get(service.name)

    def shared(self, service: ResolvedService) -> bool:
        return self.key(service) is not None


def render_service_by_class(
    service: ResolvedService, clusters: tuple[str, ...] = (), key: bytes | None = None
) -> Files:
    """:func:`~obskit.renderers.alerts.render_service`'s bytes, from the service's class
    (``key``: its :func:`class_key`, when known)."""
    from obskit.renderers.alerts import render_service

    if key is None:
        key = class_key(service, clusters)
    if key is None:
        STATS["alone: names"] += 1
        return render_service(service, clusters)
    copy, mapping = placeholder_service(service)
    if key in _MEMO:
        _MEMO.move_to_end(key)
        cls = _MEMO[key]
    else:
        try:
            cls = _render_class(copy, clusters, list(mapping))
        except Exception:  # as in build_classes: the service renders alone (and meets it)
            cls = None
        _MEMO[key] = cls
        while len(_MEMO) > MEMO_SIZE:
            _MEMO.popitem(last=False)
    if cls is None:
        STATS["alone: class"] += 1
        return render_service(service, clusters)
    if _holds_tokens(service, cls):
        STATS["alone: literal"] += 1
        return render_service(service, clusters)
    values = _values(cls, mapping)
    if values is None:
        STATS["alone: renaming"] += 1
        return render_service(service, clusters)
    STATS["shared"] += 1
    return {path.fill(values): text.fill(values).encode() for path, text in cls.files}
