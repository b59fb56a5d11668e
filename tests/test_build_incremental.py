"""Incremental builds through the real ``postmortem build`` command: what re-renders, what stays, what goes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import INCIDENTS, SEED_IDS, postmortem

FIRST, SECOND = SEED_IDS


def run(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return postmortem(*args, cwd=project, timeout=300, env={**os.environ, **(env or {})})


def build(project: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, int]:
    """Run a successful build; return (incidents, changed) from its summary line."""
    result = run(project, "build", *args, env=env)
    assert result.returncode == 0, result.stderr
    match = re.search(r"^Built (\d+) incidents? \((\d+) changed, (\d+) cached\) in \d+\.\d\d s$", result.stderr, re.MULTILINE)
    assert match, result.stderr
    built, changed, cached = map(int, match.groups())
    assert built == changed + cached
    return built, changed


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "incidents").mkdir()
    for incident_id in SEED_IDS:
        shutil.copy(INCIDENTS / f"{incident_id}.yaml", tmp_path / "incidents")
    (tmp_path / "postmortem.yaml").write_text("company: Dotdigital\n", "utf-8")  # the seeds' own company
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_second_build_renders_nothing_and_leaves_the_tree_alone(project: Path) -> None:
    assert build(project, "--format", "md,html") == (2, 2)
    before = {p: p.stat().st_ino for p in (project / "output").rglob("*")}
    assert build(project, "--format", "md,html") == (2, 0)
    assert {p: p.stat().st_ino for p in (project / "output").rglob("*")} == before  # not even re-linked


def test_changing_one_incident_re_renders_only_it(project: Path) -> None:
    build(project, "--format", "md,html")
    old = tree(project / "output")
    edit(project / "incidents" / f"{FIRST}.yaml", "title: Issue with Campaign Reports", "title: Issue with campaign reports")
    assert build(project, "--format", "md,html") == (2, 1)
    new = tree(project / "output")
    assert b"Issue with campaign reports" in new[f"{FIRST}.md"]
    assert new[f"{SECOND}.md"] == old[f"{SECOND}.md"] and new[f"{SECOND}.html"] == old[f"{SECOND}.html"]
    assert b"Issue with campaign reports" in new["index.html"]  # the site follows


def test_changing_a_template_re_renders_everything_it_affects(project: Path) -> None:
    user = project / "my-templates"
    user.mkdir()
    builtin = (Path(__file__).resolve().parent.parent / "templates" / "status_post.html").read_text("utf-8")
    (user / "status_post.html").write_text(builtin + "<!-- layout one -->\n", "utf-8")
    build(project, "--format", "md,html", "--templates", str(user))
    (user / "status_post.html").write_text(builtin + "<!-- layout two -->\n", "utf-8")
    assert build(project, "--format", "md,html", "--templates", str(user)) == (2, 2)
    for incident_id in SEED_IDS:
        assert b"<!-- layout two -->" in (project / "output" / f"{incident_id}.html").read_bytes()


def test_changing_the_config_re_renders_everything(project: Path) -> None:
    (project / "postmortem.yaml").write_text("company: Dotdigital\nlocale: en\n", "utf-8")
    build(project, "--format", "md")
    english = (project / "output" / f"{FIRST}.md").read_bytes()
    (project / "postmortem.yaml").write_text("company: Dotdigital\nlocale: de\n", "utf-8")
    assert build(project, "--format", "md") == (2, 2)
    assert (project / "output" / f"{FIRST}.md").read_bytes() != english


def test_deleting_an_incident_removes_its_files_but_not_the_users(project: Path) -> None:
    build(project, "--format", "md,html")
    (project / "output" / "notes.txt").write_text("mine\n", "utf-8")
    assert (project / "output" / "incidents" / SECOND / "index.html").exists()
    (project / "incidents" / f"{SECOND}.yaml").unlink()
    assert build(project, "--format", "md,html") == (1, 0)
    files = tree(project / "output")
    assert not [name for name in files if SECOND in name]
    assert SECOND.encode() not in files["index.html"]
    assert files["notes.txt"] == b"mine\n"


def test_switching_an_incident_to_internal_removes_it_from_public_output(project: Path) -> None:
    build(project, "--format", "md,html")
    path = project / "incidents" / f"{SECOND}.yaml"
    path.write_text(path.read_text("utf-8") + "visibility: internal\n", "utf-8")
    build(project, "--format", "md,html")
    files = tree(project / "output")
    assert not [name for name in files if SECOND in name]
    assert not [name for name, data in files.items() if SECOND.encode() in data]
    assert f"{FIRST}.md" in files


def test_force_re_renders_everything_with_the_same_bytes(project: Path) -> None:
    build(project, "--format", "md,html")
    before = tree(project / "output")
    assert build(project, "--format", "md,html", "--force") == (2, 2)
    assert tree(project / "output") == before


def test_a_hand_edited_output_file_is_restored(project: Path) -> None:
    build(project, "--format", "md")
    target = project / "output" / f"{FIRST}.md"
    good = target.read_bytes()
    target.write_bytes(b"scribbled over\n")
    assert build(project, "--format", "md") == (2, 0)
    assert target.read_bytes() == good


def test_a_lost_cache_store_is_rebuilt(project: Path) -> None:
    build(project, "--format", "md")
    before = tree(project / "output")
    for store in (project / ".postmortem-cache").glob("*/objects.sqlite"):
        store.unlink()
    assert build(project, "--format", "md") == (2, 2)
    assert tree(project / "output") == before


def test_cached_warnings_are_reported_again_and_fail_strict_builds(project: Path) -> None:
    edit(project / "incidents" / f"{SECOND}.yaml", "- at: 2022-04-13T06:45:00Z", "- at: 2022-04-13T06:32:00Z")
    first = run(project, "build", "--format", "md")
    second = run(project, "build", "--format", "md")
    assert first.returncode == second.returncode == 0
    warning = [line for line in first.stderr.splitlines() if ": warning: " in line]
    assert len(warning) == 1 and "earlier than the one before it" in warning[0]
    assert warning == [line for line in second.stderr.splitlines() if ": warning: " in line]
    strict = run(project, "build", "--format", "md", "--strict")
    assert strict.returncode == 1 and warning[0] in strict.stderr


def test_an_id_collision_is_caught_even_when_both_files_are_cached(project: Path) -> None:
    build(project, "--format", "md")
    sub = project / "incidents" / "more"
    sub.mkdir()
    shutil.copy(project / "incidents" / f"{FIRST}.yaml", sub / f"{FIRST}.yaml")
    result = run(project, "build", "--format", "md")
    assert result.returncode == 1
    assert f"id {FIRST!r} is also used by" in result.stderr


def test_the_summary_line_counts_in_words() -> None:
    from generator.builder.options import BuildResult

    assert BuildResult(incidents=1, changed=1).summary().startswith("Built 1 incident (1 changed, 0 cached) in ")
    assert BuildResult(incidents=2).summary().startswith("Built 2 incidents (0 changed, 2 cached) in ")
