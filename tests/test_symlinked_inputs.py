"""An incident or logo that is a symlink leading out of the project is refused, never read (through the real command).

Git stores symlinks, so a pull request can add ``incidents/x.yaml -> /home/runner/.config/gh/hosts.yml``.
Read like any file, its values came back in error messages in a public CI log, and a YAML file
elsewhere on the machine that happens to be a valid incident (another checkout's internal
postmortem) was built into the public site.  A symlink that stays inside the project still works.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import INCIDENTS, SEED_IDS, run_checked

SEED = SEED_IDS[0]
CANARY = "gho_CANARY7f3a0000notForTheLog"
PRIVATE_TITLE = "CANARY private outage of another checkout"
REFUSAL = "a symlink leading outside the project folder: not read"


run = run_checked  # postmortem ARGS in a folder, never ending in a traceback


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    """A CI machine: the project checkout, a YAML-shaped secret and another project's internal incident beside it."""
    project = tmp_path / "work" / "project"
    (project / "incidents").mkdir(parents=True)
    shutil.copy(INCIDENTS / f"{SEED}.yaml", project / "incidents")
    (project / "postmortem.yaml").write_text("company: Dotdigital\n", "utf-8")
    secret = tmp_path / "home" / ".config" / "gh" / "hosts.yml"
    secret.parent.mkdir(parents=True)
    secret.write_text(f"github.com:\n  user: octocat\nstatus: {CANARY}\nzone: {CANARY}\n", "utf-8")
    private = tmp_path / "work" / "private" / "incidents" / "secret-outage.yaml"
    private.parent.mkdir(parents=True)
    text = (INCIDENTS / f"{SEED}.yaml").read_text("utf-8")
    private.write_text(text.replace(text.split("title:", 1)[1].split("\n", 1)[0], f" {PRIVATE_TITLE}", 1), "utf-8")
    return tmp_path


def test_validate_refuses_an_incident_symlinked_outside_the_project(machine: Path) -> None:
    project = machine / "work" / "project"
    (project / "incidents" / "hosts.yaml").symlink_to(machine / "home" / ".config" / "gh" / "hosts.yml")
    result = run(project, "validate")
    assert result.returncode == 1
    assert CANARY not in result.stderr  # before the fix: "status: 'gho_CANARY…' is not allowed" in the CI log
    assert "github.com" not in result.stderr  # nor its keys
    lines = [line for line in result.stderr.splitlines() if "hosts.yaml" in line]
    assert len(lines) == 1 and lines[0].endswith(f"incidents/hosts.yaml:1:1: error: {lines[0].split(': error: ')[1]}")
    assert REFUSAL in lines[0]
    as_json = run(project, "validate", "--format", "json")
    assert as_json.returncode == 1 and CANARY not in as_json.stdout and REFUSAL in as_json.stdout
    named = run(project, "validate", "incidents/hosts.yaml")  # named on the command line by its path in the project: the same
    assert named.returncode == 1 and CANARY not in named.stderr and REFUSAL in named.stderr
    folder = run(project, "validate", "incidents")
    assert folder.returncode == 1 and CANARY not in folder.stderr and REFUSAL in folder.stderr


def test_build_never_publishes_another_checkouts_incident(machine: Path) -> None:
    project = machine / "work" / "project"
    (project / "incidents" / "outage.yaml").symlink_to(machine / "work" / "private" / "incidents" / "secret-outage.yaml")
    result = run(project, "build", "--format", "md,html")
    assert result.returncode == 1, "the private incident was built into the public site"
    assert not (project / "output").exists()
    assert PRIVATE_TITLE not in result.stderr
    assert [line for line in result.stderr.splitlines() if "outage.yaml" in line] == [
        f"{project / 'incidents' / 'outage.yaml'}:1:1: error: {refusal_message()}"]
    render = run(project, "render", "incidents/outage.yaml", "-f", "md", "-o", "-")
    assert render.returncode == 1 and PRIVATE_TITLE not in render.stdout + render.stderr and REFUSAL in render.stderr


def test_a_symlinked_incidents_folder_leading_out_is_refused_too(machine: Path) -> None:
    project = machine / "work" / "project"
    shutil.rmtree(project / "incidents")
    (project / "incidents").symlink_to(machine / "home" / ".config" / "gh")  # the whole folder replaced in a pull request
    result = run(project, "validate")
    assert result.returncode == 1 and CANARY not in result.stderr and REFUSAL in result.stderr


def test_symlinks_inside_the_project_and_files_named_outside_it_are_read(machine: Path) -> None:
    project = machine / "work" / "project"
    (project / "archive").mkdir()
    shutil.move(project / "incidents" / f"{SEED}.yaml", project / "archive" / f"{SEED}.yaml")
    (project / "incidents" / f"{SEED}.yaml").symlink_to(Path("..") / "archive" / f"{SEED}.yaml")  # a rename or a move
    assert run(project, "validate").returncode == 0
    build = run(project, "build", "--format", "md")
    assert build.returncode == 0 and (project / "output" / f"{SEED}.md").is_file()
    private = machine / "work" / "private" / "incidents" / "secret-outage.yaml"
    named = run(project, "render", str(private), "-f", "md", "-o", "-")  # a file named outside the project: the user's own choice
    assert named.returncode == 0 and PRIVATE_TITLE in named.stdout
    link = machine / "elsewhere.yaml"
    link.symlink_to(private)
    assert run(project, "validate", str(link)).returncode == 0


def test_an_incidents_folder_configured_outside_the_project_may_hold_its_own_symlinks(machine: Path) -> None:
    project = machine / "work" / "project"
    shared = machine / "work" / "private" / "incidents"
    (shared / "renamed.yaml").symlink_to("secret-outage.yaml")
    (shared / "leak.yaml").symlink_to(machine / "home" / ".config" / "gh" / "hosts.yml")
    (project / "postmortem.yaml").write_text(f"company: Dotdigital\nincidents_dir: {os.path.relpath(shared, project)}\n", "utf-8")
    result = run(project, "validate")
    assert result.returncode == 1 and CANARY not in result.stderr
    assert [line for line in result.stderr.splitlines() if ": error: " in line] == [
        f"{project / os.path.relpath(shared, project) / 'leak.yaml'}:1:1: error: {refusal_message()}"]


def refusal_message() -> str:
    from generator.load.sources import OUTSIDE_PROJECT

    return OUTSIDE_PROJECT


def test_every_command_that_reads_the_incidents_folder_refuses_it(machine: Path) -> None:
    """``report``, ``export statuspage``, ``update`` and the preview: the same refusal, nothing of the file quoted."""
    project = machine / "work" / "project"
    (project / "incidents" / "outage.yaml").symlink_to(machine / "work" / "private" / "incidents" / "secret-outage.yaml")
    for args in (("report", "-f", "md", "-o", "-"), ("export", "statuspage", "-o", "-"),
                 ("update", "outage", "--status", "resolved", "Fixed.")):
        result = run(project, *args)
        assert result.returncode == 1, args
        assert PRIVATE_TITLE not in result.stdout + result.stderr and REFUSAL in result.stderr, args
    assert "update:" not in (machine / "work" / "private" / "incidents" / "secret-outage.yaml").read_text("utf-8")

    from generator.preview.state import PreviewState

    state = PreviewState(project / "postmortem.yaml")
    snapshot = state.reload()
    assert [d.message for d in snapshot.diagnostics if d.path.endswith("outage.yaml")] == [refusal_message()]
    assert all(item.incident.title != PRIVATE_TITLE for item in snapshot.incidents.values())


def test_an_import_source_symlinked_outside_the_project_is_refused(machine: Path) -> None:
    project = machine / "work" / "project"
    secret = machine / "home" / "credentials.json"
    secret.write_text(f'{{"incidents": [{{"id": "{CANARY}", "name": 5}}]}}\n', "utf-8")
    (project / "exports").mkdir()
    (project / "exports" / "incidents.json").symlink_to(secret)
    result = run(project, "import", "statuspage", "exports/incidents.json", "--dry-run")
    assert result.returncode == 1 and CANARY not in result.stderr
    assert result.stderr.splitlines()[0] == f"exports/incidents.json:1:1: error: {refusal_message()}"
    assert run(project, "import", "statuspage", str(secret), "--dry-run").returncode == 1  # named by its own path: read (and invalid)


def test_a_logo_symlinked_outside_the_project_is_refused(machine: Path) -> None:
    """Before, ``logo: brand.png -> /home/runner/<any PNG or JPEG>`` was embedded in every public page and PDF."""
    import base64

    project = machine / "work" / "project"
    picture = b"\x89PNG\r\n\x1a\n" + CANARY.encode() * 3  # recognised by its bytes alone
    (machine / "home" / "screenshot.png").write_bytes(picture)
    (project / "brand.png").symlink_to(machine / "home" / "screenshot.png")
    (project / "postmortem.yaml").write_text("company: Dotdigital\nlogo: brand.png\n", "utf-8")
    result = run(project, "build", "--format", "html")
    assert result.returncode == 1, "the file outside the project was embedded in the public site"
    assert not (project / "output").exists()
    assert result.stderr.splitlines()[0].startswith("postmortem.yaml:2:7: error: logo 'brand.png' is a symlink leading outside the project folder")
    assert CANARY not in result.stderr and base64.b64encode(picture).decode()[:40] not in result.stderr
    (project / "assets").mkdir()
    (machine / "home" / "screenshot.png").rename(project / "assets" / "logo.png")
    (project / "brand.png").unlink()
    (project / "brand.png").symlink_to(Path("assets") / "logo.png")  # a symlink within the project is read
    built = run(project, "build", "--format", "html")
    assert built.returncode == 0, built.stderr
    assert base64.b64encode(picture).decode() in (project / "output" / f"{SEED}.html").read_text("utf-8")


def test_a_config_that_leads_out_of_the_working_folder_is_refused_one_named_outside_it_is_read(machine: Path) -> None:
    project = machine / "work" / "project"
    (project / "postmortem.yaml").unlink()
    (project / "postmortem.yaml").symlink_to(machine / "home" / ".config" / "gh" / "hosts.yml")
    result = run(project, "validate")
    assert result.returncode == 1 and CANARY not in result.stderr
    assert result.stderr.splitlines()[0] == f"postmortem.yaml:1:1: error: {refusal_message()}"
    named = run(project, "validate", "--config", "postmortem.yaml")  # named by its path in the working folder: the same
    assert named.returncode == 1 and CANARY not in named.stderr and REFUSAL in named.stderr
    elsewhere = run(project, "validate", "--config", str(machine / "home" / ".config" / "gh" / "hosts.yml"))  # the user's choice
    assert elsewhere.returncode == 1 and CANARY in elsewhere.stderr


def test_the_scan_lists_what_rglob_listed_and_checks_symlinks_at_any_depth(tmp_path: Path) -> None:
    """In-process: the walk finds the files ``Path.rglob`` found (FIFOs and broken symlinks too, no symlinked folder)."""
    from generator.load.sources import collect_sources, find_incident_files

    project, outside = tmp_path / "project", tmp_path / "outside"
    (project / "incidents" / "sub" / "deep").mkdir(parents=True)
    (project / "other").mkdir()
    outside.mkdir()
    (outside / "secret.yaml").write_text("x: 1\n", "utf-8")
    (project / "moved.yaml").write_text("x: 1\n", "utf-8")
    (project / "other" / "hidden.yaml").write_text("x: 1\n", "utf-8")
    incidents = project / "incidents"
    (incidents / "a.yaml").write_text("x: 1\n", "utf-8")
    (incidents / "notes.txt").write_text("x\n", "utf-8")
    (incidents / "sub" / "b.yml").write_text("x: 1\n", "utf-8")
    (incidents / "sub" / "deep" / "c.yaml").symlink_to(Path("..") / ".." / ".." / "moved.yaml")  # inside the project
    (incidents / "sub" / "leak.yaml").symlink_to(outside / "secret.yaml")
    (incidents / "sub" / "deep" / "broken.yaml").symlink_to(tmp_path / "nowhere.yaml")  # outside, and missing
    (incidents / "dangling.yaml").symlink_to("gone.yaml")  # inside, missing: read, and an error there
    (incidents / "linked-folder").symlink_to(project / "other")
    (incidents / "folder.yaml").mkdir()
    os.mkfifo(incidents / "fifo.yaml")
    before = sorted(p for p in incidents.rglob("*") if p.suffix in {".yaml", ".yml"} and not p.is_dir())
    assert find_incident_files(incidents) == before
    files, refused = collect_sources([], incidents, project)
    assert [p.relative_to(incidents).as_posix() for p in files] == ["a.yaml", "dangling.yaml", "fifo.yaml", "sub/b.yml", "sub/deep/c.yaml"]
    assert [Path(d.path).relative_to(incidents).as_posix() for d in refused] == ["sub/deep/broken.yaml", "sub/leak.yaml"]
    assert collect_sources([incidents / "sub"], incidents, project).refused == refused  # a folder named on the command line
    assert collect_sources([], outside, project).files == [outside / "secret.yaml"]  # a folder named outside: its own tree


def test_new_never_writes_through_an_incidents_folder_leading_out(machine: Path) -> None:
    project = machine / "work" / "project"
    shutil.rmtree(project / "incidents")
    elsewhere = machine / "home" / "planted"
    elsewhere.mkdir()
    (project / "incidents").symlink_to(elsewhere, target_is_directory=True)
    result = run(project, "new", "Checkout errors")
    assert result.returncode == 1 and "symlink leading outside the project folder" in result.stderr
    assert list(elsewhere.iterdir()) == []  # before: the new incident was written into ~/planted
    named = run(project, "new", "Checkout errors", "--dir", str(elsewhere))  # named by its own path: the user's choice
    assert named.returncode == 0, named.stderr
    assert len(list(elsewhere.iterdir())) == 1


def test_import_never_reads_a_link_in_its_folder_that_leads_out_of_it(machine: Path) -> None:
    """Earlier imports are found by the provenance line in each file's head: a link leading out is not read for it."""
    from generator.migrate.import_files import existing_files

    project = machine / "work" / "project"
    outside = machine / "home" / "notes.yaml"
    outside.write_text("# statuspage: page=p1 incident=planted\ntitle: x\n", "utf-8")
    (project / "incidents" / "planted.yaml").symlink_to(outside)
    (project / "incidents" / "earlier.yaml").write_text("# statuspage: page=p1 incident=mine\ntitle: y\n", "utf-8")
    by_source, stems = existing_files(project / "incidents")
    assert by_source == {"mine": project / "incidents" / "earlier.yaml"}  # before: "planted" led to the link
    assert "planted" in stems  # its name is still taken: no import writes a file of that name beside it
