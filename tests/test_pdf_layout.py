"""PDF layout: long words stay inside the margin, headings keep their tables, no lone last update.

The pagination checks sweep the length of a filler summary so that each section boundary lands at
a page end somewhere in the sweep (the sweep was chosen by rendering it before and after the CSS
fix: before, sizes in it left "Next Steps" and its intro at the foot of one page and the action
table on the next, or a single update alone on the last page).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.render.report import render_pdf
from tests.shared_pdfs import page_texts

BASE = """title: Pagination probe
company: Example
impact: minor
status: resolved
zone: Europe/London
timeline_zone: UTC
started_at: 2024-03-02T09:00:00Z
resolved_at: 2024-03-02T11:00:00Z
summary: |
{filler}
problems:
  - name: Probe problem
    status: resolved
    root_cause: Something broke.
    timeline:
      - at: 2024-03-02T09:00:00Z
        text: Began.
      - at: 2024-03-02T10:00:00Z
        text: Fixed.
next_steps: |
  NEXTINTRO we will add checks.
action_items:
  - text: ACTIONROW add a check.
    status: open
  - text: Another action.
    status: open
updates:
{updates}
"""
HEADINGS = {"Summary of impact", "Root Cause", "Mitigation timeline", "Next Steps", "Updates", "Probe problem"}


def _pages(tmp_path: Path, source: str, *, internal: bool = False) -> list[str]:
    path = tmp_path / "probe.yaml"
    path.write_text(source, encoding="utf-8")
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is not None, diagnostics
    return list(page_texts(render_pdf(incident, SiteConfig(), internal=internal)))


def _probe(paragraphs: int, updates: int) -> str:
    filler = "\n\n".join(f"  Filler paragraph {i} with enough words to take one full line of the report at this size."
                         for i in range(paragraphs))
    posts = "\n".join(f"  - status: update\n    posted_at: 2024-03-02T10:{i:02d}:00Z\n    body: UPDATEBODY{i} something happened."
                      for i in range(updates))
    return BASE.format(filler=filler, updates=posts)


@pytest.mark.parametrize(("paragraphs", "updates"), [(29, 8), (38, 3), (46, 3)])
def test_headings_keep_their_tables_and_the_last_update_has_company(tmp_path: Path, paragraphs: int, updates: int) -> None:
    pages = _pages(tmp_path, _probe(paragraphs, updates))
    for number, text in enumerate(pages[:-1], start=1):
        assert not ("NEXTINTRO" in text and "ACTIONROW" not in text), f"page {number}: intro without its table"
        lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("Page ")]
        assert lines[-1] not in HEADINGS, f"page {number} ends with the heading {lines[-1]!r}"
    last = pages[-1]
    assert not (last.count("UPDATEBODY") == 1 and "Updates" not in last and "ACTIONROW" not in last), "a lone update"


def _text_boxes(html: str) -> list[tuple[int, float, float, str]]:
    """(page, right edge of the text, right edge of the page's content area, text) for every laid-out text run."""
    from weasyprint import HTML
    from weasyprint.formatting_structure.boxes import TextBox

    runs = []
    for number, page in enumerate(HTML(string=html).render().pages, start=1):
        box = page._page_box
        content_right = box.content_box_x() + box.width
        for child in box.descendants():
            element = getattr(child, "element", None)
            note_ref = element is not None and (element.get("href") or "").startswith("#metric-note-")  # the metrics box's "¹"
            if isinstance(child, TextBox) and child.text.strip() and not note_ref:
                runs.append((number, child.position_x + child.width, content_right, child.text))
    return runs


def test_long_words_urls_and_tickets_stay_inside_the_margin(tmp_path: Path) -> None:
    from generator.render.report import report_html

    url = "https://hooks.example.com/services/T0000/B0000/" + "X" * 90
    word = "Supercalifragilistic" * 6
    source = _probe(0, 1).replace("summary: |\n", f"summary: |\n  Deliveries to {url} failed; {word}.\n\n  `{word}`\n")
    source = source.replace("  - text: ACTIONROW add a check.\n    status: open\n",
                            f"  - text: ACTIONROW check {url}.\n    status: open\n    owner: Platform\n"
                            "    ticket: https://tracker.example.com/browse/WEBHOOKS-DELIVERY-1234\n")
    source = source.replace("text: Began.", f"text: Began at {url}")
    path = tmp_path / "long.yaml"
    path.write_text(source, encoding="utf-8")
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is not None, diagnostics
    runs = _text_boxes(report_html(incident, SiteConfig(), internal=True))
    overflowing = [(page, text) for page, right, limit, text in runs if right > limit + 0.5]
    assert not overflowing, overflowing
    # The ticket label breaks at its hyphens ("WEBHOOKS-", "DELIVERY-", ...), never one letter per line.
    ticket_runs = [text for _page, _right, _limit, text in runs if text.strip() and text.strip() in "WEBHOOKS-DELIVERY-1234"]
    assert ticket_runs and all(len(text.strip()) >= 6 for text in ticket_runs), ticket_runs
    # The timeline's header is one word on one line; the zone is said once above the table, not in the header.
    assert any(text == "Time" for _page, _right, _limit, text in runs)
    assert not any("(Times in" in text for _page, _right, _limit, text in runs)
