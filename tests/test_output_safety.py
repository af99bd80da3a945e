"""Output-tree safety (issue 12): containment, the folder lock, crash-safe commits, leftovers.

Real ``python -m obskit`` subprocesses with the real renderers; a wrapper (``run_obskit``)
can SIGKILL the process at its N-th file operation below the output folder, or slow it down,
without any hook in obskit itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CATALOG = """\
apiVersion: obskit/v1
kind: ServiceCatalog
metadata: {name: shop}
teams: [{name: a}]
services:
  - {name: api, team: a, metrics: {preset: prometheus-http}, slos: [{name: availability, objective: 99.9}]}
  - {name: web, team: a, metrics: {preset: prometheus-http}}
"""
SMALLER = CATALOG.replace("  - {name: web, team: a, metrics: {preset: prometheus-http}}\n", "")
OTHER = CATALOG.replace("name: shop", "name: mall").replace("name: web", "name: shopfront")

#: runs the obskit CLI; OBSKIT_T_KILL="op:N" SIGKILLs at the N-th os.<op> call below OBSKIT_T_OUT,
#: OBSKIT_T_SLOW sleeps that many seconds at each such os.open call
WRAPPER = textwrap.dedent(
    """
    import os, signal, sys, time
    out = os.path.realpath(os.environ["OBSKIT_T_OUT"])
    kill = os.environ.get("OBSKIT_T_KILL", "")
    slow = float(os.environ.get("OBSKIT_T_SLOW", "0"))
    op, _, limit = kill.partition(":")
    count = [0]
    def wrap(name):
        real = getattr(os, name)
        def call(path, *args, **kwargs):
            p = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else ""
            if p.startswith(out):
                if name == op:
                    count[0] += 1
                    if count[0] > int(limit):
                        os.kill(os.getpid(), signal.SIGKILL)
                if slow and name == "open":
                    time.sleep(slow)
            return real(path, *args, **kwargs)
        setattr(os, name, call)
    wrap("open"); wrap("replace")
    from obskit.cli import main
    sys.argv = ["obskit", *sys.argv[1:]]
    main()
    """
)


def run_obskit(*args: str, out: Path, env: dict[str, str] | None = None, **kw):
    full = {**os.environ, "OBSKIT_T_OUT": str(out), **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", WRAPPER, *args], capture_output=True, text=True, env=full, **kw
    )


def write_catalog(tmp_path: Path, text: str = CATALOG, name: str = "catalog.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` except the lock file (symlinks as their target text)."""
    files = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_symlink():
            files[rel] = b"-> " + os.fsencode(os.readlink(p))
        elif p.is_file() and rel != ".obskit/lock":
            files[rel] = p.read_bytes()
    return files


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OBSKIT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def reference(tmp_path) -> dict[str, bytes]:
    out = tmp_path / "reference"
    proc = run_obskit("render", str(write_catalog(tmp_path)), "-o", str(out), "-q", out=out)
    assert proc.returncode == 0, proc.stderr
    return tree(out)


# -- containment ---------------------------------------------------------------------------


def test_symlinked_output_folder_is_refused_nothing_written_outside(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine\n")
    out.mkdir()
    (out / "dashboards").symlink_to(elsewhere)
    proc = run_obskit("render", str(write_catalog(tmp_path)), "-o", str(out), out=out)
    assert proc.returncode == 2
    assert "dashboards is a symlink" in proc.stderr and "Traceback" not in proc.stderr
    assert tree(elsewhere) == {"keep.txt": b"mine\n"}
    assert not (out / ".obskit/manifest.json").exists(), "nothing committed"


def test_symlinked_state_folder_is_refused(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / ".obskit").symlink_to(elsewhere)
    for extra in ([], ["--check"]):
        proc = run_obskit("render", str(write_catalog(tmp_path)), "-o", str(out), *extra, out=out)
        assert proc.returncode == 2, proc.stderr
        assert ".obskit is a symlink" in proc.stderr
    assert list(elsewhere.iterdir()) == []


def test_check_never_prints_a_symlink_target(tmp_path):
    out = tmp_path / "out"
    cat = write_catalog(tmp_path)
    assert run_obskit("render", str(cat), "-o", str(out), out=out).returncode == 0
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2-password\n")
    victim = next((out / "dashboards").glob("*.json"))
    victim.unlink()
    victim.symlink_to(secret)
    proc = run_obskit("render", str(cat), "-o", str(out), "--check", out=out)
    assert proc.returncode == 2
    assert "hunter2" not in proc.stdout + proc.stderr
    assert f"{victim.name} is a symlink" in proc.stderr


def test_prune_never_follows_a_symlinked_folder(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    cat = write_catalog(tmp_path)
    assert run_obskit("render", str(cat), "-o", str(out), out=out).returncode == 0
    (out / "dashboards").rename(elsewhere)
    (out / "dashboards").symlink_to(elsewhere)
    before = tree(elsewhere)
    proc = run_obskit("render", str(write_catalog(tmp_path, SMALLER)), "-o", str(out), out=out)
    assert proc.returncode == 2 and "dashboards is a symlink" in proc.stderr
    assert tree(elsewhere) == before, "nothing pruned or written through the symlink"


def test_hand_written_file_is_refused_on_every_render(tmp_path, reference):
    out = tmp_path / "out"
    cat = write_catalog(tmp_path)
    hand = out / "dashboards/api.json"
    assert "dashboards/api.json" in reference
    hand.parent.mkdir(parents=True)
    hand.write_text("mine\n")
    for _ in range(2):
        proc = run_obskit("render", str(cat), "-o", str(out), out=out)
        assert proc.returncode == 2 and "dashboards/api.json: exists" in proc.stderr
        assert hand.read_text() == "mine\n"
        assert tree(out) == {"dashboards/api.json": b"mine\n"}, "a refused render writes nothing"


# -- lock and concurrency ------------------------------------------------------------------


def hold_lock(out: Path) -> subprocess.Popen:
    code = (
        "import fcntl, os, sys, time\n"
        f"p = {str(out / '.obskit')!r}; os.makedirs(p, exist_ok=True)\n"
        "fd = os.open(p + '/lock', os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_held_lock_is_exit_3_and_nothing_written(tmp_path):
    out = tmp_path / "out"
    holder = hold_lock(out)
    try:
        for extra in ([], ["--check"]):
            proc = run_obskit(
                "render", str(write_catalog(tmp_path)), "-o", str(out), *extra, out=out
            )
            assert proc.returncode == 3, proc.stderr
            assert "being rendered by another obskit process" in proc.stderr
        assert tree(out) == {}
    finally:
        holder.kill()
        holder.wait()


def test_two_renders_of_different_catalogs_never_mix(tmp_path):
    refs = {}
    for name, text in (("a.yaml", CATALOG), ("b.yaml", OTHER)):
        ref = tmp_path / f"ref-{name}"
        cat = write_catalog(tmp_path, text, name)
        assert run_obskit("render", str(cat), "-o", str(ref), out=ref).returncode == 0
        refs[name] = tree(ref)
    for round_ in range(3):
        out = tmp_path / f"out{round_}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", WRAPPER, "render", str(tmp_path / n), "-o", str(out)],
                env={**os.environ, "OBSKIT_T_OUT": str(out), "OBSKIT_T_SLOW": "0.01"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in refs
        ]
        codes = sorted(p.wait() for p in procs)
        assert codes in ([0, 0], [0, 3]), [p.stderr.read() for p in procs]
        assert tree(out) in list(refs.values()), "the tree is one catalog's render, not a mix"


# -- crash safety ----------------------------------------------------------------------------


@pytest.mark.parametrize("kill", ["open:4", "open:12", "replace:0", "replace:2", "replace:6"])
def test_kill_9_mid_render_then_next_render_is_clean(tmp_path, kill):
    """Killed while rendering two services, then one is removed: no orphan, no leftover."""
    out, ref = tmp_path / "out", tmp_path / "ref"
    smaller = write_catalog(tmp_path, SMALLER, "smaller.yaml")
    assert run_obskit("render", str(smaller), "-o", str(ref), out=ref).returncode == 0
    cat = write_catalog(tmp_path)
    proc = run_obskit("render", str(cat), "-o", str(out), out=out, env={"OBSKIT_T_KILL": kill})
    assert proc.returncode == -9, f"the render was not killed at {kill}: {proc.stderr}"
    proc = run_obskit("render", str(smaller), "-o", str(out), out=out)
    assert proc.returncode == 0, proc.stderr
    assert "refused" not in proc.stderr
    assert tree(out) == tree(ref), "no orphan, no temp file, nothing missing"
    manifest = json.loads((out / ".obskit/manifest.json").read_text())
    listed = {p for paths in manifest["generated"].values() for p in paths}
    assert listed == set(tree(ref)) - {".obskit/manifest.json"}


def test_kill_9_between_journal_and_manifest_check_reports_it(tmp_path):
    out = tmp_path / "out"
    cat = write_catalog(tmp_path)
    run_obskit("render", str(cat), "-o", str(out), out=out, env={"OBSKIT_T_KILL": "replace:1"})
    assert (out / ".obskit/journal.json").is_file()
    before = tree(out)
    proc = run_obskit("render", str(cat), "-o", str(out), "--check", out=out)
    assert proc.returncode == 1 and "interrupted render" in proc.stderr
    assert tree(out) == before, "--check finishes nothing"


def test_temp_leftovers_are_removed_other_files_kept(tmp_path, reference):
    out = tmp_path / "out"
    cat = write_catalog(tmp_path)
    assert run_obskit("render", str(cat), "-o", str(out), out=out).returncode == 0
    leftovers = [
        out / "dashboards/.api.json.k2x9_ab1.tmp",  # obskit before the journal
        out / "dashboards/.web.json.abcdefgh.obskit-tmp",
        out / ".obskit/.manifest.json.zz81q0aa.obskit-tmp",
        out / ".obskit/staging/12345/0",
    ]
    kept = [out / "dashboards/.notes.abcdefgh.tmp", out / "dashboards/.api.json.swp"]
    for path in leftovers + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    proc = run_obskit("render", str(cat), "-o", str(out), out=out)
    assert proc.returncode == 0, proc.stderr
    assert [p for p in leftovers if p.exists()] == []
    assert all(p.read_text() == "x" for p in kept)
    assert tree(out) == {**reference, **{p.relative_to(out).as_posix(): b"x" for p in kept}}


def test_cache_never_vouches_for_a_symlinked_file(tmp_path):
    """A symlink to a copy of the generated bytes matches the cache's hash: still refused."""
    out = tmp_path / "out"
    cat = write_catalog(tmp_path)
    assert run_obskit("render", str(cat), "-o", str(out), out=out).returncode == 0
    victim = out / "dashboards/api.json"
    copy = tmp_path / "copy.json"
    copy.write_bytes(victim.read_bytes())
    victim.unlink()
    victim.symlink_to(copy)
    proc = run_obskit("render", str(cat), "-o", str(out), out=out)
    assert proc.returncode == 2 and "api.json is a symlink" in proc.stderr


def test_a_tampered_journal_cannot_write_outside(tmp_path):
    out = tmp_path / "out"
    cat = write_catalog(tmp_path)
    assert run_obskit("render", str(cat), "-o", str(out), out=out).returncode == 0
    journal = {"manifest": "{}", "removes": [], "writes": [["../evil", ".obskit/staging/1/0"]]}
    (out / ".obskit/journal.json").write_text(json.dumps(journal))
    proc = run_obskit("render", str(cat), "-o", str(out), out=out)
    assert proc.returncode == 2 and "not an obskit journal" in proc.stderr
    assert not (tmp_path / "evil").exists()
