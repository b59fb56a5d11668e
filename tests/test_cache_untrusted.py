"""The build cache is untrusted input: a corrupt, foreign, forged or unwritable cache gives one warning and a clean build.

Through the real command: every case ends with exit 0, no traceback, at most one
warning about the cache, and an output folder byte-identical to a build from scratch.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import INCIDENTS, SEED_IDS, postmortem

FORMATS = "md,html"


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = postmortem("build", "--format", FORMATS, *args, cwd=project, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def cache_warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: the build cache")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    (folder / "incidents").mkdir(parents=True)
    for incident_id in SEED_IDS:
        shutil.copy(INCIDENTS / f"{incident_id}.yaml", folder / "incidents")
    assert run(folder).returncode == 0
    return folder


def store(project: Path) -> Path:
    return next((project / ".postmortem-cache").glob("*/objects.sqlite"))


def index(project: Path) -> Path:
    return next((project / ".postmortem-cache").glob("*/index.sealed"))


def read_index(project: Path) -> dict[str, object]:
    return json.loads(index(project).read_bytes()[32:])  # after the HMAC


def write_index(project: Path, data: dict[str, object], *, reseal: bool = False) -> None:
    """Write the index as a cache writer would: without the key (the seal no longer matches), or with it."""
    body = json.dumps(data).encode()
    key = (project / ".postmortem-state" / "cache.key").read_bytes()
    mac = hmac.new(key, b"index.sealed\0" + body, "sha256").digest() if reseal else index(project).read_bytes()[:32]
    index(project).write_bytes(mac + body)


def change_an_incident(project: Path) -> None:
    path = project / "incidents" / f"{SEED_IDS[0]}.yaml"
    path.write_text(path.read_text("utf-8").replace("title: ", "title: Changed ", 1), "utf-8")


_REFERENCE: dict[str, dict[str, str]] = {}


def reference(project: Path, tmp_path: Path) -> dict[str, str]:
    """The output of a build from scratch of the project's current incidents (built once per set of incidents)."""
    key = hashlib.sha256(b"".join(p.read_bytes() for p in sorted((project / "incidents").glob("*.yaml")))).hexdigest()
    if key not in _REFERENCE:
        fresh = tmp_path / "fresh"
        shutil.copytree(project / "incidents", fresh / "incidents")
        assert run(fresh).returncode == 0
        _REFERENCE[key] = tree(fresh / "output")
    return _REFERENCE[key]


def spoil(project: Path, how: str) -> None:
    if how == "random bytes in the database":
        store(project).write_bytes(os.urandom(20_000))
    elif how == "truncated database":
        with open(store(project), "r+b") as stream:
            stream.truncate(store(project).stat().st_size // 3)
    elif how == "malformed index":
        write_index(project, {"version": 2, "scanned_ns": 0, "sources": [], "loads": 5, "outputs": {}, "sites": {}}, reseal=True)
    elif how == "truncated index":
        data = index(project).read_bytes()
        index(project).write_bytes(data[: len(data) // 2])
    elif how == "index naming missing objects":
        data = read_index(project)
        data["outputs"] = {key: "0" * 64 for key in data["outputs"]}  # type: ignore[union-attr]
        write_index(project, data, reseal=True)
    elif how == "forged index":
        data = read_index(project)
        data["outputs"] = {key: "0" * 64 for key in data["outputs"]}  # type: ignore[union-attr]
        write_index(project, data)  # without the key
    elif how == "index from another project":
        (project / ".postmortem-state" / "cache.key").write_bytes(os.urandom(32))
    elif how == "edited objects":
        with sqlite3.connect(store(project)) as db:
            db.execute("UPDATE objects SET data = ?", (b"<script>edited</script>",))
    elif how == "objects stored as text":  # SQLite keeps any type in any column: bytes(str) raised a TypeError
        with sqlite3.connect(store(project)) as db:
            db.execute("UPDATE objects SET data = CAST(data AS TEXT)")
    elif how == "objects and models stored as numbers":  # bytes(10**12) would allocate a terabyte; bytes(-1) raised
        with sqlite3.connect(store(project)) as db:
            db.execute("UPDATE objects SET data = CASE WHEN rowid % 2 THEN 1000000000000 ELSE -1 END")
            db.execute("UPDATE models SET data = 1000000000000")
    elif how == "unwritable cache":
        for profile in (project / ".postmortem-cache").glob("*"):
            if profile.name != "jinja":
                shutil.rmtree(profile)
                profile.write_text("in the way")  # the profile folder cannot be created: nothing can be stored
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["random bytes in the database", "truncated database", "malformed index", "truncated index",
                                 "index naming missing objects", "forged index", "index from another project", "edited objects",
                                 "objects stored as text", "objects and models stored as numbers", "unwritable cache"])
def test_a_spoiled_cache_gives_one_warning_and_a_clean_build(project: Path, tmp_path: Path, how: str) -> None:
    spoil(project, how)
    change_an_incident(project)
    shutil.rmtree(project / "output")  # every output must come from somewhere: the cache or a fresh render
    result = run(project)
    assert result.returncode == 0, result.stderr
    assert len(cache_warnings(result.stderr)) == 1, result.stderr
    assert tree(project / "output") == reference(project, tmp_path)
    assert b"edited</script>" not in b"".join(p.read_bytes() for p in (project / "output").rglob("*") if p.is_file())
    if how == "random bytes in the database":
        change_an_incident(project)
        again = run(project)  # the cache was rebuilt: the next build uses it without a word
        assert again.returncode == 0 and cache_warnings(again.stderr) == [] and "(1 changed, 1 cached)" in again.stderr


class Payload:
    """A pickle that runs a command when it is loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_replaced_pickles_are_never_loaded(project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = pickle.dumps(Payload(marker))
    with sqlite3.connect(store(project)) as db:
        db.execute("UPDATE models SET data = ?", (evil,))  # validated incidents, reused when an output is missing
        digest = hashlib.sha256(evil).hexdigest()
        db.execute("INSERT INTO objects VALUES (?, ?)", (digest, evil))
    data = read_index(project)
    data["outputs"] = {key: digest for key in data["outputs"]}  # type: ignore[union-attr]  # every output, records included
    write_index(project, data, reseal=True)  # even behind a valid index seal, pickles without their own seal are not loaded
    change_an_incident(project)  # the site-wide files are assembled again from the (forged) records
    result = run(project)
    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "a pickle from the cache was loaded"
    assert len(cache_warnings(result.stderr)) == 1
    assert tree(project / "output") == reference(project, tmp_path)

    with sqlite3.connect(store(project)) as db:  # now only the models, with a valid index around them
        db.execute("UPDATE models SET data = ?", (evil,))
    (project / "templates").mkdir()
    (project / "templates" / "postmortem.md").write_text('{% extends "builtin/postmortem.md" %}\n')
    result = run(project, "--templates", "templates")  # every output is missing: the models would be used
    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "a pickle from the cache was loaded"

    with sqlite3.connect(store(project)) as db:  # a number where the sealed model belongs: bytes(10**12) is a terabyte
        db.execute("UPDATE models SET data = 1000000000000")
    (project / "templates" / "postmortem.md").write_text('{% extends "builtin/postmortem.md" %}\n\n')
    result = run(project, "--templates", "templates")
    assert result.returncode == 0, result.stderr


def test_a_full_cache_disk_is_a_warning_not_a_traceback(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.builder import cache as cache_module
    from generator.builder.options import BuildOptions
    from generator.builder.orchestrator import build
    from generator.load.sources import collect_sources
    from generator.model.config import SiteConfig

    real_connect = sqlite3.connect

    class FullDisk:
        """A connection whose writes fail the way SQLite's do when the disk is full."""

        def __init__(self, *args: object, **kwargs: object):
            self.real = real_connect(*args, **kwargs)  # type: ignore[arg-type]

        def execute(self, sql: str, *args: object) -> object:
            if sql.startswith(("INSERT", "DELETE")):
                raise sqlite3.OperationalError("database or disk is full")
            return self.real.execute(sql, *args)

        def executemany(self, sql: str, *args: object) -> object:
            raise sqlite3.OperationalError("database or disk is full")

        def commit(self) -> None:
            self.real.commit()

        def close(self) -> None:
            self.real.close()

    assert cache_module.BuildCache  # the store is opened through sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", FullDisk)
    change_an_incident(project)
    options = BuildOptions(config=SiteConfig(), out_dir=project / "output", formats=("md", "html"), cache_dir=project / ".postmortem-cache",
                           state_dir=project / ".postmortem-state", jobs=1)
    try:
        result = build(collect_sources([], project / SiteConfig().incidents_dir, project).files, options)
    except sqlite3.Error as exc:  # pragma: no cover - the failure this test guards against
        pytest.fail(f"a full cache disk escaped as {exc!r}")
    assert len(result.notices) == 1 and "not usable" in result.notices[0]
    monkeypatch.undo()
    assert tree(project / "output") == reference(project, tmp_path)


def test_the_key_that_seals_pickles_is_private_and_outside_the_cache(project: Path) -> None:
    key = project / ".postmortem-state" / "cache.key"
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
    assert not list((project / ".postmortem-cache").rglob("*.key"))
