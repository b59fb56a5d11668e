"""The ``postmortem`` command as a process: exit codes, stdout/stderr, files written.

One real interpreter per command and per error class (render, build, ``python -m generator``, an input error,
a usage error); every other case runs in a forked child of the test process (tests/cli_runner.py), which has
its own pid, folder, streams and exit status but skips the interpreter's start-up.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import INCIDENTS, SEED_IDS, postmortem


def run(*args: str, cwd: Path | None = None, real: bool = False) -> subprocess.CompletedProcess[str]:
    """The command in a forked child; ``real=True``: a new interpreter (once per command and per error class)."""
    return postmortem(*args, cwd=cwd, timeout=120, real=real)


def test_render_markdown_to_stdout_for_pasting() -> None:
    result = run("render", str(INCIDENTS / f"{SEED_IDS[0]}.yaml"), "--format", "md", "-o", "-", real=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Issue with Campaign Reports\n")
    assert "_Posted Sep 15, 2021 - 13:48 BST_" in result.stdout


def test_render_html_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "post.html"
    result = run("render", str(INCIDENTS / f"{SEED_IDS[1]}.yaml"), "-f", "html", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert "Incident Report for Dotdigital" in target.read_text("utf-8")


def test_render_pdf_to_default_output_folder(tmp_path: Path) -> None:
    result = run("render", str(INCIDENTS / f"{SEED_IDS[0]}.yaml"), "-f", "pdf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "output" / f"{SEED_IDS[0]}.pdf").read_bytes().startswith(b"%PDF-")


def test_python_dash_m_works_too() -> None:
    result = subprocess.run([sys.executable, "-m", "generator", "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "postmortem" in result.stdout


def test_build_writes_three_formats_for_every_incident(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    for incident_id in SEED_IDS:
        shutil.copy(INCIDENTS / f"{incident_id}.yaml", tmp_path / "incidents")
    result = run("build", cwd=tmp_path, real=True)  # PDFs included: WeasyPrint imported by a real interpreter
    assert result.returncode == 0, result.stderr
    for incident_id in SEED_IDS:
        for ext in ("md", "html", "pdf"):
            assert (tmp_path / "output" / f"{incident_id}.{ext}").stat().st_size > 0


def test_build_selected_formats_into_a_chosen_folder(tmp_path: Path) -> None:
    result = run("build", str(INCIDENTS / f"{SEED_IDS[0]}.yaml"), "-o", str(tmp_path / "site"), "--format", "md")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / f"{SEED_IDS[0]}.md").exists()
    assert not (tmp_path / "site" / f"{SEED_IDS[0]}.pdf").exists()


def test_validate_valid_files_exits_zero() -> None:
    result = run("validate", *(str(p) for p in sorted(INCIDENTS.glob("*.yaml"))))
    assert result.returncode == 0, result.stderr


def test_validate_reports_every_problem_of_every_file_and_exits_one(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("title: A\nimpact: huge\nstatus: resolved\nsumary: x\n", "utf-8")
    (tmp_path / "b.yaml").write_text("title: B\nimpact: minor\nstatus: resolved\nstarted_at: 2021-09-13 10:00\n", "utf-8")
    result = run("validate", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), real=True)  # the input-error class
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{tmp_path / 'a.yaml'}:2:9: error: impact:") for line in lines), lines
    assert f"{tmp_path / 'a.yaml'}:4:1: error: unknown key `sumary`; did you mean `summary`?" in lines
    assert any(line.startswith(f"{tmp_path / 'b.yaml'}:4:13: error: started_at:") and "no UTC offset" in line for line in lines)
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_two() -> None:
    assert run("render", str(INCIDENTS / f"{SEED_IDS[0]}.yaml"), "--format", "docx", real=True).returncode == 2  # the usage-error class
    assert run("build", "--format", "md,docx").returncode == 2
    assert run("no-such-command").returncode == 2
    assert run("render", str(INCIDENTS / f"{SEED_IDS[0]}.yaml"), "-f", "html", "--internal").returncode == 2


def test_missing_file_is_a_clean_error(tmp_path: Path) -> None:
    result = run("render", str(tmp_path / "nope.yaml"), "-f", "md", "-o", "-")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{tmp_path / 'nope.yaml'}:1:1: error: cannot read file")
    assert "Traceback" not in result.stderr


def test_an_overridden_updates_partial_reaches_the_post_and_the_site_page(tmp_path: Path) -> None:
    """The post and the site page share one rendering of ``partials/updates.html``; an override still reaches both."""
    templates = tmp_path / "templates"
    (templates / "partials").mkdir(parents=True)
    (templates / "partials" / "updates.html").write_text(
        '<p class="mine">{{ updates|length }} updates</p>\n{% include "builtin/partials/updates.html" %}', "utf-8")
    (tmp_path / "incidents").mkdir()
    shutil.copy(INCIDENTS / f"{SEED_IDS[0]}.yaml", tmp_path / "incidents")
    result = run("build", "--format", "html", "-q", "--templates", str(templates), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for page in (f"output/{SEED_IDS[0]}.html", f"output/incidents/{SEED_IDS[0]}/index.html"):
        text = (tmp_path / page).read_text("utf-8")
        assert '<p class="mine">3 updates</p>' in text and ">Sep 13, 2021 - 16:53 BST</time>" in text, page


def test_user_template_overrides_and_extends_the_builtin(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "status_post.html").write_text(
        '{% extends "builtin/status_post.html" %}', "utf-8"
    )
    (templates / "postmortem.md").write_text(
        '{% include "builtin/postmortem.md" %}\nCustom footer for {{ incident.title }}\n', "utf-8"
    )
    source = str(INCIDENTS / f"{SEED_IDS[0]}.yaml")
    md = run("render", source, "-f", "md", "-o", "-", "--templates", str(templates))
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Issue with Campaign Reports") and "Custom footer for Issue with Campaign Reports" in md.stdout
    html = run("render", source, "-f", "html", "-o", "-", "--templates", str(templates))
    assert html.returncode == 0 and "Incident Report for Dotdigital" in html.stdout


def test_broken_user_template_is_a_clean_error_with_file_and_line(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "status_post.html").write_text("<p>\n{% if %}\n", "utf-8")
    result = run("render", str(INCIDENTS / f"{SEED_IDS[0]}.yaml"), "-f", "html", "-o", "-", "--templates", str(templates))
    assert result.returncode == 1
    assert "status_post.html:2: template error" in result.stderr
    assert "Traceback" not in result.stderr


def test_undefined_template_variable_is_an_error_not_blank_output(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "status_post.html").write_text("{{ incident.no_such_field }}", "utf-8")
    result = run("render", str(INCIDENTS / f"{SEED_IDS[0]}.yaml"), "-f", "html", "-o", "-", "--templates", str(templates))
    assert result.returncode == 1 and "no_such_field" in result.stderr
