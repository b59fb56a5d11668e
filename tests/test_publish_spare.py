"""Double-buffered publishing: the previous tree is kept as the spare and brought up to date in place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.builder import tree
from generator.builder.cache import BuildCache
from generator.builder.publish import publish
from generator.builder.tree import STATE_DIR, OutputClashError, spare_folder, swap_in_tree
from tests.test_write_atomic import build, kill_build_at, leftovers, reference_tree, snapshot, write_incidents


def site(version: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """A small site-shaped tree: pages in nested folders, like ``incidents/<id>/index.html``."""
    files = {"index.html": b"<h1>home</h1>", "a.md": b"# a", "api/v2/summary.json": b"{}"}
    for number in range(6):
        files[f"incidents/i{number}/index.html"] = f"<p>incident {number}</p>".encode()
    return {**files, **(version or {})}


def publish_files(root: Path, files: dict[str, bytes], *, save: bool = True) -> bool:
    """Publish ``files`` into ``root/out`` the way a build does: through a real, saved cache."""
    cache = BuildCache(root / "cache", root / "out")
    digests = {name: cache.put_output(f"key:{name}", data) for name, data in files.items()}
    try:
        return publish(root / "out", digests, cache, state_dir=root / "state")
    finally:
        if save:
            cache.save()
        cache.close()


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def expected(files: dict[str, bytes], **user: bytes) -> dict[str, bytes]:
    """What a fresh publish of ``files`` writes (no build state: the manifest is private), plus the user's files."""
    return {**files, **user}


def spare_of(out: Path) -> Path:
    """The spare of ``out`` when the state folder is ``state`` beside it (as ``publish_files`` has it)."""
    return spare_folder(out, out.parent / "state")


def inodes(folder: Path) -> tuple[set[int], dict[str, int]]:
    """(inodes of every folder, inode of every file by name) under ``folder``."""
    folders, files = {folder.stat().st_ino}, {}
    for directory, subdirs, names in os.walk(folder):
        folders.update(os.lstat(os.path.join(directory, d)).st_ino for d in subdirs)
        for name in names:
            path = os.path.join(directory, name)
            files[os.path.relpath(path, folder)] = os.lstat(path).st_ino
    return folders, files


# --- Steady state -------------------------------------------------------------------

def test_the_previous_tree_becomes_the_spare_and_the_next_publish_creates_no_folder(tmp_path: Path) -> None:
    out, spare = tmp_path / "out", spare_of(tmp_path / "out")
    v1 = site()
    v2 = site({"index.html": b"<h1>home 2</h1>", "incidents/i1/index.html": b"<p>changed 1</p>"})
    v3 = site({"index.html": b"<h1>home 3</h1>", "incidents/i1/index.html": b"<p>changed 1</p>"})
    publish_files(tmp_path, v1)
    assert not spare.exists()  # first build: nothing to keep
    folders_1, files_1 = inodes(out)
    publish_files(tmp_path, v2)
    assert contents(spare) == expected(v1) and contents(out) == expected(v2)
    _, files_2 = inodes(out)
    publish_files(tmp_path, v3)
    assert contents(out) == expected(v3) and contents(spare) == expected(v2)
    folders_3, files_3 = inodes(out)
    assert folders_3 <= folders_1, "the spare's folders were reused, none created"
    for name in ["a.md", "api/v2/summary.json", "incidents/i0/index.html", "incidents/i5/index.html"]:
        assert files_3[name] == files_1[name]  # unchanged since v1: the spare's own file, kept
    assert files_3["incidents/i1/index.html"] == files_2["incidents/i1/index.html"]  # same as v2: linked from the output
    assert files_3["index.html"] not in {files_1["index.html"], files_2["index.html"]}  # changed: a new inode


def test_a_fourth_publish_swaps_back_again_and_a_no_op_touches_nothing(tmp_path: Path) -> None:
    versions = [site({"index.html": f"<h1>home {n}</h1>".encode()}) for n in range(4)]
    for files in versions:
        assert publish_files(tmp_path, files)
        assert contents(tmp_path / "out") == expected(files)
    assert contents(spare_of(tmp_path / "out")) == expected(versions[2])
    before = inodes(tmp_path / "out"), inodes(spare_of(tmp_path / "out"))
    assert not publish_files(tmp_path, versions[3])  # already current
    assert (inodes(tmp_path / "out"), inodes(spare_of(tmp_path / "out"))) == before


def test_names_that_become_folders_and_folders_that_become_names(tmp_path: Path) -> None:
    v1 = {"a": b"file a", "b/c/d.html": b"deep", "e/f.md": b"f"}
    v2 = {"a/x.html": b"a is a folder now", "b/c": b"c is a file now", "e/f.md": b"f"}
    v3 = {"a": b"file again", "b/c/d.html": b"deep again"}
    for files in (v1, v2, v3, v2, v1):
        publish_files(tmp_path, files)
        assert contents(tmp_path / "out") == expected(files)


# --- A spare that someone touched ---------------------------------------------------------

def tamper(spare: Path, how: str, outside: Path) -> None:
    target = spare / "incidents" / "i3" / "index.html"
    if how == "edited in place":
        with open(target, "r+b") as stream:
            stream.write(b"<p>evil</p>")
    elif how == "replaced":
        (spare / "new").write_bytes(target.read_bytes() + b"<script>evil</script>")
        os.replace(spare / "new", target)
    elif how == "deleted":
        target.unlink()
    elif how == "stray files":
        (spare / "stray.html").write_bytes(b"not published")
        (spare / "incidents" / "i9").mkdir()
        (spare / "incidents" / "i9" / "index.html").write_bytes(b"not published")
        (spare / ".postmortem-new-1-1").write_bytes(b"left by a killed build")
    elif how == "symlinks":
        (spare / "link.html").symlink_to(outside / "secret.txt")
        (spare / "incidents" / "i3").rename(spare / "moved")
        (spare / "incidents" / "i3").symlink_to(outside, target_is_directory=True)
    elif how == "folder is a file":
        (spare / "incidents" / "i4" / "index.html").unlink()
        (spare / "incidents" / "i4").rmdir()
        (spare / "incidents" / "i4").write_bytes(b"in the way")
    elif how == "spare is a symlink":
        os.rename(spare, outside / "old-spare")
        spare.symlink_to(outside / "old-spare", target_is_directory=True)
    elif how == "spare is a file":
        os.rename(spare, outside / "old-spare")
        spare.write_bytes(b"in the way")


@pytest.mark.parametrize("how", ["edited in place", "replaced", "deleted", "stray files", "symlinks", "folder is a file",
                                 "spare is a symlink", "spare is a file"])
def test_a_tampered_spare_is_repaired_not_trusted(tmp_path: Path, how: str) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    v2 = site({"index.html": b"<h1>home 2</h1>"})
    v3 = site({"index.html": b"<h1>home 3</h1>"})
    publish_files(tmp_path, site())
    publish_files(tmp_path, v2)
    tamper(spare_of(tmp_path / "out"), how, outside)
    before_outside = contents(outside)
    publish_files(tmp_path, v3)
    assert contents(tmp_path / "out") == expected(v3)
    spare = contents(spare_of(tmp_path / "out"))
    if how == "edited in place":  # the spare shared that inode with the output, which was edited too
        assert spare.pop("incidents/i3/index.html").startswith(b"<p>evil</p>")
        spare["incidents/i3/index.html"] = v2["incidents/i3/index.html"]
    assert spare == expected(v2) and not spare_of(tmp_path / "out").is_symlink()
    assert {p.name for p in tmp_path.iterdir()} == {"cache", "out", "state", "outside", ".postmortem-state"}  # no spare or lock beside "out"
    assert contents(outside) == before_outside  # nothing written or deleted through a symlink


def test_an_output_file_edited_in_place_is_not_linked_into_the_spare(tmp_path: Path) -> None:
    v1 = site()
    v2 = site({"incidents/i2/index.html": b"<p>two</p>"})
    publish_files(tmp_path, v1)
    publish_files(tmp_path, v2)
    with open(tmp_path / "out" / "incidents" / "i2" / "index.html", "r+b") as stream:
        stream.write(b"<p>TWO</p>")  # same size; the spare's copy is the old version, so the output's is needed
    v3 = site({"incidents/i2/index.html": b"<p>two</p>", "index.html": b"<h1>three</h1>"})
    publish_files(tmp_path, v3)
    assert contents(tmp_path / "out") == expected(v3)


# --- The user's files -------------------------------------------------------------------

def test_user_files_are_carried_while_they_exist_and_never_replace_tool_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    versions = [site({"index.html": f"<h1>home {n}</h1>".encode()}) for n in range(8)]
    publish_files(tmp_path, versions[0])
    (out / "notes.txt").write_bytes(b"mine")
    (out / "incidents" / "i0" / "extra.txt").write_bytes(b"mine too")
    (out / "mine").mkdir()
    (out / "mine" / "deep.txt").write_bytes(b"deep")
    user = {"notes.txt": b"mine", "incidents/i0/extra.txt": b"mine too", "mine/deep.txt": b"deep"}
    publish_files(tmp_path, versions[1])
    assert contents(out) == expected(versions[1], **user)
    publish_files(tmp_path, versions[2])  # the spare path
    assert contents(out) == expected(versions[2], **user)
    assert (out / "notes.txt").stat().st_ino == (spare_of(out) / "notes.txt").stat().st_ino  # linked, not copied

    (out / "notes.txt").unlink()
    (out / "mine" / "deep.txt").unlink()
    (out / "mine").rmdir()
    (out / "later.txt").write_bytes(b"added later")
    (tmp_path / "replacement").write_bytes(b"mine, edited")
    os.replace(tmp_path / "replacement", out / "incidents" / "i0" / "extra.txt")  # an editor's atomic save
    user = {"incidents/i0/extra.txt": b"mine, edited", "later.txt": b"added later"}
    for files in versions[3:5]:
        publish_files(tmp_path, files)
        assert contents(out) == expected(files, **user)
        assert not (out / "mine").exists()

    with_tool_notes = {**versions[5], "later.txt": b"the tool's own"}
    with pytest.raises(OutputClashError, match=r"later\.txt"):  # a user's file is never replaced by an output
        publish_files(tmp_path, with_tool_notes)
    assert contents(out) == expected(versions[4], **user)
    (out / "later.txt").unlink()
    publish_files(tmp_path, with_tool_notes)
    assert contents(out) == expected(with_tool_notes, **{"incidents/i0/extra.txt": b"mine, edited"})
    for files in versions[6:8]:  # the tool stops writing it: it was the tool's, so it goes
        publish_files(tmp_path, files)
        assert contents(out) == expected(files, **{"incidents/i0/extra.txt": b"mine, edited"})


@pytest.mark.parametrize("spare", [False, True])
@pytest.mark.parametrize("clash", ["x", "y", "y/z", "a.md/w"])
def test_a_user_entry_in_the_way_of_an_output_is_an_error_and_nothing_changes(tmp_path: Path, spare: bool, clash: str) -> None:
    publish_files(tmp_path, {"a.md": b"a"})
    if spare:
        publish_files(tmp_path, {"a.md": b"b"})
    (tmp_path / "out" / "x").write_bytes(b"mine")
    (tmp_path / "out" / "y").mkdir()
    (tmp_path / "out" / "y" / "z").write_bytes(b"mine")
    before = contents(tmp_path / "out")
    files = {"a.md": b"a", {"x": "x/index.html", "y": "y", "y/z": "y/z", "a.md/w": "a.md/w"}[clash]: b"tool"}
    if clash == "a.md/w":
        files = {"a.md/w": b"tool"}  # the tool's old file becomes a folder: that is not the user's, so it is fine
        publish_files(tmp_path, files)
        assert contents(tmp_path / "out") == expected(files, x=b"mine", **{"y/z": b"mine"})
        return
    with pytest.raises(OutputClashError, match="refusing to replace what no build wrote"):
        publish_files(tmp_path, files)
    assert contents(tmp_path / "out") == before


# --- Interruptions ------------------------------------------------------------------------

class Killed(BaseException):
    """Stands in for SIGKILL inside the process: nothing catches it, and the cache is not saved."""


@pytest.mark.parametrize("saved", [False, True], ids=["killed", "failed"])  # a failed build still saves its cache
@pytest.mark.parametrize("step", ["staging", "staged", "swapped"])
def test_an_interrupted_spare_update_is_never_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, saved: bool) -> None:
    v1 = site({"incidents/i2/index.html": b"<p>one</p>", "a.md": b"one"})
    v2 = site({"incidents/i2/index.html": b"<p>two</p>", "a.md": b"two"})
    v3a = site({"incidents/i2/index.html": b"<p>three</p>", "a.md": b"three"})
    v3b = site({"incidents/i2/index.html": b"<p>one</p>", "a.md": b"one"})  # what the spare's records say it holds
    publish_files(tmp_path, v1)
    publish_files(tmp_path, v2)
    folders = inodes(tmp_path / "out")[0] | inodes(spare_of(tmp_path / "out"))[0]

    def pause(name: str) -> None:
        if name == step:
            raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(tree, "_test_pause", pause)
        with pytest.raises(Killed):
            publish_files(tmp_path, v3a, save=saved)
    assert contents(tmp_path / "out") == expected(v3a if step == "swapped" else v2)
    publish_files(tmp_path, v3b)
    assert contents(tmp_path / "out") == expected(v3b) and leftovers(tmp_path) == []
    assert inodes(tmp_path / "out")[0] <= folders  # the recorded states were kept: the spare was repaired, not replaced
    publish_files(tmp_path, v2)
    assert contents(tmp_path / "out") == expected(v2) and contents(spare_of(tmp_path / "out")) == expected(v3b)


def test_without_renameat2_the_spare_is_swapped_by_two_renames(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tree, "_exchange", lambda a, b: False)
    versions = [site({"index.html": f"<h1>home {n}</h1>".encode()}) for n in range(4)]
    for number, files in enumerate(versions):
        publish_files(tmp_path, files)
        assert contents(tmp_path / "out") == expected(files)
        if number:
            assert contents(spare_of(tmp_path / "out")) == expected(versions[number - 1])
        assert leftovers(tmp_path) == []


def test_an_unknown_spare_is_replaced_by_the_previous_tree(tmp_path: Path) -> None:
    swap_in_tree(tmp_path / "out", {"a.md": b"1"}, state_dir=tmp_path / "state")
    swap_in_tree(tmp_path / "out", {"a.md": b"2"}, state_dir=tmp_path / "state")
    (spare_of(tmp_path / "out") / "stray.txt").write_bytes(b"x")
    swap_in_tree(tmp_path / "out", {"a.md": b"3"}, state_dir=tmp_path / "state")  # no recorded state: a fresh tree is staged
    assert contents(tmp_path / "out") == expected({"a.md": b"3"})
    assert contents(spare_of(tmp_path / "out")) == expected({"a.md": b"2"})
    assert leftovers(tmp_path) == []


# --- Through the real command -------------------------------------------------------------

def test_a_spare_based_build_is_byte_identical_to_a_fresh_one(tmp_path: Path) -> None:
    project = tmp_path / "project"
    for title in ("First", "Second", "Third", "Fourth"):
        write_incidents(project, 4, title)
        assert build(project).returncode == 0
    (project / "incidents" / "incident-002.yaml").unlink()
    assert build(project).returncode == 0
    assert spare_folder(project / "output", project / STATE_DIR).is_dir()
    fresh = tmp_path / "fresh"
    write_incidents(fresh, 4, "Fourth")
    (fresh / "incidents" / "incident-002.yaml").unlink()
    assert build(fresh).returncode == 0
    assert contents(project / "output") == contents(fresh / "output")


@pytest.mark.parametrize("step", ["staging", "staged", "swapped"])
def test_sigkill_while_the_spare_is_updated(tmp_path: Path, step: str) -> None:
    project = tmp_path / "project"
    write_incidents(project, 3, "First")
    assert build(project).returncode == 0
    (project / "output" / "notes-by-user.txt").write_text("keep me")
    write_incidents(project, 3, "Second")
    assert build(project).returncode == 0  # the first tree is now the spare
    old = snapshot(project / "output")
    write_incidents(project, 3, "Changed")
    new = reference_tree(project, tmp_path, 3, "Changed")
    kill_build_at(project, step)
    assert snapshot(project / "output") == (new if step == "swapped" else old)
    assert leftovers(project) == []  # the spare was updated in place: no staging folder
    assert build(project).returncode == 0
    assert snapshot(project / "output") == new and leftovers(project) == []
    write_incidents(project, 3, "Second")
    assert build(project).returncode == 0
    assert snapshot(project / "output") == old
