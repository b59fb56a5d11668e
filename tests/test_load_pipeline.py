"""One load pipeline (read → defaults → validate) for every command that turns incident text into a model.

``import`` used to check converted files with its own copy: the default site
config instead of the project's, and the id from the path's stem.  It now
checks them exactly as ``validate`` reads them back.
"""

from __future__ import annotations

from pathlib import Path

from generator.migrate.import_files import write_import
from generator.migrate.incident_yaml import dump_body, incident_file
from generator.migrate.statuspage_import import ImportedIncident
from generator.model.catalog import check_incident_text, load_incident
from generator.model.config import SiteConfig

LONDON = SiteConfig(company="Acme Ltd", zone="Europe/London")


def _item(data: dict[str, object]) -> ImportedIncident:
    return ImportedIncident(source_id="abc123", page_id="page1", backfilled=False, day="2024-07-10", slug="api-errors", data=data)


def _converted(**extra: object) -> dict[str, object]:
    return {"title": "API errors", "impact": "minor", "status": "resolved", "started_at": "2024-07-10T09:00:00+00:00",
            "updates": [{"status": "resolved", "posted_at": "2024-07-10T10:00:00+00:00", "body": "Fixed."}], **extra}


def test_text_and_file_give_the_same_incident_and_problems(tmp_path: Path) -> None:
    text = "title: Payments down\nimpact: major\nstatus: resolved\nstarted_at: 2024-07-10T09:00\n"
    path = tmp_path / "2024-07-10-payments-down.yaml"
    path.write_text(text, "utf-8")
    from_text = check_incident_text(text, path, LONDON)
    from_file = load_incident(path, LONDON)
    assert from_text == from_file
    assert any("Europe/London" in d.message or "+01:00" in d.message for d in from_file[1]), [d.format() for d in from_file[1]]


def test_import_checks_each_file_as_validate_reads_it_in_this_project(tmp_path: Path) -> None:
    """A converted incident without a zone: the offset hint in its error is the project's zone's, as `validate` says."""
    bad = _item(_converted(started_at="2024-07-10T09:00"))  # no offset: an error whose hint names the zone
    result = write_import([bad], tmp_path, LONDON)
    assert result.skipped and not result.new
    written = result.skipped[0][0]
    written.write_text(incident_file(dump_body(bad.data), page_id=bad.page_id, incident_id=bad.source_id, backfilled=False), "utf-8")
    _incident, by_validate = load_incident(written, LONDON)
    assert sorted(result.diagnostics) == sorted(by_validate)
    assert any("+01:00" in d.message for d in by_validate), [d.format() for d in by_validate]


def test_imported_incident_takes_the_projects_company_and_zone(tmp_path: Path) -> None:
    result = write_import([_item(_converted())], tmp_path, LONDON)
    assert [p.name for p in result.new] == ["2024-07-10-api-errors.yaml"]
    incident, problems = load_incident(result.new[0], LONDON)
    assert incident is not None and incident.slug == "2024-07-10-api-errors"
    assert (incident.company, incident.zone) == ("Acme Ltd", "Europe/London")
    assert [d for d in problems if d.severity == "error"] == []
