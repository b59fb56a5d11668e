"""Losing nothing: a failed, concurrent or killed build leaves exactly the old tree or exactly the new one."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from generator.builder.tree import STATE_DIR, UnsafeOutputError, output_lock, swap_in_tree
from tests.cli_runner import spawn
from tests.conftest import CLI, postmortem

INPUTS = Path(__file__).resolve().parent / "inputs"
BASE_TEXT = (INPUTS / "base.yaml").read_text("utf-8")


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones included) by relative path, with its SHA-256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(project: Path) -> list[str]:
    """Staging and backup folders, beside the output folder or in the project's state folder."""
    beside = [p.name for p in project.iterdir() if ".staging-" in p.name or ".old-" in p.name]
    state = [p.name for folder in (STATE_DIR, "state") for p in project.glob(f"{folder}/*/*") if p.name.startswith(("staging-", "old-"))]
    return sorted(beside + state)


def write_incidents(project: Path, count: int, title: str = "Checkout errors") -> None:
    folder = project / "incidents"
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.yaml"):
        path.unlink()
    for number in range(count):
        (folder / f"incident-{number:03d}.yaml").write_text(BASE_TEXT.replace("title: Checkout errors", f"title: {title} {number}"), "utf-8")


def build(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = postmortem("build", "--format", "md,html", "--force", *args, cwd=project, timeout=300, env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stderr
    return result


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_incidents(tmp_path, 3)
    result = build(tmp_path)
    assert result.returncode == 0, result.stderr
    (tmp_path / "output" / "notes-by-user.txt").write_text("keep me")
    return tmp_path


# --- Names ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../x", "/etc/x", "a/../../x", "", ".", "a/./b", "..", "a\\..\\x", "x\0y"])
def test_publish_tree_refuses_names_escaping_the_output_folder(tmp_path: Path, name: str) -> None:
    (tmp_path / "out").mkdir()
    before = snapshot(tmp_path)
    with pytest.raises(UnsafeOutputError, match="refusing to write outside the output folder"):
        swap_in_tree(tmp_path / "out", {"ok.md": b"fine", name: b"evil"})
    assert snapshot(tmp_path) == before and leftovers(tmp_path) == []


def test_publish_tree_refuses_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for target in (tmp_path, tmp_path.parent):
        with pytest.raises(UnsafeOutputError, match="contains the working folder"):
            swap_in_tree(target, {"a.md": b"x"})


def test_publish_tree_writes_nested_names_inside(tmp_path: Path) -> None:
    swap_in_tree(tmp_path / "out", {"a.md": b"1", "incidents/b/index.html": b"2"})
    assert snapshot(tmp_path / "out").keys() == {"a.md", "incidents/b/index.html"}


# --- Failed builds --------------------------------------------------------------

def test_invalid_second_incident_leaves_the_tree_byte_identical(project: Path) -> None:
    before = snapshot(project / "output")
    write_incidents(project, 3, title="Changed")
    (project / "incidents" / "incident-001.yaml").write_text(BASE_TEXT.replace("impact: major", "impact: huge"), "utf-8")
    result = build(project)
    assert result.returncode == 1
    assert "incident-001.yaml:4:9: error: impact: 'huge' is not allowed" in result.stderr
    assert snapshot(project / "output") == before and leftovers(project) == []


@pytest.mark.parametrize("template", ["{{ no_such_variable.attribute }}", "{% if %}", "{% include 'missing.html' %}"])
def test_broken_user_template_leaves_the_tree_byte_identical(project: Path, template: str) -> None:
    before = snapshot(project / "output")
    write_incidents(project, 3, title="Changed")
    (project / "my-templates").mkdir()
    (project / "my-templates" / "status_post.html").write_text(template)
    result = build(project, "--templates", "my-templates")
    assert result.returncode == 1 and "template error" in result.stderr
    assert snapshot(project / "output") == before and leftovers(project) == []


# --- Concurrency ----------------------------------------------------------------

def test_second_build_fails_clearly_while_the_lock_is_held(project: Path) -> None:
    before = snapshot(project / "output")
    write_incidents(project, 3, title="Changed")  # so the build has something to publish
    with output_lock((project / "output").absolute(), wait_seconds=0):
        result = build(project, env={"POSTMORTEM_LOCK_WAIT": "0.5"})
    assert result.returncode == 1
    assert "another build is writing to" in result.stderr and "gave up after waiting 0.5 s" in result.stderr
    assert snapshot(project / "output") == before


def test_second_build_waits_for_the_lock(project: Path) -> None:
    write_incidents(project, 3, title="Changed")
    with output_lock((project / "output").absolute(), wait_seconds=0):
        process = subprocess.Popen([*CLI, "build", "--format", "md,html", "--force"], cwd=project, stderr=subprocess.PIPE,
                                   text=True, env={**os.environ, "POSTMORTEM_LOCK_WAIT": "60"})
        assert process.stderr is not None
        # Handshake: the build renders, then says it is waiting for the lock, then waits.
        told = next((line for line in process.stderr if line.startswith("waiting for another build")), None)
        assert told is not None, "the build never said it was waiting for the lock"
        assert process.poll() is None, "the build must wait while the lock is held"
        assert "Changed" not in (project / "output" / "incident-000.md").read_text()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "Changed 0" in (project / "output" / "incident-000.md").read_text()


# --- SIGKILL ----------------------------------------------------------------------

def reference_tree(project: Path, tmp_path: Path, count: int, title: str) -> dict[str, str]:
    """The tree a complete build of the current incidents produces (built elsewhere), plus the user's file."""
    other = tmp_path / "reference"
    write_incidents(other, count, title)
    assert build(other).returncode == 0
    tree = snapshot(other / "output")
    tree["notes-by-user.txt"] = hashlib.sha256(b"keep me").hexdigest()
    return tree


def kill_build_at(project: Path, step: str) -> None:
    """Start a forced build (forked: a SIGKILL cannot be handled, so no real interpreter is needed), wait until it
    pauses at ``step`` of publishing, and SIGKILL it there."""
    process = spawn("build", "--format", "md,html", "--force", cwd=project, stderr=True,
                    env={**os.environ, "POSTMORTEM_TEST_PAUSE": f"{step}:60"})
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith(f"paused at {step}".encode()):
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stderr.close()


@pytest.mark.parametrize("step", ["staging", "staged", "swapped"])
def test_sigkill_at_each_publishing_step(project: Path, tmp_path: Path, step: str) -> None:
    old = snapshot(project / "output")
    write_incidents(project, 3, title="Changed")
    new = reference_tree(project, tmp_path, 3, "Changed")
    kill_build_at(project, step)
    after = snapshot(project / "output")
    assert after == (new if step == "swapped" else old)
    assert leftovers(project)  # the killed build left its staging folder behind ...
    assert build(project).returncode == 0
    assert leftovers(project) == [] and snapshot(project / "output") == new  # ... and the next build cleans it up


def test_sigkill_at_random_moments(project: Path, tmp_path: Path) -> None:
    count = 10  # enough files for a build that takes a while to publish; a moment is drawn from all of it
    write_incidents(project, count, title="Before")
    assert build(project).returncode == 0
    old = snapshot(project / "output")
    new = reference_tree(project, tmp_path, count, "After")
    write_incidents(project, count, title="After")
    started = time.monotonic()
    assert build(project, "-o", str(tmp_path / "timing")).returncode == 0  # forked, as long as the killed builds take
    duration = time.monotonic() - started
    chooser = random.Random(20240613)
    # Which of the two trees a random moment leaves is itself random; both outcomes are forced
    # deterministically in test_sigkill_at_each_publishing_step. Here every moment must leave one of them.
    for _ in range(6):
        current = snapshot(project / "output")
        assert current in (old, new)
        process = spawn("build", "--format", "md,html", "--force", cwd=project)  # forked: SIGKILL needs no real interpreter
        time.sleep(chooser.uniform(0.05, duration))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        after = snapshot(project / "output")
        assert after in (old, new), "a killed build left a mix of old and new files"
        if after == new:  # go back to the old tree for the next round
            write_incidents(project, count, title="Before")
            assert build(project).returncode == 0
            write_incidents(project, count, title="After")
    assert build(project).returncode == 0 and leftovers(project) == []


# --- Unpublishing -------------------------------------------------------------------

def test_internal_or_deleted_incidents_disappear_at_the_next_build(project: Path) -> None:
    assert {"incident-000.md", "incident-001.html", "incident-002.md"} <= snapshot(project / "output").keys()
    data = yaml.safe_load((project / "incidents" / "incident-001.yaml").read_text())
    data["visibility"] = "internal"
    (project / "incidents" / "incident-001.yaml").write_text(yaml.safe_dump(data), "utf-8")
    (project / "incidents" / "incident-002.yaml").unlink()
    assert build(project).returncode == 0
    files = snapshot(project / "output")
    assert not [name for name in files if "incident-001" in name or "incident-002" in name]
    assert "incident-000.md" in files and "notes-by-user.txt" in files
    everything = b"".join(p.read_bytes() for p in (project / "output").rglob("*") if p.is_file())
    assert b"Checkout errors 1" not in everything and b"Checkout errors 2" not in everything
    assert b"Checkout errors 0" in everything


def test_backup_left_by_an_interrupted_fallback_swap_is_restored(tmp_path: Path) -> None:
    state = tmp_path / "project" / STATE_DIR
    swap_in_tree(tmp_path / "out", {"a.md": b"old"}, state_dir=state)
    (tmp_path / "out" / "user.txt").write_text("mine")
    (tmp_path / "out").rename(tmp_path / ".out.old-12345")  # killed after the first rename, before the second
    (tmp_path / ".out.staging-abc").mkdir()
    swap_in_tree(tmp_path / "out", {"b.md": b"new"}, state_dir=state)
    assert snapshot(tmp_path / "out").keys() == {"b.md", "user.txt"}  # the user's file came back with the old tree
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "project"]  # nothing beside the output folder
    spare = next(state.glob("*/spare"))
    assert snapshot(spare).keys() == {"a.md", "user.txt"}  # the old tree, kept privately for the next build
    assert spare.parent.stat().st_mode & 0o077 == 0
