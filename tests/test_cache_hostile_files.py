"""A restored cache is files someone else chose: nothing in it is followed, waited on, or run by SQLite.

Before these checks, a CI cache restored from another build could make the next build write
outside the project (``.postmortem-cache/<profile>`` or ``jinja`` a symlink to any folder; an
``objects.sqlite`` symlink made SQLite create a database anywhere), hang it for good (a FIFO for the
index or for a compiled template), exhaust its memory (the index a symlink to ``/dev/zero``), or
loop while filling the disk (a trigger planted in the database). Each case: exit 0, one warning at
most, nothing written outside, the same output as a build from scratch.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import INCIDENTS, SEED_IDS, postmortem

KEY = {"POSTMORTEM_CACHE_KEY": "the project's secret"}


def build(project: Path, *, real: bool = False) -> subprocess.CompletedProcess[str]:
    result = postmortem("build", "--format", "md,html", cwd=project, env={**os.environ, **KEY}, timeout=120, real=real)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return result


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    (folder / "incidents").mkdir(parents=True)
    shutil.copy(INCIDENTS / f"{SEED_IDS[0]}.yaml", folder / "incidents")
    (folder / "postmortem.yaml").write_text("company: Dotdigital\n", "utf-8")  # the seed's own: no warning to hide others
    return folder


_REFERENCE: list[dict[str, str]] = []


def reference_tree(project: Path, tmp_path: Path) -> dict[str, str]:
    """The output of a build from scratch of the project's incident (the same for every case: built once per process)."""
    if not _REFERENCE:
        reference = tmp_path / "reference"
        shutil.copytree(project, reference)
        build(reference)
        _REFERENCE.append(tree(reference / "output"))
    return _REFERENCE[0]


def real_profile(project: Path) -> str:
    """The profile name the project's build uses (a build with an empty cache makes it)."""
    build(project)
    name = next(p.name for p in (project / ".postmortem-cache").iterdir() if p.name != "jinja")
    shutil.rmtree(project / ".postmortem-cache")
    shutil.rmtree(project / "output")
    return name


def plant_trigger(database: Path) -> None:
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE objects (digest TEXT PRIMARY KEY, data BLOB NOT NULL)")
        db.execute("CREATE TABLE models (key TEXT PRIMARY KEY, data BLOB NOT NULL)")
        db.execute("CREATE TABLE spin (x)")
        db.execute("CREATE TRIGGER fill BEFORE INSERT ON objects BEGIN INSERT INTO spin "
                   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c; END")


@pytest.mark.parametrize("how", ["profile symlinked outside", "jinja symlinked outside", "database symlinked outside",
                                 "index is a FIFO", "index is /dev/zero", "trigger in the database", "cache folder symlinked"])
def test_a_restored_cache_cannot_reach_outside_hang_or_loop(project: Path, tmp_path: Path, how: str) -> None:
    reference = reference_tree(project, tmp_path)
    profile = real_profile(project)
    outside = tmp_path / "outside"
    outside.mkdir()
    cache = project / ".postmortem-cache"
    cache.mkdir()
    (cache / profile).mkdir()
    if how == "profile symlinked outside":
        (cache / profile).rmdir()
        (cache / profile).symlink_to(outside)
    elif how == "jinja symlinked outside":
        (cache / "jinja").symlink_to(outside)
    elif how == "database symlinked outside":
        (cache / profile / "objects.sqlite").symlink_to(outside / "made-by-sqlite.db")
    elif how == "index is a FIFO":
        os.mkfifo(cache / profile / "index.sealed")
    elif how == "index is /dev/zero":
        (cache / profile / "index.sealed").symlink_to("/dev/zero")
    elif how == "trigger in the database":
        plant_trigger(cache / profile / "objects.sqlite")
    elif how == "cache folder symlinked":
        shutil.rmtree(cache)
        cache.symlink_to(outside)
    result = build(project)
    assert len([line for line in result.stderr.splitlines() if line.startswith("warning: the build cache")]) == 1, result.stderr
    assert list(outside.iterdir()) == []
    assert tree(project / "output") == reference
    if how != "cache folder symlinked":
        assert not any(p.is_symlink() or p.is_fifo() for p in cache.rglob("*"))
        again = build(project)  # the cache was made anew: the next build uses it without a word
        assert "warning" not in again.stderr and "(0 changed, 1 cached)" in again.stderr, again.stderr


def test_a_fifo_for_a_compiled_template_is_not_waited_on(project: Path) -> None:
    build(project, real=True)  # a real interpreter: the forked runner holds templates compiled already
    jinja = project / ".postmortem-cache" / "jinja"
    names = sorted(p.name for p in jinja.iterdir())
    assert names
    shutil.rmtree(jinja)
    jinja.mkdir()
    for name in names:
        os.mkfifo(jinja / name)
    shutil.rmtree(project / "output")
    (project / "incidents" / f"{SEED_IDS[0]}.yaml").write_text(
        (INCIDENTS / f"{SEED_IDS[0]}.yaml").read_text("utf-8").replace("title: ", "title: Changed ", 1), "utf-8")
    build(project, real=True)  # would block forever opening the first FIFO
    assert (project / "output" / f"{SEED_IDS[0]}.md").read_text("utf-8").count("Changed") >= 1


@pytest.mark.parametrize("out", [".postmortem-cache", ".postmortem-cache/site", ".postmortem-state/site"])
def test_the_output_folder_is_never_inside_the_builds_private_state(project: Path, out: str) -> None:
    """Before, ``-o .postmortem-cache`` built there: deploying it published the cache (every validated incident,
    internal fields included, as pickles) beside the site."""
    build(project)
    result = postmortem("build", "--format", "md", "-o", out, cwd=project, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "the build's private state, which must never be published" in result.stderr
    assert not list((project / ".postmortem-cache").glob("*.md")) and not (project / out / f"{SEED_IDS[0]}.md").exists()


def test_an_oversized_object_is_refused_before_it_is_loaded(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache holding gigabytes under a digest its (genuine) index names: the size is checked before the blob is read."""
    from generator.builder import cache as build_cache

    build(project)
    database = next((project / ".postmortem-cache").glob("*/objects.sqlite"))
    with sqlite3.connect(database) as db:
        largest = db.execute("SELECT max(length(data)) FROM objects").fetchone()[0]
        # The object of a file the next build must read back (any object might be one no rebuild needs, e.g. a site record).
        needed = hashlib.sha256((project / "output" / f"{SEED_IDS[0]}.md").read_bytes()).hexdigest()
        assert db.execute("UPDATE objects SET data = zeroblob(?) WHERE digest = ?", (largest * 4, needed)).rowcount == 1
    monkeypatch.setattr(build_cache, "MAX_OBJECT_BYTES", largest * 2)  # the forked command inherits it
    shutil.rmtree(project / "output")  # every output is read from the cache again
    result = build(project)
    assert f"is over {largest * 2:,} bytes" in result.stderr, result.stderr
    assert (project / "output" / f"{SEED_IDS[0]}.md").is_file()
