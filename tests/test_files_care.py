"""Files and folders are handled with care, and nothing withdrawn stays published (through the real command).

Inputs: the size cap is checked before reading (sparse files, devices, FIFOs).
``render -o``: writes into FIFOs, devices and symlink targets, never replaces them.
``build``: keeps the output folder's and files' permissions, never takes the
project (or an ancestor of it) as its output folder, follows a symlinked output
folder, never overwrites or removes the user's files, symlinks or empty folders,
and leaves nothing but the output folder where it may be published.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
from pathlib import Path

import pytest

from tests.conftest import INCIDENTS, SEED_IDS, run_checked

SEED = SEED_IDS[0]


run = run_checked  # postmortem ARGS in a folder, never ending in a traceback


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    (folder / "incidents").mkdir(parents=True)
    for incident_id in SEED_IDS:
        shutil.copy(INCIDENTS / f"{incident_id}.yaml", folder / "incidents")
    (folder / "postmortem.yaml").write_text("company: Dotdigital\n", "utf-8")
    return folder


def everything(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


# --- Inputs: the cap before the read -----------------------------------------------------------

def test_oversized_devices_and_fifos_are_refused_before_reading(project: Path) -> None:
    sparse = project / "incidents" / "huge.yaml"
    with open(sparse, "wb") as stream:
        stream.truncate(3_000_000_000)  # sparse: costs nothing on disk, 3 GB to read
    os.mkfifo(project / "incidents" / "fifo.yaml")  # reading would wait forever for a writer
    result = run(project, "validate")
    assert result.returncode == 1
    assert "incidents/huge.yaml:1:1: error: file is 3,000,000,000 bytes; the limit is 1,000,000" in result.stderr
    assert "incidents/fifo.yaml:1:1: error: not a regular file (a FIFO)" in result.stderr
    build = run(project, "build", "--format", "md")
    assert build.returncode == 1 and "huge.yaml:1:1" in build.stderr and "fifo.yaml:1:1" in build.stderr
    explicit = run(project, "validate", "incidents/fifo.yaml")
    assert explicit.returncode == 1 and "incidents/fifo.yaml:1:1: error: not a regular file (a FIFO)" in explicit.stderr
    zero = run(project, "validate", "/dev/zero")
    assert zero.returncode == 1 and "/dev/zero:1:1: error: not a regular file (a device)" in zero.stderr


# --- render -o -----------------------------------------------------------------------------------

def test_render_writes_into_a_fifo_and_keeps_it(project: Path) -> None:
    fifo = project / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run(project, "render", f"incidents/{SEED}.yaml", "-f", "md", "-o", str(fifo))
    reader.join(timeout=60)
    assert result.returncode == 0, result.stderr
    assert received and received[0].startswith(b"# Issue with Campaign Reports")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_render_writes_into_a_device_and_keeps_it(project: Path) -> None:
    device = project / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the same device as /dev/null
    result = run(project, "render", f"incidents/{SEED}.yaml", "-f", "md", "-o", str(device))
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_render_follows_a_symlink_and_refuses_folders_and_its_own_inputs(project: Path) -> None:
    (project / "reports").mkdir()
    (project / "reports" / "post.md").write_text("old")
    os.chmod(project / "reports" / "post.md", 0o600)
    (project / "latest.md").symlink_to("reports/post.md")
    result = run(project, "render", f"incidents/{SEED}.yaml", "-f", "md", "-o", "latest.md")
    assert result.returncode == 0, result.stderr
    assert (project / "latest.md").is_symlink() and (project / "reports" / "post.md").read_text().startswith("# Issue with")
    assert stat.S_IMODE((project / "reports" / "post.md").stat().st_mode) == 0o600
    folder = run(project, "render", f"incidents/{SEED}.yaml", "-f", "md", "-o", "reports")
    assert folder.returncode == 1 and "it is a folder" in folder.stderr
    before = (project / "incidents" / f"{SEED}.yaml").read_bytes()
    own = run(project, "render", f"incidents/{SEED}.yaml", "-f", "md", "-o", f"incidents/{SEED}.yaml")
    assert own.returncode == 1 and "it is an input" in own.stderr
    assert (project / "incidents" / f"{SEED}.yaml").read_bytes() == before


# --- build: permissions, the guard, symlinks, the user's entries ----------------------------------

def change_title(project: Path, title: str) -> None:
    path = project / "incidents" / f"{SEED}.yaml"
    text = path.read_text("utf-8")
    start = text.index("title: ")
    end = text.index("\n", start)
    path.write_text(text[:start] + f"title: {title}" + text[end:], "utf-8")


def test_permissions_of_the_output_folder_and_files_are_kept(project: Path) -> None:
    assert run(project, "build", "--format", "md,html").returncode == 0
    os.chmod(project / "output", 0o700)
    os.chmod(project / "output" / "incidents", 0o750)
    os.chmod(project / "output" / f"{SEED}.md", 0o600)
    for title in ("Second title", "Third title"):  # the fresh-tree path, then the spare path
        change_title(project, title)
        assert run(project, "build", "--format", "md,html").returncode == 0
        assert title in (project / "output" / f"{SEED}.md").read_text("utf-8")
        assert stat.S_IMODE((project / "output").stat().st_mode) == 0o700
        assert stat.S_IMODE((project / "output" / "incidents").stat().st_mode) == 0o750
        assert stat.S_IMODE((project / "output" / f"{SEED}.md").stat().st_mode) == 0o600


def test_a_tool_file_replaced_by_a_symlink_is_written_back_with_ordinary_bits(project: Path, tmp_path: Path) -> None:
    """The bits kept from a predecessor were a symlink's 777: a published page became world-writable (attack pass)."""
    assert run(project, "build", "--format", "md,html").returncode == 0
    page = project / "output" / "index.html"
    page.unlink()
    page.symlink_to(tmp_path / "elsewhere.html")
    (tmp_path / "elsewhere.html").write_text("not ours", "utf-8")
    assert run(project, "build", "--format", "md,html").returncode == 0
    assert page.is_file() and not page.is_symlink() and stat.S_IMODE(page.stat().st_mode) & 0o022 == 0
    assert (tmp_path / "elsewhere.html").read_text("utf-8") == "not ours"


def test_the_output_folder_is_never_the_project_or_an_ancestor_whatever_the_working_folder(project: Path, tmp_path: Path) -> None:
    (project / "sub").mkdir()
    before = everything(tmp_path)
    for cwd, output in ((project / "sub", ".."), (project / "sub", str(project)), (tmp_path, str(project)), (tmp_path, str(tmp_path)),
                        (project / "sub", "/"), (project / "sub", str(project / "incidents"))):
        result = run(cwd, "build", "--config", str(project / "postmortem.yaml"), "--format", "md", "-o", output)
        assert result.returncode == 1 and "refusing to use" in result.stderr, (cwd, output, result.stderr)
    assert everything(tmp_path) == before


def test_a_symlinked_output_folder_is_followed_not_replaced(project: Path, tmp_path: Path) -> None:
    (tmp_path / "real-output").mkdir()
    (project / "output").symlink_to(tmp_path / "real-output", target_is_directory=True)
    for title in ("First", "Second", "Third"):
        change_title(project, title)
        assert run(project, "build", "--format", "md,html").returncode == 0
        assert (project / "output").is_symlink()
        assert title in (tmp_path / "real-output" / f"{SEED}.md").read_text("utf-8")


def test_user_files_symlinks_and_empty_folders_are_kept_and_a_clash_is_an_error(project: Path) -> None:
    assert run(project, "build", "--format", "md,html").returncode == 0
    output = project / "output"
    (output / "notes.html").write_text("the user's own page")
    (output / "empty").mkdir()
    (output / "incidents" / "empty-too").mkdir()
    (output / "feed.xml").symlink_to("history.atom")
    (output / "elsewhere").symlink_to("/nonexistent/target")
    for title in ("Second", "Third"):
        change_title(project, title)
        assert run(project, "build", "--format", "md,html").returncode == 0
        assert (output / "notes.html").read_text() == "the user's own page"
        assert (output / "empty").is_dir() and (output / "incidents" / "empty-too").is_dir()
        assert os.readlink(output / "feed.xml") == "history.atom" and os.readlink(output / "elsewhere") == "/nonexistent/target"

    before = everything(output)
    shutil.copy(project / "incidents" / f"{SEED}.yaml", project / "incidents" / "notes.yaml")  # its post would be notes.html
    result = run(project, "build", "--format", "md,html")
    assert result.returncode == 1
    assert "refusing to replace what no build wrote" in result.stderr and "notes.html" in result.stderr
    assert everything(output) == before


def test_nothing_but_the_output_folder_is_published(project: Path, tmp_path: Path) -> None:
    """``-o site/status`` with ``site/`` deployed: no spare, lock or manifest; a withdrawn incident is gone everywhere."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the rest of the site")
    for title in ("Public first", "Public second", "Public third"):
        change_title(project, title)
        assert run(project, "build", "--format", "md,html", "-o", str(site / "status")).returncode == 0
    assert sorted(p.name for p in site.iterdir()) == ["index.html", "status"]
    assert not list(site.rglob(".postmortem*"))
    path = project / "incidents" / f"{SEED}.yaml"
    path.write_text(path.read_text("utf-8") + "visibility: internal\n", "utf-8")
    assert run(project, "build", "--format", "md,html", "-o", str(site / "status")).returncode == 0
    published = b"".join(p.read_bytes() for p in site.rglob("*") if p.is_file())
    assert b"Public third" not in published and b"Public second" not in published and b"Public first" not in published
    assert sorted(p.name for p in site.iterdir()) == ["index.html", "status"]
    state = project / ".postmortem-state"
    assert stat.S_IMODE(state.stat().st_mode) == 0o700  # the previous tree waits here, private to the user


def test_an_md_html_build_keeps_the_cached_pdfs(project: Path) -> None:
    (project / "incidents" / f"{SEED_IDS[1]}.yaml").unlink()  # one PDF is enough
    assert run(project, "build").returncode == 0
    assert run(project, "build", "--format", "md,html").returncode == 0
    result = run(project, "build")
    assert result.returncode == 0 and "Rendering PDFs" not in result.stderr, result.stderr  # only the site page links differ


# --- The publishing state, in-process ------------------------------------------------------------

def test_the_layout_of_earlier_versions_is_cleaned_up(tmp_path: Path) -> None:
    """Earlier versions kept a spare and a lock beside the output folder and the manifest inside it: all go."""
    from generator.builder.tree import MANIFEST, swap_in_tree

    out = tmp_path / "out"
    out.mkdir()
    (out / "a.md").write_text("old output")
    (out / MANIFEST).write_text('{"files": ["a.md"]}')
    (out / "mine.txt").write_text("the user's")
    (tmp_path / ".out.spare").mkdir()
    (tmp_path / ".out.spare" / "withdrawn.md").write_text("withdrawn")
    (tmp_path / ".out.lock").write_text("")
    swap_in_tree(out, {"b.md": b"new"}, state_dir=tmp_path / "state")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "state"]
    assert everything(out) == {"b.md": b"new", "mine.txt": b"the user's"}
    swap_in_tree(out, {"b.md": b"newer"}, state_dir=tmp_path / "state")  # the record moved to the state folder
    assert everything(out) == {"b.md": b"newer", "mine.txt": b"the user's"}


def test_without_a_state_folder_on_the_same_file_system_nothing_stays_beside_the_output(tmp_path: Path,
                                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.builder import tree

    monkeypatch.setattr(tree, "_same_device", lambda work, out_dir: False)  # e.g. -o on another disk than the project
    for version in (b"1", b"2", b"3"):
        tree.swap_in_tree(tmp_path / "out", {"a.md": version}, state_dir=tmp_path / "state")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "state"]
        assert everything(tmp_path / "out") == {"a.md": version}
        assert not list((tmp_path / "state").glob("*/spare"))  # no tree is kept: it could not be renamed back
