"""What real postmortems need: incident timeline, trigger and detection, impact figures and data loss,
lessons, people, typed action items, headings and custom sections, honest times.

Golden files pin every new section in Markdown (public and internal), the status post, plain text,
the site page and the PDF's extracted text, for a made-up incident that uses every field
(``tests/inputs/fidelity/everything.yaml``) and for the transcribed Cloudflare postmortem.
Refresh every golden file after an intended change:  UPDATE_GOLDEN=1 python -m pytest -q -m golden
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import yaml

from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.model.metrics import compute_metrics
from generator.model.types import precision
from generator.model.visibility import public_view
from generator.render.postmortem import render_markdown
from generator.render.report import render_pdf
from generator.render.status_post import render_status_post
from generator.render.text_post import render_text
from generator.site import render_site
from tests.conftest import INCIDENTS, TESTS, assert_matches_golden
from tests.shared_pdfs import page_texts

GOLDEN = TESTS / "golden" / "fidelity"
EVERYTHING = TESTS / "inputs" / "fidelity" / "everything.yaml"
CLOUDFLARE = TESTS / "inputs" / "fidelity" / "cloudflare.yaml"
# The transcriptions of real postmortems name their published source in their first lines.
GITHUB = TESTS / "inputs" / "fidelity" / "github.yaml"
SOURCES = {"everything": EVERYTHING, "cloudflare": CLOUDFLARE, "github": GITHUB}


def _load(path: Path, config: SiteConfig | None = None) -> Incident:
    incident, diagnostics = load_incident(path, config or SiteConfig())
    assert incident is not None, [d.format() for d in diagnostics]
    assert [d for d in diagnostics if d.severity == "error"] == []
    return incident


def _pdf_text(data: bytes) -> str:
    return "\n".join(" ".join(page.split()) for page in page_texts(data)) + "\n"


def _render(kind: str, incident: Incident) -> str:
    if kind == "md":
        return render_markdown(incident, SiteConfig())
    if kind == "internal.md":
        return render_markdown(incident, SiteConfig(), internal=True)
    if kind == "html":
        return render_status_post(incident, SiteConfig())
    if kind == "txt":
        return render_text(incident, SiteConfig())
    if kind == "site.html":
        return render_site([incident], SiteConfig())[f"incidents/{incident.slug}/index.html"].decode()
    if kind == "pdf.txt":
        return _pdf_text(render_pdf(incident, SiteConfig()))
    assert kind == "internal.pdf.txt"
    return _pdf_text(render_pdf(incident, SiteConfig(), internal=True))


@functools.cache
def _rendered(kind: str, source: str) -> str:
    """``kind`` of an unmodified source, rendered once per test process (the PDFs take a second or two each)."""
    return _render(kind, _load(SOURCES[source]))


KINDS = ["md", "internal.md", "html", "txt", "site.html", "pdf.txt", "internal.pdf.txt"]


@pytest.fixture(scope="module")
def everything() -> Incident:
    return _load(EVERYTHING)


# test_golden.py pins every sample's public .md and .html; the transcriptions are pinned here in every format.
PINNED_ELSEWHERE: set[tuple[str, str]] = set()


@pytest.mark.golden
@pytest.mark.parametrize(("source", "kind"), [(s, k) for s in sorted(SOURCES) for k in KINDS if (s, k) not in PINNED_ELSEWHERE])
def test_output_matches_golden_file(source: str, kind: str) -> None:
    actual = _rendered(kind, source)
    golden = GOLDEN / f"{source}.{kind}"
    assert_matches_golden(golden, actual)


# --- every new section reaches every format -----------------------------------------------------

PUBLIC_FACTS = [
    "What happened?", "How we're becoming more resilient",  # per-incident headings
    "Impact", "about 5,000", "Page content itself was never unavailable.", "No data", "Trigger", "Detection",
    "Customer report", "Customer communication", "Contributing factors", "Mitigation", "Timeline",
    "OUTAGE DECLARED", "around 19:00", "What went well", "What went wrong", "Where we got lucky", "Cost",
    "Ana Silva", "Ben Okafor", "Search team", "Rename the rebuild lock.", "Prevent", "P1",
]


@pytest.mark.parametrize("kind", ["md", "html", "txt", "site.html", "pdf.txt"])
def test_public_outputs_show_every_public_section(everything: Incident, kind: str) -> None:
    text = " ".join(_rendered(kind, "everything").split()).replace("&#39;", "'")
    for fact in PUBLIC_FACTS:
        if fact == "No data":
            assert "Data was lost" in text, kind
            continue
        assert fact in text, (kind, fact)


@pytest.mark.parametrize("kind", ["md", "html", "txt", "site.html", "pdf.txt"])
def test_public_outputs_keep_internal_parts_out(everything: Incident, kind: str) -> None:
    text = _rendered(kind, "everything")
    for secret in ("Chen Wu", "Dee Park", "Dana Ito", "Bug 5554823", "SRCH-88", "index shards", "Internal follow-up",
                   "internal note about the lock", "Audit other lock names", "audit log replay becomes", "support.example.com",
                   "retired channel", "SEV-1"):
        assert secret not in text, (kind, secret)


@pytest.mark.parametrize("kind", ["internal.md", "internal.pdf.txt"])
def test_internal_outputs_show_internal_parts(everything: Incident, kind: str) -> None:
    text = " ".join(_rendered(kind, "everything").split())
    for shown in ("Chen Wu", "Dee Park", "Dana Ito", "Bug 5554823", "SRCH-88", "index shards", "Internal follow-up",
                  "internal note about the lock", "Audit other lock names", "SEV-1", "retired channel"):
        assert shown in text, (kind, shown)
    if kind == "internal.md":
        assert "[Support ticket](https://support.example.com/t/4411)" in text  # evidence links: internal only


# --- a day-long incident across midnight (GitHub, 21-22 October 2018) --------------------------------

GITHUB_FACTS = [
    "Oct 21, 2018 - 22:52 UTC", "Oct 22, 2018 - 23:03 UTC",  # impact began, ended (and resolved) the next day
    "Oct 22, 00:05", "Oct 22, 23:03",  # timeline entries after midnight carry their day
    "Oct 22, 2018 - 07:46 UTC", "Oct 30, 2018",  # the update during the incident, the postmortem eight days later
    "43 seconds", "about 200,000",  # impact figures as the report states them
]


@pytest.mark.parametrize("kind", ["md", "html", "txt", "site.html", "pdf.txt", "internal.md", "internal.pdf.txt"])
def test_a_day_long_incident_keeps_every_moment_on_its_day(kind: str) -> None:
    text = " ".join(_rendered(kind, "github").split())
    for fact in GITHUB_FACTS:
        assert fact in text, (kind, fact)
    if kind not in {"html", "txt"}:  # the customer's post leaves out the response times
        assert "1d 11m" in text and "17h 32m" in text, kind  # duration and time to mitigate, across midnight
    assert "Example Inc." not in text or kind == "site.html", kind


# --- times known less than exactly ------------------------------------------------------------

def test_approximate_date_only_and_unknown_times_are_kept_as_written(everything: Incident) -> None:
    assert precision(everything.started_at) == "approximate"
    kinds = {u.status: precision(u.posted_at) for u in everything.updates}
    assert kinds == {"postmortem": "day", "resolved": "exact", "update": "unknown", "identified": "approximate",
                     "investigating": "exact"}
    # the unknown post keeps the place it was written in: after the resolution, before "identified"
    assert [u.status for u in everything.updates_newest_first] == ["resolved", "update", "identified", "investigating"]


@pytest.mark.parametrize("kind", KINDS)
def test_no_output_invents_a_midnight(everything: Incident, kind: str) -> None:
    """Nothing in the incident happened at 00:00 or 12:00: a date-only moment must not print either.

    The timeline picture's axis ticks and date lines (round clock times of the axis, not moments of
    the incident) are left out here; every moment the picture draws is still checked."""
    from unittest import mock

    from generator.render import picture

    picture.forget()
    with mock.patch("generator.render.timeline.ticks", return_value=[]), \
            mock.patch("generator.render.timeline.midnights", return_value=[]):
        text = _render(kind, everything)  # not the cached render: the axis is patched
    picture.forget()
    assert not re.search(r"(?<![\d:])(00|12):00(?![\d:])", text), kind
    assert "T12:00:00" not in text and "T00:00:00" not in text


def test_html_time_elements_carry_what_is_known(everything: Incident) -> None:
    html = render_status_post(everything, SiteConfig())
    assert '<time datetime="2024-03-15">Mar 15, 2024</time>' in html  # a date alone stays a date
    assert "Posted (time not recorded)" in html and 'datetime=""' not in html
    assert "Mar 09, 2024 - around 20:30 PST" in html


def test_unknown_time_is_only_for_posted_updates(tmp_path: Path) -> None:
    data = yaml.safe_load(EVERYTHING.read_text("utf-8"))
    data["detected_at"] = "unknown"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is None
    assert any("'unknown' is only allowed for an update's `posted_at`" in d.message for d in diagnostics)


def test_date_only_is_refused_where_a_moment_is_computed_with(tmp_path: Path) -> None:
    data = yaml.safe_load(EVERYTHING.read_text("utf-8"))
    data["resolved_at"] = "2024-03-10"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is None and "is not a timestamp" in diagnostics[0].message


# --- metrics say which moment they use ---------------------------------------------------------

def test_metrics_name_their_moments_and_mark_approximate_spans(everything: Incident) -> None:
    metrics = compute_metrics(everything)
    rows = {row.key: row for row in metrics.rows}
    assert (rows["duration"].since, rows["duration"].until) == ("impact_began", "impact_ended")
    assert rows["time_to_resolve"].until == "resolved"
    assert rows["duration"].span != rows["time_to_resolve"].span  # impact ended 01:30 PST, closed 04:15 PDT
    assert str(rows["time_to_first_update"].span) == "0:58:00"  # the first public post, 19:58 PST
    md = render_markdown(everything, SiteConfig())
    assert "Impact duration: **about 6h 30m** (impact began to impact ended)" in md
    assert "Time to resolve: **about 8h 15m** (impact began to resolved)" in md
    assert "Time to detect: **about 40m**" in md


def test_a_date_only_first_update_gives_no_time_to_first_update() -> None:
    metrics = compute_metrics(_load(CLOUDFLARE))
    assert metrics.time_to_first_update is None
    assert metrics.duration is not None and str(metrics.duration) == "0:27:00"
    assert str(metrics.time_to_resolve) == "1:10:00"


def test_post_states_when_impact_began_and_ended_and_how_long_it_lasted() -> None:
    html = render_status_post(_load(CLOUDFLARE), SiteConfig())
    assert re.search(r'Impact started: <time datetime="2019-07-02T13:42:00\+00:00">Jul 02, 2019 - 13:42 UTC</time> · '
                     r'Impact ended: <time[^>]*>Jul 02, 2019 - 14:09 UTC</time> · Impact duration: 27m', html)


# --- every format renders timeline entries whole ----------------------------------------------

def test_multi_paragraph_entries_and_nested_lists_stay_in_their_entry(everything: Incident) -> None:
    md = render_markdown(everything, SiteConfig())
    assert ("- **Mar 10, 00:45** _(Lost edits)_: 3\\. replay batch of 4 finished.\n\n  Two pages needed manual merges:\n\n"
            "  - Onboarding\n  - Release checklist\n") in md
    html = render_status_post(everything, SiteConfig())
    entry = html[html.index("3. replay batch"):]
    entry = entry[: entry.index("</div></li>")]
    assert "<p>Two pages needed manual merges:</p>" in entry and "<li>Onboarding</li>" in entry
    assert "<ol" not in html.split("3. replay batch")[0].rsplit("<li>", 1)[-1]  # "3." is text, not a list numbered 1
    pdf = _rendered("pdf.txt", "everything")
    assert "3. replay batch of 4 finished." in pdf and "1. replay batch" not in pdf
    txt = render_text(everything, SiteConfig())
    assert "- Mar 10, 00:45 (Lost edits): 3. replay batch of 4 finished.\n\n  Two pages needed manual merges:\n\n  - Onboarding" in txt


def test_mitigation_and_each_timeline_have_headings() -> None:
    seed = _load(INCIDENTS / "2022-04-13-contact-imports-open-tracking-images.yaml")
    md = render_markdown(seed, SiteConfig())
    assert "### Mitigation timeline\n\nOur mitigation steps" in md and "#### Timeline: Contact imports" in md
    html = render_status_post(seed, SiteConfig())
    assert "<h3>Mitigation timeline</h3>\n<p>Our mitigation steps" in html and "<h4>Timeline: Image resizer</h4>" in html
    txt = render_text(seed, SiteConfig())
    assert "Mitigation timeline\n\nOur mitigation steps" in txt and "Timeline: Email open tracking" in txt


# --- model rules -------------------------------------------------------------------------------

def test_ticket_is_an_id_or_a_safe_url(tmp_path: Path) -> None:
    data = yaml.safe_load(EVERYTHING.read_text("utf-8"))
    for ticket, ok in (("Bug 5554823", True), ("PAY-1432", True), ("https://t.example.com/1", True),
                       ("javascript:alert(1)", False), ("data:text/html,x", False)):
        data["action_items"][0]["ticket"] = ticket
        path = tmp_path / "t.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
        incident, diagnostics = load_incident(path, SiteConfig())
        assert (incident is not None) is ok, (ticket, [d.message for d in diagnostics])


def test_people_are_internal_unless_marked_public(everything: Incident) -> None:
    view = public_view(everything)
    assert view is not None
    assert [(p.name, p.role) for p in view.people] == [("Ana Silva", "author"), ("Ben Okafor", "incident_commander")]
    assert view.action_items[0].public_owner == "Search team" and view.action_items[0].owner is None
    assert view.timeline[1].links == []  # evidence links are internal


def test_an_internal_document_state_is_dropped_from_the_public_view(everything: Incident) -> None:
    hidden = everything.model_copy(update={"document": everything.document.model_copy(update={"internal": True})})  # type: ignore[union-attr]
    view = public_view(hidden)
    assert view is not None and view.document is None


def test_timeline_entry_must_name_a_listed_sub_problem(tmp_path: Path) -> None:
    data = yaml.safe_load(EVERYTHING.read_text("utf-8"))
    data["timeline"][1]["problem"] = "Stale replicas"
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")
    _incident, diagnostics = load_incident(path, SiteConfig())
    assert [d.message for d in diagnostics if d.severity == "error"] == [
        "unknown sub-problem 'Stale replicas'; name one listed under `problems`"]


def test_custom_sections_follow_the_section_they_name(everything: Incident) -> None:
    md = render_markdown(everything, SiteConfig())
    order = [md.index(h) for h in ("### Detection", "### Customer communication", "### Root Cause",
                                   "### How we're becoming more resilient", "### Cost")]
    assert order == sorted(order)


def test_a_public_timeline_entry_does_not_name_an_internal_sub_problem(everything: Incident) -> None:
    problems = [everything.problems[0].model_copy(update={"internal": True}), everything.problems[1]]
    hidden = everything.model_copy(update={"problems": problems})
    view = public_view(hidden)
    assert view is not None and [e.problem for e in view.timeline][:2] == [None, None]
    for kind in ("md", "html", "txt", "pdf.txt"):
        assert "Stale replica" not in _render(kind, hidden), kind
