"""``postmortem build`` as a build tool: parallel = serial, reproducible, all-or-nothing, cheap imports, progress."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import ClassVar

import pytest

from generator.builder.options import BuildOptions
from generator.builder.orchestrator import MIN_POOL_JOBS, build
from generator.model.config import SiteConfig
from tests.conftest import INCIDENTS, SEED_IDS, TESTS, postmortem

FIRST, SECOND = SEED_IDS


def run(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return postmortem(*args, cwd=project, timeout=300, env={**os.environ, **(env or {})})


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def seed_project(folder: Path, copies: int = 0) -> Path:
    """The two seed incidents, plus ``copies`` renamed copies of them (ids come from file names)."""
    (folder / "incidents").mkdir(parents=True)
    for incident_id in SEED_IDS:
        shutil.copy(INCIDENTS / f"{incident_id}.yaml", folder / "incidents")
    for number in range(copies):
        source = INCIDENTS / f"{SEED_IDS[number % 2]}.yaml"
        shutil.copy(source, folder / "incidents" / f"{source.stem}-copy-{number:02d}.yaml")
    return folder


def test_output_is_identical_for_any_number_of_jobs(tmp_path: Path) -> None:
    count = MIN_POOL_JOBS  # the fewest files that use the worker pool, in several chunks (one per file at this size)
    project = seed_project(tmp_path / "p", copies=count - len(SEED_IDS))
    serial = run(project, "build", "--format", "md,html", "-o", "serial", "--jobs", "1")
    parallel = run(project, "build", "--format", "md,html", "-o", "parallel", "--jobs", "2")
    assert serial.returncode == parallel.returncode == 0, serial.stderr + parallel.stderr
    assert f"Built {count} incidents ({count} changed, 0 cached)" in parallel.stderr
    assert tree(project / "serial") == tree(project / "parallel")


def test_pdfs_are_identical_serial_and_on_the_recycled_pool(tmp_path: Path) -> None:
    project = seed_project(tmp_path / "p", copies=1)  # three PDFs: the fewest the build sends to the pool
    serial = run(project, "build", "--format", "pdf", "-o", "serial", "--jobs", "1")
    parallel = run(project, "build", "--format", "pdf", "-o", "parallel", "--jobs", "2")
    assert serial.returncode == parallel.returncode == 0, serial.stderr + parallel.stderr
    pdfs = tree(project / "parallel")
    assert len([name for name in pdfs if name.endswith(".pdf")]) == 3
    assert tree(project / "serial") == pdfs


def test_builds_are_byte_identical_across_file_order_time_zone_and_hash_seed(tmp_path: Path) -> None:
    """Every sample incident, the two transcriptions and the repository's site config (feeds and sitemap with absolute URLs), built by two
    real interpreters at different moments, in different zones, with different hash seeds, file orders and job counts.

    PDF bytes across processes, zones and hash seeds: test_pdf_engine.py; across job counts: the test above.
    """
    projects = []
    for name in ("a", "b"):
        project = tmp_path / name
        shutil.copytree(INCIDENTS, project / "incidents")
        # The real postmortems too (milestones, a day across midnight), under file names that are their ids.
        for transcription, incident_id in (("cloudflare", "2019-07-02-cloudflare-waf-cpu-exhaustion"),
                                           ("github", "2018-10-21-github-mysql-failover")):
            shutil.copy(TESTS / "inputs" / "fidelity" / f"{transcription}.yaml", project / "incidents" / f"{incident_id}.yaml")
        shutil.copy(INCIDENTS.parent / "postmortem.yaml", project)
        projects.append(project)
    files = sorted(path.relative_to(projects[0]).as_posix() for path in (projects[0] / "incidents").glob("*.yaml"))
    one = run(projects[0], "build", *files, "--format", "md,html", env={"TZ": "America/New_York", "PYTHONHASHSEED": "1"})
    two = run(projects[1], "build", *reversed(files), "--format", "md,html", "--jobs", "1",
              env={"TZ": "Asia/Kolkata", "PYTHONHASHSEED": "987"})
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    built = tree(projects[0] / "output")
    assert len(files) >= 5 and {f"{Path(name).stem}.{ext}" for name in files for ext in ("md", "html")} <= set(built)
    assert {"index.html", "history.atom", "sitemap.xml", "api/v2/incidents.json"} <= set(built), sorted(built)
    assert built == tree(projects[1] / "output")


def test_a_failed_build_leaves_the_previous_output_byte_identical(tmp_path: Path) -> None:
    project = seed_project(tmp_path)
    assert run(project, "build", "--format", "md,html").returncode == 0
    before = tree(project / "output")
    path = project / "incidents" / f"{FIRST}.yaml"
    path.write_text(path.read_text("utf-8").replace("impact: minor", "impact: [minor"), "utf-8")
    (project / "incidents" / f"{SECOND}.yaml").write_text("title: Half an incident\n", "utf-8")
    result = run(project, "build", "--format", "md,html")
    assert result.returncode == 1
    assert f"incidents/{FIRST}.yaml:" in result.stderr and f"incidents/{SECOND}.yaml:" in result.stderr  # every problem, one run
    assert "Traceback" not in result.stderr
    assert tree(project / "output") == before


def test_a_template_error_fails_the_build_without_touching_the_output(tmp_path: Path) -> None:
    project = seed_project(tmp_path, copies=10)
    assert run(project, "build", "--format", "md").returncode == 0
    before = tree(project / "output")
    (project / "broken").mkdir()
    (project / "broken" / "postmortem.md").write_text("# {{ incident.title }\n", "utf-8")
    result = run(project, "build", "--format", "md", "--templates", "broken", "--jobs", "2")
    assert result.returncode == 1
    assert "postmortem.md:1: template error" in result.stderr and "Traceback" not in result.stderr
    assert tree(project / "output") == before


WEASYPRINT_PROBE = textwrap.dedent("""
    import json, sys
    from generator.cli import main
    for args in json.loads(sys.argv[1]):  # each command in turn, in this one interpreter
        try:
            main(args, standalone_mode=False)
        finally:
            print("WEASYPRINT", "weasyprint" in sys.modules, file=sys.stderr)
""")


def probe_weasyprint(project: Path, *commands: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``commands`` one after the other in one real interpreter; after each, stderr says whether WeasyPrint is imported.

    One interpreter for several commands proves as much as one each: an import stays in ``sys.modules``, so a
    command that imported WeasyPrint makes its own line and every later line say True.
    """
    return subprocess.run([sys.executable, "-c", WEASYPRINT_PROBE, json.dumps(commands)], cwd=project, capture_output=True, text=True,
                          timeout=120)


def test_markdown_and_html_never_import_weasyprint(tmp_path: Path) -> None:
    project = seed_project(tmp_path)
    result = probe_weasyprint(project, ["render", f"incidents/{FIRST}.yaml", "-f", "md", "-o", "-"],
                              ["render", f"incidents/{FIRST}.yaml", "-f", "html", "-o", "-"], ["build", "--format", "md,html"])
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("WEASYPRINT")] == ["WEASYPRINT False"] * 3, result.stderr
    assert "Built 2 incidents (2 changed, 0 cached)" in result.stderr


@pytest.mark.shared_pdfs  # the build that fills the cache may take its PDFs from other tests' renders (tests/shared_pdfs.py)
def test_a_build_with_every_pdf_cached_does_not_import_weasyprint(tmp_path: Path) -> None:
    project = seed_project(tmp_path)
    assert run(project, "build").returncode == 0
    result = probe_weasyprint(project, ["build"], ["build", "--format", "pdf"],  # a PDF-only build of cached PDFs too
                              ["render", f"incidents/{FIRST}.yaml", "-f", "pdf", "-o", "control.pdf"])  # the control
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("WEASYPRINT")]
    assert lines == ["WEASYPRINT False", "WEASYPRINT False", "WEASYPRINT True"], result.stderr  # the probe does see a real import
    assert result.stderr.count("(0 changed, 2 cached)") == 2, result.stderr
    assert (project / "control.pdf").read_bytes().startswith(b"%PDF-")


def test_quiet_prints_nothing_and_ci_gets_plain_lines_and_a_summary(tmp_path: Path) -> None:
    project = seed_project(tmp_path)
    quiet = run(project, "build", "--format", "md", "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""
    loud = run(project, "build", "--format", "md", "--force")
    lines = loud.stderr.splitlines()
    assert "\x1b[" not in loud.stderr  # no terminal control codes in CI logs
    assert lines[:2] == ["Loading: 2", "Rendering: 2"]  # every file is validated before any is rendered
    assert lines[-1].startswith("Built 2 incidents (2 changed, 0 cached) in ")


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    result = run(seed_project(tmp_path), "build", "--jobs", "0")
    assert result.returncode == 2 and "--jobs" in result.stderr


def test_the_library_build_works_without_a_cache(tmp_path: Path) -> None:
    sources = [INCIDENTS / f"{incident_id}.yaml" for incident_id in SEED_IDS]
    result = build(sources, BuildOptions(config=SiteConfig(), out_dir=tmp_path / "out", formats=("md",)))
    assert result.changed == 2 and sorted(result.files) == [f"{incident_id}.md" for incident_id in SEED_IDS]
    assert (tmp_path / "out" / f"{FIRST}.md").read_text("utf-8").startswith("# Issue with Campaign Reports")
    assert not (tmp_path / ".postmortem-cache").exists()


def test_the_cache_finds_the_same_builtin_templates_as_jinja() -> None:
    from generator.builder.cache import builtin_templates
    from generator.render.environment import builtin_templates as jinja_builtin_templates

    assert builtin_templates() == jinja_builtin_templates()


@pytest.mark.parametrize("template", ["# {{ no_such_value }}\n", "# {% if %}\n"], ids=["fails-when-run", "does-not-compile"])
def test_input_errors_are_reported_before_any_template_runs(tmp_path: Path, template: str) -> None:
    """A broken incident and a broken template override: the input error is what the build reports (all of them, exit 1)."""
    project = seed_project(tmp_path, copies=8)  # enough files for the worker pools
    (project / "templates").mkdir()
    (project / "templates" / "postmortem.md").write_text(template, "utf-8")
    broken = project / "incidents" / f"{FIRST}-copy-04.yaml"
    broken.write_text(broken.read_text("utf-8").replace("\nimpact: minor", "\nimpact: huge", 1), "utf-8")
    result = run(project, "build", "--format", "md,html", "--templates", "templates", "--jobs", "2")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{FIRST}-copy-04.yaml" in result.stderr and ": error: impact: 'huge' is not allowed" in result.stderr, result.stderr
    assert "template error" not in result.stderr, result.stderr
    assert not (project / "output").exists()
    broken.write_text(broken.read_text("utf-8").replace("\nimpact: huge", "\nimpact: minor", 1), "utf-8")  # the control: the template does fail
    fixed = run(project, "build", "--format", "md,html", "--templates", "templates", "--jobs", "2")
    assert fixed.returncode == 1 and "template error" in fixed.stderr and "impact" not in fixed.stderr, fixed.stderr


class _LostTasksPool:
    """A PDF pool whose tasks never return (a hung worker), or whose worker died (``lost``)."""

    submitted = 0
    stopped: ClassVar[list[bool]] = []  # cancel_futures of each shutdown
    lost = False

    class _Never:
        def result(self, timeout: float | None = None) -> object:
            from generator.builder.recycling import PoolStalled, WorkerLost

            assert timeout is not None, "an unbounded wait on the PDF pool can hang the build forever"
            if _LostTasksPool.lost:
                raise WorkerLost("a worker process ended with signal 11 (SIGSEGV)")
            raise PoolStalled

    def submit(self, *_args: object) -> object:
        _LostTasksPool.submitted += 1
        return self._Never()

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        _LostTasksPool.stopped.append(cancel_futures)


def test_a_pdf_pool_that_lost_its_tasks_does_not_hang_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seen once in a 1,000-incident build: a result lost with its worker, and the build waited forever."""
    from generator.builder import workers

    monkeypatch.setattr(workers, "pdf_pool", lambda _workers, *_start: _LostTasksPool())
    monkeypatch.setattr(_LostTasksPool, "submitted", 0)
    monkeypatch.setattr(_LostTasksPool, "stopped", [])
    project = seed_project(tmp_path / "p", copies=2)
    options = BuildOptions(config=SiteConfig(), out_dir=project / "output", formats=("pdf",), cache_dir=None, jobs=2)
    result = build(sorted((project / "incidents").glob("*.yaml")), options)
    assert _LostTasksPool.submitted == 4
    assert _LostTasksPool.stopped[0] is True  # the stalled pool is stopped at once, so nothing is rendered twice
    assert sorted(p.name for p in (project / "output").glob("*.pdf")) == sorted(p.stem + ".pdf" for p in (project / "incidents").glob("*.yaml"))
    assert all(p.read_bytes().startswith(b"%PDF-") for p in (project / "output").glob("*.pdf"))
    assert any(notice.startswith("the PDF pool returned nothing for") for notice in result.notices), result.notices


def test_an_incident_whose_pdf_kills_the_renderer_twice_fails_the_build_with_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering it in the build's own process would kill the build: the file is named, nothing is published."""
    from generator.builder import workers
    from generator.errors import InputError

    monkeypatch.setattr(workers, "pdf_pool", lambda _workers, *_start: _LostTasksPool())
    monkeypatch.setattr(_LostTasksPool, "lost", True)
    project = seed_project(tmp_path / "p", copies=2)
    (project / "output").mkdir()
    (project / "output" / "before.txt").write_text("the previous site", "utf-8")
    options = BuildOptions(config=SiteConfig(), out_dir=project / "output", formats=("pdf",), cache_dir=None, jobs=2)
    sources = sorted((project / "incidents").glob("*.yaml"))
    with pytest.raises(InputError) as failed:
        build(sources, options)
    [problem] = failed.value.diagnostics
    assert problem.path == str(sources[0]) and (problem.line, problem.column) == (1, 1)
    assert "could not be rendered: a worker process ended with signal 11 (SIGSEGV)" in problem.message
    assert sorted(p.name for p in (project / "output").iterdir()) == ["before.txt"]
