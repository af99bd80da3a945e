"""What the output layer remembers within one render never outlives what it checked.

A :class:`Root` checks each folder once per render (and remembers the first missing one);
these tests change the tree behind its back at each point where that memory must be
dropped: between two renders, after obskit removed a folder, after it created one, and at
the commit point.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest
from test_render_pipeline import catalog, fake_registry  # noqa: F401 (fixture, autouse)

from obskit.render.contain import Root, safe_relative
from obskit.render.errors import ContainmentError, OutputError
from obskit.render.journal import STAGING_DIR, Stage, commit, state_dir
from obskit.render.output import OutputTree
from obskit.render.pipeline import render


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def writing_root(out: Path) -> Root:
    root = Root(out)
    state_dir(root, create=True)
    return root


def test_a_folder_replaced_by_a_symlink_between_two_renders_is_refused(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    cat = catalog(tmp_path)
    render(cat, out)
    (out / "dashboards/overview").rename(elsewhere)
    (out / "dashboards/overview").symlink_to(elsewhere)
    before = files(elsewhere)
    for check in (False, True):  # the render cache would vouch for the file: still refused
        with pytest.raises(ContainmentError, match="dashboards/overview is a symlink"):
            render(cat, out, check=check)
    assert files(elsewhere) == before


def test_a_folder_obskit_pruned_and_something_else_created_is_checked_again(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    root = writing_root(out)
    root.make_parents("a/b/old.json")
    (out / "a/b/old.json").write_text("x")
    assert root.read("a/b/old.json") == b"x"  # a and a/b are now known real folders
    commit(root, [], ["a/b/old.json"], b"{}\n")  # pruned: a/b and a are empty, removed
    assert not (out / "a").exists()
    (elsewhere / "b").mkdir(parents=True)
    (elsewhere / "b/old.json").write_text("theirs")
    (out / "a").symlink_to(elsewhere)
    with pytest.raises(ContainmentError, match="a is a symlink"):
        root.read("a/b/old.json")
    with pytest.raises(ContainmentError, match="a is a symlink"):
        root.make_parents("a/b/new.json")
    assert files(elsewhere) == {"b/old.json": b"theirs"}


@pytest.mark.parametrize("other", [False, True], ids=["alone", "beside-another-stage"])
def test_a_staging_folder_obskit_removed_is_checked_again(tmp_path, other):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = writing_root(out)
    if other:  # .obskit/staging stays: only this process's folder is removed
        (out / STAGING_DIR / "1").mkdir(parents=True)
    stage = Stage(root)
    stage.add("dashboards/a.json", b"1")
    stage.discard()
    swapped = out / (STAGING_DIR if not other else stage.folder)
    assert not swapped.exists()
    swapped.symlink_to(elsewhere)
    with pytest.raises(ContainmentError, match=f"{swapped.relative_to(out)} is a symlink"):
        Stage(root).add("dashboards/b.json", b"2")
    assert list(elsewhere.iterdir()) == []


def test_a_folder_found_missing_then_created_by_someone_else_is_checked(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (elsewhere / "b").mkdir(parents=True)
    (elsewhere / "b/x.json").write_text("theirs")
    root = writing_root(out)
    assert root.read("a/b/x.json") is None  # a is missing: nothing below it is looked at
    (out / "a").symlink_to(elsewhere)
    with pytest.raises(ContainmentError, match="a is a symlink"):
        root.make_parents("a/b/x.json")
    assert files(elsewhere) == {"b/x.json": b"theirs"}


def test_a_missing_folder_obskit_created_is_seen(tmp_path):
    out = tmp_path / "out"
    root = writing_root(out)
    assert root.read("a/b/x.json") is None
    Path(root.make_parents("a/b/x.json")).write_text("mine")
    assert root.read("a/b/x.json") == b"mine"


def test_a_folder_swapped_for_a_symlink_before_the_commit_is_refused(tmp_path):
    """Folders verified while staging are checked again at the commit point."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "d").mkdir(parents=True)
    elsewhere.mkdir()
    root = writing_root(out)
    tree = OutputTree(root, check=False)
    tree.put("dashboards", "d/x.json", b"generated")  # d verified as a real folder
    (out / "d").rmdir()
    (out / "d").symlink_to(elsewhere)
    with pytest.raises(ContainmentError, match="d is a symlink"):
        tree.finish(("dashboards",))
    assert list(elsewhere.iterdir()) == []


def test_a_file_of_the_same_size_is_compared_byte_for_byte(tmp_path):
    out = tmp_path / "out"
    root = writing_root(out)
    Path(root.make_parents("d/x.json")).write_bytes(b"abc")
    assert root.matches("d/x.json", b"abc") is True
    assert root.matches("d/x.json", b"abd") is False
    assert root.matches("d/x.json", b"abcd") is False
    assert root.matches("d/y.json", b"abc") is None
    (out / "d/z.json").mkdir()
    with pytest.raises(ContainmentError, match=r"d/z\.json is a folder, not a file"):
        root.matches("d/z.json", b"abc")


@pytest.mark.parametrize(
    "path",
    [
        *("a/b.json", "a//b", "./a", "a/./b", "a/", "a/.", ".hidden/x", "a..b/c", "a/b/"),
        *("/a", "..", "a/../b", "", ".", "a\\b", "./", "//a"),
    ],
)
def test_safe_relative_is_pathlibs_normal_form(path):
    posix = PurePosixPath(path)
    if posix.is_absolute() or ".." in posix.parts or not posix.parts or "\\" in path:
        with pytest.raises(OutputError, match="unsafe path"):
            safe_relative(path)
    else:
        assert safe_relative(path) == posix.as_posix()


def test_staged_files_never_follow_a_symlink(tmp_path):
    out, victim = tmp_path / "out", tmp_path / "victim"
    victim.write_text("keep")
    root = writing_root(out)
    stage = Stage(root)
    stage.add("d/a.json", b"1")
    os.symlink(victim, root.abs(f"{stage.folder}/{os.getpid()}.1"))  # the next name
    with pytest.raises(FileExistsError):
        stage.add("d/b.json", b"2")
    assert victim.read_text() == "keep"
