"""Issue 11, "every page right at every moment": the comms flow through the real command, live
incidents without a postmortem, maintenance windows and their calendar, minutes everywhere."""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from generator.cli import main
from generator.i18n import strings
from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.render.postmortem import render_markdown
from generator.render.report import report_html
from generator.render.text_post import render_text
from generator.render.timeline import timeline_svg
from generator.site import render_site
from generator.site.calendar import event_uid
from tests.conftest import load_sample, postmortem
from tests.shared_pdfs import page_texts

MAINTENANCE = "2024-07-10-database-cluster-maintenance"
LONDON = SiteConfig(company="Example Pay", zone="Europe/London", base_url="https://status.example.com/")


def _run(cwd: Path, *args: str, now: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **({"POSTMORTEM_NOW": now} if now else {})}
    result = postmortem(*args, cwd=cwd, timeout=180, env=env)
    assert result.returncode == 0, result.stderr
    return result


def _text_files(folder: Path) -> dict[str, str]:
    """Every output a person or a client reads, as text (PDFs by their extracted text)."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".pdf":
            found[name] = "\n".join(page_texts(path))
        else:
            found[name] = path.read_text("utf-8")
    return found


def _sections(html: str) -> list[str]:
    return re.findall(r'<section class="update update-([a-z_]+)"', html)


def test_comms_flow_new_four_updates_build(tmp_path: Path) -> None:
    """new, then four updates across midnight and the BST→GMT switch (the last one resolved), then build:
    every page, feed and JSON file gives the same start, end and duration, and nothing says "ongoing"."""
    (tmp_path / "postmortem.yaml").write_text(
        "company: Example Pay\nzone: Europe/London\nbase_url: https://status.example.com/\n", "utf-8")
    created = _run(tmp_path, "new", "Card payments failing", "--at", "2023-10-28T22:31")
    path = tmp_path / created.stdout.strip()
    slug = path.stem
    assert slug == "2023-10-28-card-payments-failing"
    text = path.read_text("utf-8")
    text = text.replace("components: []", "components:\n  - name: Card payments\n    group: Payments", 1)
    text = text.replace("summary:  # who was affected, how, and for how long",
                        "summary: Some customers could not pay by card for five hours.", 1)
    path.write_text(text, "utf-8")

    _run(tmp_path, "update", slug, "-s", "investigating", "We are investigating failed card payments.",
         "--component", "Card payments=partial_outage", now="2023-10-28T22:40")
    _run(tmp_path, "update", slug, "-s", "identified", "A certificate rotation shrank the gateway's pool.", now="2023-10-29T00:10")
    # 01:30 happens twice that night: the second one (GMT) is given with its offset.
    monitoring = _run(tmp_path, "update", slug, "-s", "monitoring", "A fix is in place; we are watching payments.",
                      "--component", "Card payments=operational", now="2023-10-29T01:30+00:00")
    assert "mitigated_at set to 2023-10-29T01:30:00+00:00" in monitoring.stderr

    # Live: the page leads with the latest update and has no postmortem section, though the summary is written.
    _run(tmp_path, "build", "--format", "md,html", "-o", "live")
    live = _text_files(tmp_path / "live")
    for name in ("incidents/" + slug + "/index.html", slug + ".html"):
        assert _sections(live[name]) == ["monitoring", "identified", "investigating"], name
        assert "Postmortem" not in live[name] and "could not pay by card" not in live[name], name
    assert "## Postmortem" not in live[slug + ".md"] and "could not pay by card" not in live[slug + ".md"]
    assert "ongoing" in live["index.html"], "a live incident is ongoing"

    resolved = _run(tmp_path, "update", slug, "-s", "resolved", "Card payments are working normally.", now="2023-10-29T02:30")
    assert "resolved_at set to 2023-10-29T02:30:00+00:00" in resolved.stderr
    text = path.read_text("utf-8")
    assert "resolved_at: 2023-10-29T02:30:00+00:00" in text and "mitigated_at: 2023-10-29T01:30:00+00:00" in text
    assert "old_status: partial_outage\n        new_status: operational" in text

    _run(tmp_path, "build")
    files = _text_files(tmp_path / "output")
    said_ongoing = [name for name, content in files.items() if re.search(r"ongoing", content, re.IGNORECASE)]
    assert said_ongoing == []

    site_range = "Oct 28, 2023 - 22:31 BST – Oct 29, 2023 - 02:30 GMT"
    for name in ("index.html", f"incidents/{slug}/index.html", "components/payments-card-payments/index.html"):
        assert site_range in files[name] and "4h 59m" in files[name], name
    page = files[f"incidents/{slug}/index.html"]
    assert _sections(page) == ["postmortem", "resolved", "monitoring", "identified", "investigating"]
    assert "could not pay by card" in page, "resolved: the postmortem sections are public now"
    assert ("| Oct 28, 2023 - 22:31 BST | Oct 29, 2023 - 02:30 GMT | 4h 59m |") in files[f"{slug}.md"]
    post = re.sub(r"<[^>]+>", "", files[f"{slug}.html"])
    assert "Posted Oct 29, 2023 - 01:30 GMT" in post and "Posted Oct 28, 2023 - 22:40 BST" in post
    report = " ".join(files[f"{slug}.pdf"].split())
    assert "Oct 29, 2023 - 02:30 GMT" in report and "4h 59m" in report

    api = json.loads(files["api/v2/incidents.json"])["incidents"][0]
    assert (api["status"], api["started_at"], api["resolved_at"]) == ("resolved", "2023-10-28T21:31:00.000Z", "2023-10-29T02:30:00.000Z")
    assert api["updated_at"] == "2023-10-29T02:30:00.000Z"
    assert json.loads(files["api/v2/summary.json"])["incidents"] == [], "a resolved incident is not unresolved"
    for feed in ("history.atom", "components/payments-card-payments/history.atom"):
        assert "<updated>2023-10-29T02:30:00+00:00</updated>" in files[feed], feed
    assert "<pubDate>" in files["history.rss"]


def test_update_component_and_incident_names_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    env = {"POSTMORTEM_NOW": "2025-10-25T09:00:00Z"}
    created = runner.invoke(main, ["new", "Payments API errors"], env=env)
    assert created.exit_code == 0, created.output
    path = tmp_path / created.stdout.strip()
    path.write_text(path.read_text("utf-8").replace("components: []", "components:\n  - name: API", 1), "utf-8")
    before = path.read_bytes()

    cases = [
        (["update", "payments-api-errors", "-s", "investigating", "x"], "did you mean 2025-10-25-payments-api-errors?"),
        (["update", "payment-api-errors", "-s", "investigating", "x"], "did you mean 2025-10-25-payments-api-errors?"),
        (["update", path.stem, "-s", "investigating", "x", "-c", "API=partial_outge"],
         "unknown status 'partial_outge' (did you mean partial_outage?)"),
        (["update", path.stem, "-s", "investigating", "x", "-c", "Api=partial_outage"], "unknown component 'Api' (did you mean 'API'?)"),
        (["update", path.stem, "-s", "investigating", "x", "-c", "API"], "write NAME=STATUS"),
        (["update", path.stem, "-s", "investigating", "x", "-c", "API=major_outage", "-c", "API=operational"], "given twice"),
    ]
    for args, message in cases:
        result = runner.invoke(main, args, env=env)
        assert result.exit_code == 2 and message in " ".join(result.stderr.split()), (args, result.stderr)
    assert path.read_bytes() == before

    ok = runner.invoke(main, ["update", path.stem, "-s", "identified", "Found it.", "-c", "API=major_outage"], env=env)
    assert ok.exit_code == 0, ok.stderr
    assert "- component: API\n        old_status: operational\n        new_status: major_outage" in path.read_text("utf-8")


def _view(incident: Incident, **changes: object) -> Incident:
    return incident.model_copy(update=changes)


def test_a_resolved_incident_is_never_ongoing_and_a_live_one_has_no_postmortem() -> None:
    seed = load_sample("2021-09-13-campaign-reports")
    # Resolved without `resolved_at`: it ended when the resolved update was posted.
    no_field = _view(seed, resolved_at=None, impact_windows=[])
    resolved_update = max(u.posted_at for u in seed.updates if u.status == "resolved")
    assert no_field.impact_end == resolved_update
    # Resolved with no end anywhere: "not recorded", never "ongoing".
    unknown = _view(seed, resolved_at=None, impact_windows=[], updates=[u for u in seed.updates if u.status != "resolved"])
    assert unknown.impact_end is None
    markdown = render_markdown(unknown, LONDON)
    assert "ongoing" not in markdown and "not recorded" in markdown

    live = _view(seed, status="monitoring")
    for output in (render_markdown(live, LONDON), render_text(live, LONDON)):
        assert "Postmortem" not in output and "Summary of impact" not in output
    published = _view(seed, status="monitoring", postmortem_published=True)
    assert "## Postmortem" in render_markdown(published, LONDON), "the author may publish the sections early"
    held_back = _view(seed, postmortem_published=False)
    assert "Summary of impact" not in render_markdown(held_back, LONDON), "a resolved incident's draft can be held back"
    internal = render_markdown(held_back, LONDON, internal=True)
    assert "Summary of impact" in internal and "## Postmortem _(draft, not published" in internal, "internal reports show the draft"


def _facts(html: str) -> dict[str, str]:
    """The PDF report's facts table, label -> value, as plain text."""
    table = html.split('<table class="facts">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", table, re.S)
    return {re.sub("<[^>]+>", "", th): re.sub("<[^>]+>", "", td).strip() for th, td in rows}


def test_the_end_of_impact_is_named_for_what_it_is_in_every_document() -> None:
    """An attack pass found a live incident whose Markdown and PDF said "Resolved", a resolved one whose picture
    said "ongoing", and a maintenance not yet begun whose PDF said "Resolved" and "Time to first public update: 0s"."""
    seed = load_sample("2021-09-13-campaign-reports")
    # Live, every window has ended, nothing else recorded: impact ended with the last window; nothing is resolved.
    live = _view(seed, status="monitoring", resolved_at=None,
                 updates=[u for u in seed.updates if u.status not in {"resolved", "postmortem"}])
    facts = _facts(report_html(live, LONDON))
    assert facts["Impact ended"] == "Sep 14, 2021 - 18:21 BST" and "Resolved" not in facts
    assert "| Impact ended | Duration |" in render_markdown(live, LONDON)
    # Resolved, with no end anywhere: "not recorded" in the table and the picture, never "ongoing".
    unknown = _view(seed, resolved_at=None, impact_windows=[], started_at=seed.impact_windows[0].start,
                    updates=[u for u in seed.updates if u.status != "resolved"])
    facts = _facts(report_html(unknown, LONDON))
    assert facts["Resolved"] == "not recorded" and "Impact ended" not in facts
    svg = timeline_svg(unknown, strings("en"), "Europe/London")
    assert svg is not None and "ongoing" not in svg and "end not recorded" in svg and "tl-bar-end-unknown" in svg
    still_open = timeline_svg(_view(unknown, status="identified"), strings("en"), "Europe/London")
    assert still_open is not None and "to ongoing" in still_open and "tl-bar-ongoing" in still_open
    assert _facts(report_html(_view(unknown, status="identified"), LONDON))["Impact ended"] == "ongoing"
    # A maintenance is read by its window: announced (not begun), then completed before the window's end.
    maintenance = load_sample(MAINTENANCE, LONDON)
    announced = _view(maintenance, status="scheduled", resolved_at=None, updates=[u for u in maintenance.updates if u.status == "scheduled"])
    facts = _facts(report_html(announced, LONDON))
    assert facts["Scheduled window"] == "Jul 10, 2024 - 22:00 – 23:30 BST"
    assert not {"Resolved", "Completed", "Impact started", "Impact ended", "First public update", "Duration"} & set(facts), facts
    assert facts["Planned duration"] == "1h 30m", "not begun: its window's length is a plan"
    assert "| Scheduled window | Planned duration |" in render_markdown(announced, LONDON)
    assert "Planned duration: 1h 30m" in " ".join(render_text(announced, LONDON).split())
    home = render_site([announced], LONDON)["index.html"].decode()
    assert "Planned duration 1h 30m" in home and "Duration 1h 30m" not in home
    under_way = _view(maintenance, status="in_progress", resolved_at=None,
                      updates=[u for u in maintenance.updates if u.status in {"scheduled", "in_progress"}])
    assert _facts(report_html(under_way, LONDON))["Planned duration"] == "1h 30m", "not over: still a plan"
    facts = _facts(report_html(maintenance, LONDON))
    assert facts["Completed"] == "Jul 10, 2024 - 23:12 BST", "closed when the completed post says, not at the window's end"
    picture = timeline_svg(maintenance, strings("en"), "Europe/London")
    assert picture is not None and "Completed 23:12" in picture and "Resolved" not in picture, "the picture agrees with the facts"
    assert not {"Resolved", "Impact started", "First public update"} & set(facts), facts


def test_maintenance_page_shows_its_window_and_is_measured_by_it() -> None:
    maintenance = load_sample(MAINTENANCE, LONDON)
    files = render_site([maintenance], LONDON)
    page = files[f"incidents/{MAINTENANCE}/index.html"].decode()
    assert "Scheduled Maintenance Report for Example Pay" in page
    assert ('<dt>Scheduled window</dt><dd><time datetime="2024-07-10T21:00:00+00:00">Jul 10, 2024 - 22:00</time> – '
            '<time datetime="2024-07-10T22:30:00+00:00">23:30 BST</time></dd>') in page
    assert "1h 30m" in page and not re.search(r"\b\d+d \d+h", page), "the duration comes from the window, not from the first post"
    assert _sections(page) == ["completed", "verifying", "in_progress", "scheduled"]
    assert ">In progress</h2>" in page and ">Verifying</h2>" in page
    index = files["index.html"].decode()
    assert "Jul 10, 2024 - 22:00 – 23:30 BST" in index and "1h 30m" in index
    markdown = render_markdown(maintenance, LONDON)
    assert "**Scheduled Maintenance Report for Example Pay**" in markdown
    assert "| Maintenance | Completed | Jul 10, 2024 - 22:00 – 23:30 BST | 1h 30m |" in markdown
    assert "Scheduled window: Jul 10, 2024 - 22:00 – 23:30 BST" in render_text(maintenance, LONDON)


def test_a_maintenance_needs_its_window_not_started_at(tmp_path: Path) -> None:
    """A maintenance is measured by its scheduled window: `validate` asked for `started_at` or an impact window."""
    from generator.model.catalog import check_incident_text

    text = ("title: Upgrade\nimpact: maintenance\nstatus: scheduled\nscheduled_for: 2024-11-20T22:00:00Z\n"
            "scheduled_until: 2024-11-21T01:00:00Z\nupdates:\n  - status: scheduled\n    posted_at: 2024-11-15T10:00:00Z\n"
            "    body: We will upgrade the database.\n")
    incident, diagnostics = check_incident_text(text, tmp_path / "upgrade.yaml", LONDON)
    assert incident is not None and [d.message for d in diagnostics if d.severity == "error"] == []
    assert incident.impact_start == datetime(2024, 11, 20, 22, 0, tzinfo=UTC)
    without_window = text.replace("scheduled_for: 2024-11-20T22:00:00Z\n", "")
    _none, diagnostics = check_incident_text(without_window, tmp_path / "upgrade.yaml", LONDON)
    assert [d.message for d in diagnostics if d.severity == "error"] == [
        "a maintenance needs `scheduled_for`: the scheduled window is what its page shows and its duration"]


def test_maintenance_calendar_is_reproducible_with_stable_uids() -> None:
    past = load_sample(MAINTENANCE, LONDON)
    upcoming = past.model_copy(update={
        "id": "2031-01-15-storage-migration", "title": "Storage migration", "status": "scheduled",
        "scheduled_for": datetime(2031, 1, 15, 2, 0, tzinfo=UTC), "scheduled_until": datetime(2031, 1, 15, 4, 0, tzinfo=UTC),
        "resolved_at": None, "updates": past.updates[-1:],
    })
    ordinary = load_sample("2021-09-13-campaign-reports", LONDON)
    first = render_site([upcoming, ordinary, past], LONDON)["maintenance.ics"]
    assert render_site([past, upcoming, ordinary], LONDON)["maintenance.ics"] == first, "input order does not matter"
    assert b"\r\n" in first

    calendar = Calendar.from_ical(first)
    events = calendar.walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Database cluster upgrade", "Storage migration"], "past and upcoming, no incidents"
    past_event = events[0]
    assert past_event.decoded("dtstart") == datetime(2024, 7, 10, 21, 0, tzinfo=UTC)
    assert past_event.decoded("dtend") == datetime(2024, 7, 10, 22, 30, tzinfo=UTC)
    assert str(past_event["uid"]) == f"{MAINTENANCE}@status.example.com" == event_uid(LONDON, MAINTENANCE)
    assert str(past_event["url"]) == f"https://status.example.com/incidents/{MAINTENANCE}/"

    renamed = past.model_copy(update={"title": "Database cluster upgrade (rescheduled)"})
    again = Calendar.from_ical(render_site([renamed], LONDON)["maintenance.ics"]).walk("VEVENT")[0]
    assert str(again["uid"]) == str(past_event["uid"]), "a calendar updates the event instead of adding a second one"
    no_address = SiteConfig(company="Example Pay")
    assert event_uid(no_address, MAINTENANCE) == event_uid(no_address, MAINTENANCE).lower() != event_uid(LONDON, MAINTENANCE)


def test_people_read_minutes_the_exact_instant_stays_in_the_markup() -> None:
    seed = load_sample("2021-09-13-campaign-reports")
    with_seconds = seed.model_copy(update={
        "started_at": datetime(2021, 9, 13, 13, 36, 42, tzinfo=UTC),
        "resolved_at": datetime(2021, 9, 14, 17, 21, 2, tzinfo=UTC),
        "impact_windows": [],
        "updates": [u.model_copy(update={"posted_at": u.posted_at.replace(second=7)}) for u in seed.updates],
        "problems": [p.model_copy(update={"timeline": [e.model_copy(update={"at": e.at.replace(second=31)}) for e in p.timeline]})
                     for p in seed.problems],
    })
    files = render_site([with_seconds], LONDON)
    page = files["incidents/2021-09-13-campaign-reports/index.html"].decode()
    markdown = render_markdown(with_seconds, LONDON)
    for output in (page, markdown, files["index.html"].decode(), render_text(with_seconds, LONDON)):
        shown = re.sub(r'datetime="[^"]*"', "", output)
        assert not re.search(r"\b\d{2}:\d{2}:\d{2}\b", shown), re.search(r".{40}\b\d{2}:\d{2}:\d{2}\b.{10}", shown)
    assert 'datetime="2021-09-13T13:36:42+00:00"' in page
    assert json.loads(files["api/v2/incidents.json"])["incidents"][0]["started_at"] == "2021-09-13T13:36:42.000Z"


def test_the_calendars_name_escapes_the_company_as_text() -> None:
    """X-WR-CALNAME was written raw: a company "Co; X,Y\\" came out unescaped (found by an attack pass)."""
    config = SiteConfig(company="Co; X,Y\\")
    ics = render_site([load_sample(MAINTENANCE, config)], config)["maintenance.ics"]
    assert b"X-WR-CALNAME:Co\\; X\\,Y\\\\ scheduled maintenance\r\n" in ics


def test_resolved_at_on_an_open_incident_is_said_and_never_shown_as_its_end(tmp_path: Path) -> None:
    """An open incident with `resolved_at` had Markdown say "Resolved", the PDF "Impact ended" and its picture a
    Resolved mark beside an ongoing bar; `validate` said nothing (second attack pass)."""
    from generator.model.catalog import check_incident_text

    text = ("title: Open\nimpact: major\nstatus: investigating\nstarted_at: 2024-03-09T10:00:00Z\n"
            "resolved_at: 2024-03-09T12:00:00Z\nupdates:\n  - status: investigating\n    posted_at: 2024-03-09T10:10:00Z\n"
            "    body: Looking.\n")
    incident, diagnostics = check_incident_text(text, tmp_path / "open.yaml", LONDON)
    assert incident is not None
    assert [(d.line, d.severity) for d in diagnostics if "`resolved_at` is given but status is investigating" in d.message] == [
        (5, "warning")]
    assert incident.resolution is None and incident.impact_end is None
    assert "| Impact ended | Duration |" in render_markdown(incident, LONDON) and "ongoing" in render_markdown(incident, LONDON)
    assert _facts(report_html(incident, LONDON))["Impact ended"] == "ongoing"
    svg = timeline_svg(incident, strings("en"), "Europe/London")
    assert svg is not None and "tl-mark-resolved" not in svg and "ongoing" in svg


def test_no_duration_warning_where_a_duration_is_printed(tmp_path: Path) -> None:
    """"no `resolved_at` is given, so no duration can be computed" fired for a completed maintenance with its window and
    for a resolved incident with a resolved post, both printing a duration (second attack pass)."""
    from generator.model.catalog import check_incident_text

    maintenance = ("title: Done\nimpact: maintenance\nstatus: completed\nscheduled_for: 2024-03-08T10:00:00Z\n"
                   "scheduled_until: 2024-03-08T12:00:00Z\nupdates:\n  - status: completed\n    posted_at: 2024-03-08T11:50:00Z\n"
                   "    body: Done.\n")
    resolved = ("title: Fixed\nimpact: minor\nstatus: resolved\nstarted_at: 2024-03-08T10:00:00Z\nupdates:\n"
                "  - status: resolved\n    posted_at: 2024-03-08T12:00:00Z\n    body: Fixed.\n")
    unknown = resolved.replace("  - status: resolved\n    posted_at: 2024-03-08T12:00:00Z\n    body: Fixed.\n",
                               "  - status: investigating\n    posted_at: 2024-03-08T10:20:00Z\n    body: Looking.\n")
    for text, warned in ((maintenance, False), (resolved, False), (unknown, True)):
        incident, diagnostics = check_incident_text(text, tmp_path / "x.yaml", LONDON)
        assert incident is not None
        assert any("so no duration can be computed" in d.message for d in diagnostics) is warned, text
