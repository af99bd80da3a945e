"""Prove many services at once: few promtool processes, every core, cached passes.

``promtool test rules`` costs ~0.1-2 s per test group (it evaluates every rule at every
step), so a fleet is proven by (1) skipping services whose rule file, test file and promtool
version match a stored pass (:mod:`obskit.promtool_cache`), (2) batching several files per
promtool process (``check rules`` and ``test rules`` take many files) and (3) running the
batches on every core. When only a few services need proving, their test files are split
into pieces of whole test groups (groups are independent in promtool) so those few still use
every core; a piece that fails is proven again from the original file, whose output is shown.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from obskit.promtool import ServiceResult, find_promtool, service_test_files
from obskit.promtool_cache import PassCache, fingerprint, joined, promtool_version
from obskit.promtool_dedupe import Canonical

#: most files handed to one promtool process: test files cost seconds each, so small batches
#: keep the last wave short (one idle core at the end) and a failing batch's output readable
MAX_BATCH = 8
_RULES_FOUND = re.compile(r"SUCCESS: (\d+) rules found")


@dataclass
class _Service:
    name: str
    rules_path: Path
    test_paths: list[Path]
    fp: str
    tests: int
    check_ok: bool = True
    rules: int = 0
    test_ok: bool = True
    seconds: float = 0.0
    outputs: list[str] = field(default_factory=list)
    pieces: list[Path] = field(default_factory=list)
    #: the fingerprint of the canonical files this service shares a proof with
    class_fp: str | None = None
    #: services sharing this (canonical) service's proof
    members: int = 0


def split_tests(text: str, parts: int) -> list[str] | None:
    """``text`` (a generated test file) as up to ``parts`` files of whole test groups.

    None when it has fewer than two groups or an unexpected shape (``tests:`` last, its
    groups as ``- `` items at column 0); the caller then runs the file whole.
    """
    lines = text.splitlines(keepends=True)
    try:
        idx = next(i for i, line in enumerate(lines) if line.rstrip("\r\n") == "tests:")
    except StopIteration:
        return None
    body = lines[idx + 1 :]
    if not body or not body[0].startswith("- "):
        return None
    if any(not (ln.startswith(("- ", "  ")) or not ln.strip()) for ln in body):
        return None
    starts = [i for i, ln in enumerate(body) if ln.startswith("- ")]
    groups = [body[a:b] for a, b in zip(starts, [*starts[1:], len(body)], strict=True)]
    parts = min(parts, len(groups))
    if parts < 2:
        return None
    head = "".join(lines[: idx + 1])
    return [head + "".join("".join(g) for g in groups[i::parts]) for i in range(parts)]


def _run(args: list[str], cwd: Path) -> tuple[int, str, float]:
    start = time.monotonic()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    return proc.returncode, (proc.stdout + proc.stderr).strip(), time.monotonic() - start


def _blocks(output: str, marker: str) -> dict[str, str]:
    """promtool's per-file output blocks (``Checking <file>`` / ``Unit Testing:  <file>``)."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith(marker):
            current = blocks.setdefault(line[len(marker) :].strip(), [])
        if current is not None:
            current.append(line)
    return {k: "\n".join(v) for k, v in blocks.items()}


def _passed(block: str | None) -> bool:
    if block is None:
        return False
    lines = [ln.strip() for ln in block.splitlines()]
    return any(ln.startswith("SUCCESS") for ln in lines) and not any(
        ln.startswith("FAILED") for ln in lines
    )


def _batches(items: list, workers: int) -> list[list]:
    """``items`` in batches: at least ~3 per worker (balance), at most MAX_BATCH each."""
    if not items:
        return []
    count = max(math.ceil(len(items) / MAX_BATCH), min(len(items), workers * 3))
    return [items[i::count] for i in range(count)]


def _check(promtool: str, batch: list[_Service]) -> None:
    """``promtool check rules`` over a batch; a failing batch is re-run file by file."""
    rc, out, secs = _run(
        [promtool, "check", "rules", *(str(s.rules_path) for s in batch)], Path.cwd()
    )
    if rc != 0 and len(batch) > 1:
        for service in batch:
            _check(promtool, [service])
        return
    blocks = _blocks(out, "Checking ")
    for service in batch:
        block = blocks.get(str(service.rules_path), out if len(batch) == 1 else None)
        found = _RULES_FOUND.search(block or "")
        service.rules = int(found.group(1)) if found else 0
        service.check_ok = rc == 0 and found is not None
        service.seconds += secs / len(batch)
        if not service.check_ok:
            service.outputs.append(block or out)


def _test(promtool: str, batch: list[tuple[_Service, Path]]) -> list[tuple[_Service, Path, str]]:
    """``promtool test rules`` over a batch of pieces; returns the failed pieces."""
    rc, out, secs = _run([promtool, "test", "rules", *(str(p) for _, p in batch)], Path.cwd())
    blocks = _blocks(out, "Unit Testing:")
    failed = []
    for service, piece in batch:
        service.seconds += secs / len(batch)
        block = blocks.get(str(piece))
        if not (_passed(block) and (rc == 0 or block is not None)):
            failed.append((service, piece, block or out))
    return failed


def prove(
    alerts_dir: Path,
    names: list[str],
    *,
    promtool: str | None = None,
    jobs: int = 0,
    use_cache: bool = True,
    cache: PassCache | None = None,
    shared: Mapping[str, Canonical] | None = None,
) -> list[ServiceResult]:
    """``promtool check rules`` and ``test rules`` for each service of a rendered ``alerts/``.

    ``shared``: per service, its canonical files (:mod:`obskit.promtool_dedupe`); services
    with equal canonical files are proven once, by running promtool on the canonical files.
    """
    promtool = promtool or find_promtool()
    workers = jobs or os.cpu_count() or 1
    cache = cache or PassCache(enabled=use_cache)
    version = promtool_version(promtool)
    services: list[_Service] = []
    results: dict[str, ServiceResult] = {}
    for name in names:
        rules_path = (alerts_dir / f"{name}.rules.yaml").resolve()
        test_paths = [p.resolve() for p in service_test_files(alerts_dir, name)]
        rules = rules_path.read_bytes() if rules_path.is_file() else b""
        tests = joined([p.read_bytes() for p in test_paths])
        fp = fingerprint(version, rules, tests)
        hit = cache.get(fp)
        canon = shared.get(name) if shared is not None and hit is None else None
        class_fp = (
            fingerprint(version, canon.rules, joined(list(canon.tests.values())), shared=True)
            if canon
            else None
        )
        if hit is None and class_fp:
            hit = cache.get(class_fp)
        if hit is not None:
            results[name] = ServiceResult(
                name, hit["rules"], hit["tests"], True, True, 0.0, "", cached=True
            )
            continue
        count = len(re.findall(rb"^- name: ", tests or b"", flags=re.MULTILINE))
        service = _Service(name, rules_path, test_paths, fp, count)
        service.class_fp = class_fp
        services.append(service)
    with tempfile.TemporaryDirectory(prefix="obskit-prove-") as tmp:
        classes = _classes(services, shared or {}, Path(tmp))
        to_test = [s for s in services if s.class_fp is None] + list(classes.values())
        _run_all(promtool, services + list(classes.values()), to_test, Path(tmp), workers)
        alone = []
        for s in services:
            group = classes.get(s.class_fp or "")
            if group is None:
                continue
            if group.check_ok and group.test_ok:
                s.tests, s.seconds = group.tests, s.seconds + group.seconds / group.members
                cache.put_pass(group.fp, group.rules, group.tests)
            else:
                s.class_fp = None  # the shared proof failed: prove this one on its own
                alone.append(s)
        _run_all(promtool, [], alone, Path(tmp) / "alone", workers)
    for s in services:
        result = ServiceResult(
            s.name, s.rules, s.tests, s.check_ok, s.test_ok, s.seconds, "\n".join(s.outputs)
        )
        if result.ok:
            cache.put_pass(s.fp, s.rules, s.tests)
        results[s.name] = result
    return [results[n] for n in names]


def _classes(services: list[_Service], shared: Mapping[str, Canonical], tmp: Path) -> dict:
    """One service per class of ``services``: its canonical files written under ``tmp``."""
    classes: dict[str, _Service] = {}
    for s in services:
        if s.class_fp is None:
            continue
        group = classes.get(s.class_fp)
        if group is None:
            canon = shared[s.name]
            folder = tmp / "shared" / s.class_fp[:20]
            (folder / "tests").mkdir(parents=True)
            rules_path = folder / f"{canon.name}.rules.yaml"
            rules_path.write_bytes(canon.rules)
            test_paths = []
            for rel, body in sorted(canon.tests.items()):
                test_paths.append(folder / "tests" / rel)
                test_paths[-1].write_bytes(body)
            count = sum(
                len(re.findall(rb"^- name: ", body, flags=re.MULTILINE))
                for body in canon.tests.values()
            )
            group = classes[s.class_fp] = _Service(
                f"shared:{s.name}", rules_path, test_paths, s.class_fp, count
            )
        group.members += 1
    return classes


def _run_all(
    promtool: str, check: list[_Service], test: list[_Service], tmp: Path, workers: int
) -> None:
    """``check rules`` over ``check``, then ``test rules`` over ``test``, on every core."""
    if not check and not test:
        return
    tmp.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda b: _check(promtool, b), _batches(check, workers)))
        pieces = _pieces(test, tmp, workers)
        failed = [
            f
            for fs in pool.map(lambda b: _test(promtool, b), _batches(pieces, workers))
            for f in fs
        ]
        _settle(promtool, failed, pool)


def _pieces(services: list[_Service], tmp: Path, workers: int) -> list[tuple[_Service, Path]]:
    """The test files to run: whole files, or pieces when few services need proving."""
    files = [(s, p) for s in services for p in s.test_paths]
    parts = math.ceil(workers * 2 / len(files)) if files else 1
    pieces: list[tuple[_Service, Path]] = []
    for service, test_path in files:
        split = split_tests(test_path.read_text(), parts) if parts > 1 else None
        if split is None:
            pieces.append((service, test_path.resolve()))
            continue
        # the pieces sit in a mirror of alerts/ so `../<service>.rules.yaml` still resolves
        alerts_dir = test_path.parent.parent
        mirror = tmp / "mirror" / hashlib.sha256(str(alerts_dir).encode()).hexdigest()[:16]
        (mirror / "tests").mkdir(parents=True, exist_ok=True)
        for entry in alerts_dir.iterdir():
            link = mirror / entry.name
            if entry.is_file() and not link.exists():
                link.symlink_to(entry.resolve())
        for i, text in enumerate(split):
            path = mirror / "tests" / f"{test_path.name.removesuffix('.test.yaml')}.{i}.test.yaml"
            path.write_text(text)
            service.pieces.append(path)
            pieces.append((service, path))
    return pieces


def _settle(
    promtool: str, failed: list[tuple[_Service, Path, str]], pool: ThreadPoolExecutor
) -> None:
    """Mark failed services; a split one is proven again from its original file."""
    again: dict[str, _Service] = {}
    for service, _piece, output in failed:
        if service.pieces:
            again[service.name] = service
        else:
            service.test_ok = False
            service.outputs.append(output)

    def whole(service: _Service) -> None:
        rc, out, secs = _run(
            [promtool, "test", "rules", *(p.name for p in service.test_paths)],
            service.test_paths[0].parent,
        )
        service.seconds += secs
        if rc != 0:
            service.test_ok = False
            service.outputs.append(out)

    list(pool.map(whole, [again[k] for k in sorted(again)]))
