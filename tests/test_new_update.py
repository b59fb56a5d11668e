"""``postmortem new`` and ``postmortem update``: scaffold that validates, exact zone-aware stamps, edits that keep the file."""

from __future__ import annotations

import difflib
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.commands.edit import add_update
from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.ids import slugify
from tests.conftest import INCIDENTS, SEED_IDS, postmortem


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POSTMORTEM_NOW", raising=False)
    (tmp_path / "postmortem.yaml").write_text("company: Dotdigital\nzone: Europe/London\n", "utf-8")
    return tmp_path


def _invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env=env, input=input, catch_exceptions=False)


def test_new_writes_a_scaffold_that_validates(project: Path) -> None:
    result = _invoke("new", "Campaign reports: not loading", env={"POSTMORTEM_NOW": "2021-09-13T15:53:00Z"})
    assert result.exit_code == 0, result.output
    path = project / "incidents" / "2021-09-13-campaign-reports-not-loading.yaml"
    assert result.stdout.strip() == "incidents/2021-09-13-campaign-reports-not-loading.yaml"
    text = path.read_text("utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/incident.schema.json"
    assert "started_at: 2021-09-13T16:53:00+01:00" in text, "now in the site zone, with its summer offset"
    assert "zone: Europe/London" in text
    for key in ("summary:", "root_cause:", "problems:", "mitigation:", "next_steps:", "action_items:", "lessons_learned:",
                "components:", "impact_windows:", "severity:", "internal_notes:", "updates:"):
        assert any(line.startswith(key) for line in text.splitlines()), key
    assert text.count("(internal)") >= 4, "the comments say what stays internal"
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is not None and [d for d in diagnostics if d.severity == "error"] == []
    assert incident.title == "Campaign reports: not loading" and incident.slug == path.stem
    assert _invoke("validate").exit_code == 0


def test_new_at_overrides_date_and_zone(project: Path) -> None:
    result = _invoke("new", "Winter outage", "--at", "2021-12-01T09:00", "--zone", "America/New_York")
    assert result.exit_code == 0, result.output
    text = (project / "incidents" / "2021-12-01-winter-outage.yaml").read_text("utf-8")
    assert "started_at: 2021-12-01T09:00:00-05:00" in text and "zone: America/New_York" in text


def test_new_refuses_to_overwrite(project: Path) -> None:
    env = {"POSTMORTEM_NOW": "2021-09-13T15:53:00Z"}
    assert _invoke("new", "Outage", env=env).exit_code == 0
    path = project / "incidents" / "2021-09-13-outage.yaml"
    path.write_text(path.read_text("utf-8") + "# my notes\n", "utf-8")
    again = _invoke("new", "Outage", env=env)
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert path.read_text("utf-8").endswith("# my notes\n")


@pytest.mark.parametrize(("args", "message"), [
    (("new", "two\nlines"), "single line"),
    (("new", "x", "--at", "yesterday"), "not an ISO 8601 time"),
    (("new", "x", "--at", "2021-03-28T01:30", "--zone", "Europe/London"), "does not exist"),
    (("new", "x", "--at", "2021-10-31T01:30", "--zone", "Europe/London"),
     "2021-10-31T01:30 happens twice in Europe/London: the clocks go back that night; write 2021-10-31T01:30+01:00 "
     "for the first 01:30 (BST) or 2021-10-31T01:30+00:00 for the second (GMT)"),
    (("new", "x", "--zone", "London"), "not an IANA time zone"),
])
def test_new_usage_errors(project: Path, args: tuple[str, ...], message: str) -> None:
    result = _invoke(*args)
    assert result.exit_code == 2 and message in result.stderr
    assert not (project / "incidents").exists()


def test_slugify() -> None:
    assert slugify("Zürich straße: 50% down!") == "zurich-strasse-50-down"
    assert slugify("障害") == "zhang-hai"  # transliterated, not dropped
    assert slugify("!!!") == "incident"
    assert len(slugify("word " * 40)) <= 60


def test_scaffold_title_that_needs_quoting(project: Path) -> None:
    for title in ('"quoted" #1: yes', "no", "- dash", "null"):
        result = _invoke("new", "--at", "2021-09-13T10:00Z", "--", title)
        assert result.exit_code == 0, result.output
        path = project / result.stdout.strip()
        incident, _ = load_incident(path, SiteConfig())
        assert incident is not None and incident.title == title
        path.unlink()


def test_update_stamps_now_in_the_incident_zone_and_keeps_the_file(project: Path) -> None:
    shutil.copytree(INCIDENTS, project / "incidents")
    path = project / "incidents" / f"{SEED_IDS[0]}.yaml"
    original = path.read_text("utf-8")
    result = _invoke("update", SEED_IDS[0], "--status", "monitoring", "Still watching.\n\nSecond *paragraph*.",
                     env={"POSTMORTEM_NOW": "2021-09-13T16:30:00Z"})
    assert result.exit_code == 0, result.output
    edited = path.read_text("utf-8")
    diff = [line for line in difflib.ndiff(original.splitlines(), edited.splitlines()) if line[:1] in "+-"]
    assert [line for line in diff if line.startswith("-")] == ["- status: postmortem"], "only the status line changes"
    assert diff == [
        "- status: postmortem", "+ status: monitoring",
        "+   - status: monitoring", "+     posted_at: 2021-09-13T17:30:00+01:00", "+     body: |",
        "+       Still watching.", "+ ", "+       Second *paragraph*.",
    ]
    # newest first, like the file: after the postmortem, before the 17:20 update
    lines = edited.splitlines()
    assert lines.index("    posted_at: 2021-09-13T17:30:00+01:00") < lines.index("    posted_at: 2021-09-13T17:20:00+01:00")
    assert lines.index("    posted_at: 2021-09-13T17:30:00+01:00") > lines.index("    posted_at: 2021-09-15T13:48:00+01:00")
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is not None and not [d for d in diagnostics if d.severity == "error"]
    assert incident.status == "monitoring" and incident.updates[2].body == "Still watching.\n\nSecond *paragraph*."


@pytest.mark.parametrize("incident_id", SEED_IDS)
def test_round_trip_of_every_seed_only_inserts(incident_id: str) -> None:
    from datetime import datetime

    original = (INCIDENTS / f"{incident_id}.yaml").read_text("utf-8")
    result = add_update(original, "update", datetime.fromisoformat("2030-01-01T00:00:00+00:00"), "x")
    assert result.layout_kept
    removed = [line for line in difflib.ndiff(original.splitlines(), result.text.splitlines()) if line.startswith("- ")]
    assert removed == [], "the `update` status word does not change the incident status"


def test_update_winter_offset_and_at_option(project: Path) -> None:
    assert _invoke("new", "Outage", "--at", "2021-12-01T09:00").exit_code == 0
    path = project / "incidents" / "2021-12-01-outage.yaml"
    for at, status in (("2021-12-01T09:10", "investigating"), ("2021-12-01T10:00:00Z", "identified"), ("2021-12-01T09:30", "update")):
        result = _invoke("update", str(path), "-s", status, f"{status} text", "--at", at)
        assert result.exit_code == 0, result.output
    text = path.read_text("utf-8")
    stamps = [line.strip() for line in text.splitlines() if line.strip().startswith("posted_at:")]
    assert stamps == ["posted_at: 2021-12-01T10:00:00Z".replace("Z", "+00:00"), "posted_at: 2021-12-01T09:30:00+00:00",
                      "posted_at: 2021-12-01T09:10:00+00:00"], "GMT in winter, newest first"
    assert "updates:\n  - status: identified" in text
    assert re.search(r"^status: identified +# investigating \| identified", text, re.MULTILINE), "the comment stays"


def test_update_reads_body_from_stdin(project: Path) -> None:
    assert _invoke("new", "Outage", "--at", "2021-12-01T09:00").exit_code == 0
    result = _invoke("update", "2021-12-01-outage", "-s", "investigating", "-", "--at", "2021-12-01T09:05", input="From stdin\n")
    assert result.exit_code == 0, result.output
    assert "      From stdin\n" in (project / "incidents" / "2021-12-01-outage.yaml").read_text("utf-8")


def test_update_refuses_to_break_the_file(project: Path) -> None:
    assert _invoke("new", "Outage", "--at", "2021-12-01T09:00").exit_code == 0
    path = project / "incidents" / "2021-12-01-outage.yaml"
    before = path.read_text("utf-8")
    early = _invoke("update", str(path), "-s", "investigating", "too early", "--at", "2021-12-01T08:00")
    assert early.exit_code == 1 and "before the incident began" in early.stderr and "was not changed" in early.stderr
    assert path.read_text("utf-8") == before
    path.write_text(before.replace("impact: minor", "impact: huge"), "utf-8")
    broken = _invoke("update", str(path), "-s", "investigating", "text", "--at", "2021-12-01T09:05")
    assert broken.exit_code == 1 and f"{path}:6:9: error: impact" in broken.stderr


@pytest.mark.parametrize(("args", "code", "message"), [
    (("update", "nope", "-s", "monitoring", "x"), 2, "no incident file"),
    (("update", "2021-12-01-outage", "-s", "fixed", "x"), 2, "Invalid value for '-s'"),
    (("update", "2021-12-01-outage", "-s", "monitoring", "  "), 2, "empty"),
    (("update", "2021-12-01-outage", "-s", "monitoring", "x", "--at", "soon"), 2, "not an ISO 8601"),
])
def test_update_usage_errors(project: Path, args: tuple[str, ...], code: int, message: str) -> None:
    assert _invoke("new", "Outage", "--at", "2021-12-01T09:00").exit_code == 0
    result = _invoke(*args)
    assert result.exit_code == code and message in result.stderr, result.output


def test_update_of_unparsable_yaml_is_a_positioned_error(project: Path) -> None:
    path = project / "incidents" / "bad.yaml"
    path.parent.mkdir()
    path.write_text("title: [unclosed\n", "utf-8")
    result = _invoke("update", str(path), "-s", "monitoring", "x")
    assert result.exit_code == 1 and str(path) in result.stderr and "Traceback" not in result.output


def test_real_subprocess_new_and_update(tmp_path: Path) -> None:
    # A bare environment (no zone, no site settings) except for the path to this checkout.
    env = {name: os.environ[name] for name in ("PATH", "PYTHONPATH")} | {"POSTMORTEM_NOW": "2022-04-13T06:35:00Z"}
    created = postmortem("new", "Imports failing", cwd=tmp_path, env=env, timeout=60, real=True)
    assert created.returncode == 0, created.stderr
    path = created.stdout.strip()
    assert path == "incidents/2022-04-13-imports-failing.yaml"
    updated = postmortem("update", path, "-s", "investigating", "Looking.", cwd=tmp_path, env=env, timeout=60, real=True)
    assert updated.returncode == 0, updated.stderr
    assert "posted_at: 2022-04-13T06:35:00Z" in (tmp_path / path).read_text("utf-8"), "site zone defaults to UTC: written as Z"


def test_new_and_import_make_the_same_slug_of_a_cyrillic_title(tmp_path: Path) -> None:
    """One slugifier (python-slugify): `new` transliterates as `import` does, instead of falling back to `incident`."""
    import json

    title = "Сбой оплаты"
    created = postmortem("new", title, "--at", "2024-05-02T09:00Z", cwd=tmp_path, timeout=60)
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "incidents/2024-05-02-sboi-oplaty.yaml"
    export = json.loads((Path(__file__).parent / "fixtures" / "statuspage" / "single-incident.json").read_text("utf-8"))
    (tmp_path / "export.json").write_text(json.dumps({**export, "name": title}), "utf-8")
    imported = postmortem("import", "statuspage", "export.json", "-o", "imported", cwd=tmp_path, timeout=60)
    assert imported.returncode == 0, imported.stderr
    assert [p.name for p in (tmp_path / "imported").iterdir()] == ["2024-05-02-sboi-oplaty.yaml"]
