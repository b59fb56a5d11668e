"""The timeline picture and the metrics box: structure, the seed's bars, a clock change, escaping, bounds, audiences.

Every check reads the SVG's structure (classes, ``data-*`` attributes, ``<title>`` text) in process;
one PDF text check at the end proves the picture's words stay text in the PDF.
"""

from __future__ import annotations

import base64
import itertools
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from generator.i18n import strings
from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.model.visibility import public_view
from generator.render import timeline
from generator.render.colour import contrast
from generator.render.context import build_context
from generator.render.fragment import render_status_fragment
from generator.render.metrics_box import metrics_box
from generator.render.report import report_html
from generator.render.status_post import render_status_post
from generator.render.timeline import timeline_svg
from generator.site import render_incident_page
from tests.conftest import SEED_IDS, TESTS, assert_matches_golden, load_sample, sample_ids
from tests.shared_pdfs import page_texts
from tests.test_site_support import CANARY, canary_incident

NS = "{http://www.w3.org/2000/svg}"
EN = strings("en")


def picture(incident: Incident, zone: str | None = None) -> ET.Element:
    view = public_view(incident)
    assert view is not None
    svg = timeline_svg(view, EN, zone or view.zone or "UTC")
    assert svg is not None
    return ET.fromstring(svg)


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if cls in (g.get("class") or "").split()]


def title(element: ET.Element) -> str:
    found = element.find(f"{NS}title")
    return found.text or "" if found is not None else ""


def make(**overrides: Any) -> Incident:
    start = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    data: dict[str, Any] = {
        "id": "made", "title": "Made incident", "impact": "major", "status": "resolved", "zone": "UTC",
        "started_at": start, "resolved_at": start + timedelta(hours=2), "components": [{"name": "API"}],
        "updates": [{"status": "investigating", "posted_at": start + timedelta(minutes=20), "body": "Looking."},
                    {"status": "resolved", "posted_at": start + timedelta(hours=2), "body": "Fixed."}],
    }
    data.update(overrides)
    return Incident.model_validate(data)


def test_seed_000_shows_two_regions_as_distinct_bars_from_their_own_starts() -> None:
    root = picture(load_sample(SEED_IDS[0]))
    bars = {g.get("data-start"): g for g in groups(root, "tl-bar")}
    assert set(bars) == {"2021-09-13T13:36:00Z", "2021-09-13T14:41:00Z"}
    americas_asia, europe = bars["2021-09-13T13:36:00Z"], bars["2021-09-13T14:41:00Z"]
    assert americas_asia.get("data-label") == "North America and Asia Pacific regions"
    assert americas_asia.get("data-components") == "North America - Reporting; Asia Pacific - Reporting"
    assert europe.get("data-label") == "European region" and europe.get("data-components") == "Europe - Reporting"
    # Drawn where they start: Europe's bar begins to the right of the Americas/Asia bar; both end together.
    x = {start: float(g.find(f"{NS}rect").get("x")) for start, g in bars.items()}  # type: ignore[union-attr]
    assert x["2021-09-13T14:41:00Z"] > x["2021-09-13T13:36:00Z"]
    # The titles say it in the display zone's words (Europe/London: BST in September).
    assert title(americas_asia).startswith("North America and Asia Pacific regions: impact from Sep 13, 2021 - 14:36 BST")
    assert "Sep 13, 2021 - 15:41 BST" in title(europe)


def test_seed_000_marks_the_response_and_labels_the_gap_to_the_first_post() -> None:
    root = picture(load_sample(SEED_IDS[0]))
    marks = {g.get("data-moment"): g.get("data-at") for g in groups(root, "tl-mark")}
    assert marks == {"mitigated": "2021-09-13T16:07:00Z", "resolved": "2021-09-14T17:21:00Z"}
    posts = [(g.get("data-status"), g.get("data-at")) for g in groups(root, "tl-post")]
    assert posts == [("investigating", "2021-09-13T15:53:00Z"), ("update", "2021-09-13T16:20:00Z"),
                     ("resolved", "2021-09-13T16:46:00Z")]
    gaps = {g.get("class"): title(g) for g in groups(root, "tl-gap")}
    assert gaps == {"tl-gap tl-gap-impact_to_first_post": "Impact start → first public update: 2h 17m"}
    notes = [t.text for g in groups(root, "tl-note") for t in g.iter(f"{NS}text")]
    assert notes == ["Postmortem posted Sep 15, 2021 - 13:48 BST (after the period drawn)"]
    legend = " ".join(t.text or "" for g in groups(root, "tl-legend") for t in g.iter(f"{NS}text"))
    assert "impact window (bar)" in legend and "Mitigated" in legend and "public update" in legend


def clock_change_incident() -> Incident:
    """Impact across the night the UK's clocks went back (31 Oct 2021, 02:00 BST → 01:00 GMT)."""
    start = datetime(2021, 10, 30, 22, 30, tzinfo=UTC)  # 23:30 BST, then midnight, then 02:00 BST becomes 01:00 GMT
    return make(zone="Europe/London", started_at=start, detected_at=start + timedelta(minutes=20),
                mitigated_at=start + timedelta(hours=2, minutes=10), resolved_at=start + timedelta(hours=3),
                impact_windows=[{"label": "Checkout", "start": start, "end": start + timedelta(hours=3)}],
                updates=[{"status": "investigating", "posted_at": start + timedelta(minutes=40), "body": "a"},
                         {"status": "resolved", "posted_at": start + timedelta(hours=3), "body": "b"}])


def test_across_the_clock_change_the_axis_runs_forward_and_names_bst_then_gmt() -> None:
    root = picture(clock_change_incident())
    ticks = groups(root, "tl-tick")
    moments = [datetime.fromisoformat(g.get("data-at", "")) for g in ticks]
    xs = [float(line.get("x1", "")) for g in ticks for line in g.iter(f"{NS}line")]
    assert moments == sorted(moments) and xs == sorted(xs) and len(set(xs)) == len(xs)  # monotonic, never backwards
    # Real elapsed time: equal steps in time are equal steps on the axis, across the change too.
    steps = {round((b - a).total_seconds()) for a, b in itertools.pairwise(moments)}
    widths = {round(b - a, 1) for a, b in itertools.pairwise(xs)}
    assert len(steps) == 1 and max(widths) - min(widths) <= 0.02
    labels = [g.get("data-label", "") for g in ticks]
    zones = [label.split()[1] for label in labels]
    assert zones == sorted(zones, key=lambda z: z == "GMT") and {"BST", "GMT"} <= set(zones)  # BST first, then GMT
    assert "01:00 BST" in labels and "01:00 GMT" in labels  # the repeated hour is two ticks, an hour apart
    shown = [t.text for g in ticks for t in g.iter(f"{NS}text")]
    assert any(s and s.endswith("BST") for s in shown) and any(s and s.endswith("GMT") for s in shown)
    change = groups(root, "tl-clock-change")
    assert [(g.get("data-at"), g.get("data-from"), g.get("data-to")) for g in change] == [("2021-10-31T01:00:00Z", "BST", "GMT")]
    assert title(change[0]) == "Clocks go back: BST → GMT"
    assert [g.get("data-date") for g in groups(root, "tl-date-change")] == ["2021-10-31"]


def test_a_clock_change_with_no_room_above_the_plot_is_said_under_the_legend() -> None:
    """Key moments crowding the clock change took every line above the plot: its words lived in a tooltip alone,
    which a PDF never shows (found by an attack pass)."""
    change = datetime(2021, 10, 31, 1, 0, tzinfo=UTC)
    root = picture(make(zone="Europe/London", started_at=change - timedelta(hours=2), detected_at=change - timedelta(minutes=3),
                        mitigated_at=change - timedelta(minutes=1), impact_ended_at=change + timedelta(minutes=1),
                        resolved_at=change + timedelta(minutes=3)))
    marked = [t.text for g in groups(root, "tl-clock-change") for t in g.iter(f"{NS}text")]
    notes = [t.text for g in groups(root, "tl-note") for t in g.iter(f"{NS}text")]
    assert marked == [] and "Clocks go back: BST → GMT (Oct 31, 2021 - 01:00 GMT)" in notes
    # So is every key moment whose label found no room: each is in words somewhere, above the plot or below it.
    for mark in groups(root, "tl-mark"):
        labelled = [t.text for t in mark.iter(f"{NS}text")]
        assert labelled or any(note and note.startswith(title(mark)) for note in notes), title(mark)
    assert any(not list(mark.iter(f"{NS}text")) for mark in groups(root, "tl-mark")), "the header really was full"


def test_the_sample_across_the_clock_change_shows_both_abbreviations() -> None:
    root = picture(load_sample("2023-10-28-checkout-payment-failures"))
    labels = [g.get("data-label", "") for g in groups(root, "tl-tick")]
    assert labels[0].endswith("BST") and labels[-1].endswith("GMT")
    assert {g.get("data-moment") for g in groups(root, "tl-mark")} == {"detected", "mitigated", "resolved"}
    assert {g.get("class") for g in groups(root, "tl-gap")} == {
        "tl-gap tl-gap-impact_to_first_post", "tl-gap tl-gap-impact_to_detected", "tl-gap tl-gap-detected_to_mitigated"}


HOSTILE = "<script>&\"'"


def test_names_are_escaped_in_text_titles_and_attributes() -> None:
    incident = make(title=f"Title {HOSTILE}", components=[{"name": HOSTILE}],
                    impact_windows=[{"label": f"Region {HOSTILE}", "components": [HOSTILE],
                                     "start": datetime(2024, 5, 2, 9, 0, tzinfo=UTC)}])
    svg = timeline_svg(incident, EN, "UTC")
    assert svg is not None and "<script" not in svg
    root = ET.fromstring(svg)  # well-formed
    bar = groups(root, "tl-bar")[0]
    assert bar.get("data-components") == HOSTILE and bar.get("data-label") == f"Region {HOSTILE}"
    assert HOSTILE in title(bar) and title(root) == f"Timeline of Title {HOSTILE}"
    html = render_incident_page(incident, SiteConfig()).decode()
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_the_picture_is_deterministic_and_has_no_ids_or_clock_times() -> None:
    first = timeline_svg(load_sample(SEED_IDS[0]), EN, "Europe/London")
    assert first == timeline_svg(load_sample(SEED_IDS[0]), EN, "Europe/London")
    assert first is not None and " id=" not in first and "<script" not in first and "onload" not in first
    assert str(datetime.now(UTC).year) not in first or datetime.now(UTC).year == 2021


def test_thousands_of_windows_and_posts_are_capped_and_counted() -> None:
    start = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    windows = [{"label": f"Region {i}", "start": start + timedelta(minutes=i), "end": start + timedelta(hours=3)} for i in range(300)]
    posts = [{"status": "update", "posted_at": start + timedelta(minutes=i), "body": "x"} for i in range(500)]
    posts += [{"status": "update", "posted_at": "2024-05-02", "body": "a date alone"}]
    root = picture(make(impact_windows=windows, updates=posts))
    assert len(groups(root, "tl-bar")) == timeline.MAX_BARS
    assert len(groups(root, "tl-post")) == timeline.MAX_POSTS
    notes = [t.text for g in groups(root, "tl-note") for t in g.iter(f"{NS}text")]
    assert f"Impact windows not drawn (over the limit): {300 - timeline.MAX_BARS} more" in notes
    assert f"Public updates not drawn (over the limit): {500 - timeline.MAX_POSTS} more" in notes
    assert "Public updates without a recorded time (not drawn): 1" in notes
    assert len(ET.tostring(root)) < 60_000


def test_an_ongoing_window_runs_to_the_axis_end_and_says_ongoing() -> None:
    start = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    root = picture(make(status="investigating", resolved_at=None, impact_windows=[{"label": "EU", "start": start}],
                        updates=[{"status": "investigating", "posted_at": start + timedelta(minutes=5), "body": "x"}]))
    bar = groups(root, "tl-bar")[0]
    assert bar.get("class") == "tl-bar tl-bar-ongoing" and bar.get("data-end") is None
    assert "ongoing" in title(bar)


def test_milestones_of_the_incident_timeline_get_a_lane() -> None:
    start = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    root = picture(make(timeline=[{"at": start + timedelta(minutes=3), "text": "Paged", "milestone": "declared"},
                                  {"at": start + timedelta(minutes=50), "text": "x", "milestone": "OUTAGE BEGINS"},
                                  {"at": start + timedelta(minutes=9), "text": "no milestone"}]))
    assert [(g.get("data-milestone"), title(g)) for g in groups(root, "tl-milestone")] == [
        ("declared", "Incident declared: May 02, 2024 - 09:03 UTC"), ("OUTAGE BEGINS", "OUTAGE BEGINS: May 02, 2024 - 09:50 UTC")]


def test_words_inside_the_plot_sit_on_the_background_so_guide_lines_stop_at_them() -> None:
    """The Cloudflare transcription's milestones sit on the response's guide lines: each label inside the plot
    (milestones, post times, a bar's span) has a patch of background under its whole width."""
    incident, _warnings = load_incident(TESTS / "inputs" / "fidelity" / "cloudflare.yaml", SiteConfig())
    assert incident is not None
    root = picture(incident)
    guides = [float(line.get("x1")) for g in groups(root, "tl-guides") for line in g.iter(f"{NS}line")]  # type: ignore[arg-type]
    crossed = 0
    for cls in ("tl-milestone", "tl-post", "tl-bar"):
        for group in groups(root, cls):
            children = list(group)
            labels = [(i, c) for i, c in enumerate(children) if c.tag == f"{NS}text" and float(c.get("x") or 0) > timeline.PLOT_LEFT]
            for index, label in labels:
                ground = children[index - 1]
                assert ground.tag == f"{NS}rect" and ground.get("fill") == timeline.BACKGROUND, (cls, label.text)
                left, width = float(label.get("x") or 0), timeline.text_width(label.text or "", float(label.get("font-size") or 0))
                if label.get("text-anchor") == "end":
                    left -= width
                x, w = float(ground.get("x") or 0), float(ground.get("width") or 0)
                assert x <= left and x + w >= left + width, (cls, label.text)
                crossed += sum(1 for g in guides if left < g < left + width)
    assert crossed >= 3  # the sample really has words where guide lines run (Detected, Mitigated, Resolved)


def test_nothing_to_draw_gives_no_picture_and_pages_leave_the_figure_out() -> None:
    incident = make(started_at=None, resolved_at=None, updates=[], status="investigating")
    assert timeline_svg(incident, EN, "UTC") is None
    assert 'class="timeline-figure"' not in report_html(incident, SiteConfig())


def test_colours_pass_contrast_on_the_background() -> None:
    for colour in [*timeline.BAR_COLOURS.values(), timeline.POST_COLOUR, timeline.INK, timeline.MUTED]:
        assert contrast(colour, timeline.BACKGROUND) >= 4.5, colour  # text-grade: words may sit on or by them
    assert contrast(timeline.GRID, timeline.BACKGROUND) >= 3  # graphics (WCAG 1.4.11)
    # White words inside a bar are readable too.
    assert all(contrast(colour, "#ffffff") >= 4.5 for colour in timeline.BAR_COLOURS.values())


def test_metrics_box_of_seed_000_shows_what_is_missing_as_not_recorded() -> None:
    box = metrics_box(load_sample(SEED_IDS[0]), EN)
    assert [(r.key, r.value) for r in box.rows] == [
        ("time_to_detect", "not recorded"), ("time_to_mitigate", "2h 31m"), ("time_to_resolve", "1d 3h 45m"),
        ("time_to_first_update", "2h 17m"), ("duration", "1d 3h 45m")]
    assert [r.note for r in box.rows] == [1, 2, 3, 4, 5] and box.missing_note == 6
    notes = dict(box.notes)
    assert notes[1].startswith("Time to detect: From when impact began") and "never counted as zero" in notes[6]


def test_metrics_box_arithmetic_across_the_clock_change_and_approximate_times() -> None:
    box = metrics_box(clock_change_incident(), EN)
    values = {r.key: r.value for r in box.rows}
    assert values == {"time_to_detect": "20m", "time_to_mitigate": "2h 10m", "time_to_resolve": "3h",
                      "time_to_first_update": "40m", "duration": "3h"}  # 23:30 BST to 01:30 GMT  # real elapsed time, not wall-clock difference
    assert box.missing_note is None
    rough = metrics_box(make(detected_at="~2024-05-02T09:30:00Z"), EN)
    detect = next(r for r in rough.rows if r.key == "time_to_detect")
    assert detect.value == "about 30m" and detect.approximate and rough.approximate_note is not None


def test_metrics_box_of_a_maintenance_has_its_duration_only() -> None:
    start = datetime(2024, 7, 10, 3, 0, tzinfo=UTC)
    box = metrics_box(make(impact="maintenance", status="completed", scheduled_for=start, scheduled_until=start + timedelta(hours=2),
                           updates=[]), EN)
    assert [(r.key, r.value) for r in box.rows] == [("duration", "2h")]
    assert dict(box.notes)[1] == "Impact duration: The scheduled maintenance window, from its start to its end."


def test_box_and_picture_in_the_report_and_site_page_and_on_posts_only_when_switched_on() -> None:
    incident = load_sample(SEED_IDS[0])
    for internal in (False, True):
        html = report_html(incident, SiteConfig(), internal=internal)
        assert html.index('class="timeline-figure"') < html.index('class="metrics-box"') < html.index('class="facts"')
    page = render_incident_page(incident, SiteConfig()).decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'id="metric-note-1"' in page
    assert 'href="#metric-note-6"' in page  # "not recorded" points to its note
    off = SiteConfig()
    on = SiteConfig(status_post_timeline=True)
    figure, box = 'class="timeline-figure"', 'class="metrics-box"'
    for render in (render_status_post, render_status_fragment):
        assert figure not in render(incident, off) and box not in render(incident, off)
        assert figure in render(incident, on) and box in render(incident, on)


def with_embedded_images(html: str) -> str:
    """``html`` followed by the decoded SVG of every ``data:image/svg+xml;base64`` image in it (the PDF's picture)."""
    images = re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    return html + "".join(base64.b64decode(data).decode("utf-8") for data in images)


def test_the_canary_never_reaches_the_picture_or_the_box() -> None:
    incident = canary_incident()
    outputs = [render_status_post(incident, SiteConfig(status_post_timeline=True)),
               render_incident_page(incident, SiteConfig()).decode(), with_embedded_images(report_html(incident, SiteConfig()))]
    for html in outputs:
        assert "tl-bar" in html and CANARY not in html
    internal = report_html(incident, SiteConfig(), internal=True)
    assert 'src="data:image/svg+xml;base64,' in internal
    assert CANARY in with_embedded_images(internal)  # positive control


def test_the_pdf_carries_the_same_svg_as_an_image_whose_alt_is_title_and_description() -> None:
    incident = load_sample(SEED_IDS[0])
    html = report_html(incident, SiteConfig())
    assert "<svg" not in html  # not inline: WeasyPrint's HTML tokenizer would cost more than drawing it
    svg = timeline_svg(build_context(incident, SiteConfig(), internal=False)["incident"], EN, "Europe/London")
    assert svg is not None and with_embedded_images(html).endswith(svg)
    alt = re.search(r'<img class="timeline-chart" alt="([^"]*)"', html)
    assert alt is not None
    assert alt.group(1).startswith("Timeline of Issue with Campaign Reports. North America and Asia Pacific regions: impact from")


@pytest.mark.parametrize("locale", ["de", "fr"])
def test_every_locale_has_the_pictures_words(locale: str) -> None:
    text = strings(locale)
    svg = timeline_svg(clock_change_incident(), text, "Europe/London")
    assert svg is not None and ET.fromstring(svg) is not None
    assert len(metrics_box(load_sample(SEED_IDS[0]), text).rows) == 5


@pytest.mark.golden
@pytest.mark.parametrize("incident_id", sample_ids())
def test_timeline_svg_matches_golden_file(incident_id: str) -> None:
    """The SVG of every sample incident's public view is pinned (UPDATE_GOLDEN=1 python -m pytest -q -m golden)."""
    incident = load_sample(incident_id)
    view = public_view(incident)
    assert view is not None
    svg = timeline_svg(view, EN, view.zone or SiteConfig().zone)
    assert svg is not None
    assert_matches_golden(TESTS / "golden" / "timeline" / f"{incident_id}.svg", svg + "\n")


def test_the_pdf_is_tagged_and_keeps_the_pictures_words_as_text() -> None:
    """The one PDF of this file: the picture's words extract as text, the PDF is tagged (the picture a
    Figure whose /Alt is its title), and the bytes are reproducible."""
    import io

    from pypdf import PdfReader

    from generator.render.report import render_pdf

    pdf = render_pdf(load_sample(SEED_IDS[0]), SiteConfig())
    reader = PdfReader(io.BytesIO(pdf))
    first_page = " ".join(page_texts(pdf)[0].split())
    for words in ("European region", "Impact start → first public update: 2h 17m", "Key figures", "not recorded",
                  "Time to detect: From when impact began"):
        assert words in first_page, words
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    figures = []

    def walk(node: Any) -> None:
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                figures.append(str(node.get("/Alt")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                walk(kid)

    walk(root["/StructTreeRoot"])
    assert len(figures) == 1  # the picture's whole text alternative: its title, then its description
    assert figures[0].startswith("Timeline of Issue with Campaign Reports. North America and Asia Pacific regions: impact")
    assert "European region: impact from Sep 13, 2021 - 15:41 BST" in figures[0]


@pytest.mark.parametrize("incident_id", sample_ids())
def test_metrics_box_agrees_with_the_metrics_over_the_sample_set(incident_id: str) -> None:
    """Every sample: each row is the shared metric, formatted; a missing one is "not recorded" with its note, never 0."""
    from generator.model.metrics import metric_rows
    from generator.render.formatting import duration

    incident = load_sample(incident_id)
    view = public_view(incident)
    assert view is not None
    box = metrics_box(view, EN)
    spans = {row.key: row.span for row in metric_rows(view)}
    for row in box.rows:
        if spans[row.key] is None:
            assert row.value == "not recorded" and not row.recorded and box.missing_note is not None
        else:
            assert row.value == duration(spans[row.key], EN["about"]) and row.recorded
    assert (box.missing_note is not None) == any(not row.recorded for row in box.rows)
    assert [number for number, _ in box.notes] == list(range(1, len(box.notes) + 1))
    if view.is_maintenance:
        assert [row.key for row in box.rows] == ["duration"]


def test_the_internal_report_marks_internal_windows_and_never_draws_internal_updates_as_public_posts() -> None:
    start = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    incident = make(impact_windows=[{"label": "EU", "start": start, "end": start + timedelta(hours=1)},
                                    {"label": "Staff tools", "start": start, "internal": True}],
                    updates=[{"status": "investigating", "posted_at": start + timedelta(minutes=20), "body": "Public."},
                             {"status": "update", "posted_at": start + timedelta(minutes=30), "body": "Team only.", "internal": True}])
    svg = timeline_svg(incident, EN, "UTC")  # the full incident, as internal outputs draw it
    assert svg is not None
    root = ET.fromstring(svg)
    assert [(g.get("data-label"), g.get("class")) for g in groups(root, "tl-bar")] == [
        ("EU", "tl-bar"), ("Staff tools", "tl-bar tl-bar-end-unknown tl-internal")]  # resolved: its end was not recorded
    assert "Staff tools (internal)" in title(groups(root, "tl-bar")[1])
    assert [g.get("data-at") for g in groups(root, "tl-post")] == ["2024-05-02T09:20:00Z"]
