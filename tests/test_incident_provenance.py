"""Incident PDFs state what they were built from: the file's last commit and its date (no build date: see provenance.py)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.builder.options import BuildOptions
from generator.builder.orchestrator import build
from generator.model.config import SiteConfig
from generator.render import provenance as provenance_module
from generator.render.provenance import FileProvenance, file_provenance
from generator.render.report import report_html
from tests.conftest import INCIDENTS, SEED_IDS, load_sample, postmortem
from tests.shared_pdfs import pdf_text

FIRST, SECOND = SEED_IDS


def git(folder: Path, *args: str, when: str = "2024-10-29T10:00:00+00:00") -> str:
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(folder), *args],
                            check=True, capture_output=True, text=True, env=env)
    return result.stdout.strip()


def commit_all(folder: Path, message: str, when: str = "2024-10-29T10:00:00+00:00") -> str:
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", message, when=when)
    return git(folder, "rev-parse", "HEAD")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "incidents").mkdir()
    for incident_id in SEED_IDS:
        shutil.copy(INCIDENTS / f"{incident_id}.yaml", tmp_path / "incidents")
    (tmp_path / "notes.txt").write_text("notes\n")
    git(tmp_path, "init", "-q")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_each_file_names_its_own_last_commit_and_its_state(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    incidents = project / "incidents"
    odd = incidents / "odd name\nwith a newline.yaml"
    odd.write_text("title: x\n")
    first_commit = commit_all(project, "both")
    (project / "notes.txt").write_text("more\n")
    commit_all(project, "notes only", when="2024-11-02T23:30:00-05:00")
    edit(incidents / f"{FIRST}.yaml", "title: Issue with Campaign Reports", "title: Issue with campaign reports")
    second_commit = commit_all(project, "first only", when="2024-11-03T01:00:00-05:00")
    edit(incidents / f"{SECOND}.yaml", "title: ", "title: Edited ")
    (incidents / "new.yaml").write_text("title: new\n")
    files = [incidents / f"{FIRST}.yaml", incidents / f"{SECOND}.yaml", incidents / "new.yaml", odd]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")
    found = file_provenance(files, project)
    assert found[files[0]] == FileProvenance(f"incidents/{FIRST}.yaml", True, second_commit[:12], date(2024, 11, 3), False)
    assert found[files[1]].commit == first_commit[:12] and found[files[1]].dirty  # a notes commit is not this file's
    assert found[files[2]].commit is None and found[files[2]].dirty and found[files[2]].in_git
    assert found[files[3]].commit == first_commit[:12] and not found[files[3]].dirty
    assert found[files[0]].sentence() == f"Built from incidents/{FIRST}.yaml at commit {second_commit[:12]} (2024-11-03)"
    assert found[files[1]].sentence().endswith(f"at commit {first_commit[:12]} (2024-10-29) with uncommitted changes")
    assert found[files[2]].sentence() == "Built from incidents/new.yaml with uncommitted changes"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert file_provenance(files, project) == found  # the build date is not the file's provenance


def test_outside_git_and_when_git_is_missing_or_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "incidents").mkdir()
    file = tmp_path / "incidents" / "x.yaml"
    file.write_text("title: x\n")
    plain = file_provenance([file], tmp_path)[file]
    assert plain.sentence() == "Built from incidents/x.yaml (not in a git repository)" and plain.commit is None
    (tmp_path / ".git").write_text("gitdir: /nonexistent/elsewhere\n")  # a broken repository: git fails
    assert file_provenance([file], tmp_path)[file] == plain
    (tmp_path / ".git").unlink()
    git(tmp_path, "init", "-q")
    commit_all(tmp_path, "x")
    monkeypatch.setattr(provenance_module.shutil, "which", lambda name: None)
    assert file_provenance([file], tmp_path)[file] == plain


def test_git_runs_once_per_build_pass_not_once_per_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commit_all(project, "both")
    calls: list[tuple[str, ...]] = []
    real = subprocess.run

    def counting(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(tuple(argv))
        assert kwargs["env"]["GIT_CONFIG_NOSYSTEM"] == "1" and "shell" not in kwargs  # type: ignore[index]
        return real(argv, **kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(provenance_module.subprocess, "run", counting)
    files = sorted((project / "incidents").glob("*.yaml"))
    for number in range(20):
        extra = project / "incidents" / f"copy-{number}.yaml"
        extra.write_text("title: x\n")
        files.append(extra)
    file_provenance(files, project)
    assert len(calls) == 3  # rev-parse, log, status
    assert all("core.fsmonitor=" in argv for argv in calls)


def test_the_statement_is_escaped_and_sits_at_the_end_of_the_report(config: SiteConfig) -> None:
    stated = FileProvenance("incidents/<b>x</b>.yaml", True, "0123456789ab", date(2024, 10, 29), True)
    html = report_html(load_sample(FIRST), config, provenance=stated)
    assert "Built from incidents/&lt;b&gt;x&lt;/b&gt;.yaml at commit 0123456789ab (2024-10-29) with uncommitted changes" in html
    assert "<b>x</b>" not in html
    assert html.index('class="provenance"') > html.rindex('class="update"')
    assert 'class="provenance"' not in report_html(load_sample(FIRST), config)  # no source given, nothing stated
    german = report_html(load_sample(FIRST), SiteConfig(locale="de"), provenance=FileProvenance("a.yaml", False, None, None, False))
    assert '<p class="provenance">Erstellt aus a.yaml (nicht in einem Git-Repository)</p>' in german


def build_pdfs(project: Path) -> tuple[int, dict[str, bytes]]:
    sources = sorted((project / "incidents").glob("*.yaml"))
    options = BuildOptions(config=SiteConfig(), out_dir=project / "output", formats=("pdf",), cache_dir=project / ".postmortem-cache",
                           project_root=project, jobs=1)
    result = build(sources, options)
    return result.changed, {p.name: p.read_bytes() for p in sorted((project / "output").glob("*.pdf"))}


def test_the_cache_re_renders_a_pdf_only_when_its_own_file_changes(project: Path,
                                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    commit_all(project, "both")
    changed, first = build_pdfs(project)
    assert changed == 2
    (project / "notes.txt").write_text("a commit that touches no incident\n")
    commit_all(project, "notes", when="2024-11-05T09:00:00+00:00")
    assert build_pdfs(project) == (0, first)
    edit(project / "incidents" / f"{FIRST}.yaml", "title: Issue with Campaign Reports", "title: Issue with campaign reports")
    changed, dirty = build_pdfs(project)  # the edit, not yet committed
    assert changed == 1 and dirty[f"{SECOND}.pdf"] == first[f"{SECOND}.pdf"]
    assert "with uncommitted changes" in pdf_text(dirty[f"{FIRST}.pdf"])
    touched = commit_all(project, "retitle", when="2024-11-06T09:00:00+00:00")
    changed, committed = build_pdfs(project)  # same bytes in, but the statement changes: re-rendered
    assert changed == 1 and committed[f"{SECOND}.pdf"] == first[f"{SECOND}.pdf"]
    assert f"Built from incidents/{FIRST}.yaml at commit {touched[:12]} (2024-11-06)" in pdf_text(committed[f"{FIRST}.pdf"])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1730000000")  # what a CI job sets anew on every run
    assert build_pdfs(project) == (0, committed)


def test_render_states_the_source_and_same_input_gives_the_same_bytes(project: Path) -> None:
    head = commit_all(project, "both")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1730000000"}
    runs = []
    for name in ("a.pdf", "b.pdf"):
        result = postmortem("render", f"incidents/{FIRST}.yaml", "-f", "pdf", "-o", name, cwd=project, env=env)
        assert result.returncode == 0, result.stderr
        runs.append((project / name).read_bytes())
    assert runs[0] == runs[1]
    text = pdf_text(runs[0])
    assert re.search(rf"Built from incidents/{re.escape(FIRST)}\.yaml at commit {head[:12]} \(2024-10-29\)", text)
    assert "SOURCE_DATE_EPOCH" not in text and "2024-10-27" not in text
    assert PdfReader(io.BytesIO(runs[0])).metadata["/Producer"].startswith("WeasyPrint")
