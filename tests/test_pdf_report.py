"""The PDF report: sections, page numbers, metadata from the incident, audience, paper size."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from generator.model.config import SiteConfig
from generator.render.report import render_pdf
from tests.conftest import SEED_IDS, load_sample
from tests.shared_pdfs import page_texts

# Tests that only read a report share its render and text with every test that reads the same one
# (tests/shared_pdfs.py); the reproducibility and sandbox tests below render for real.
pytestmark = pytest.mark.shared_pdfs

SAMPLE = "2023-10-28-checkout-payment-failures"


def _bytes(incident_id: str, *, internal: bool = False, config: SiteConfig | None = None) -> bytes:
    return render_pdf(load_sample(incident_id), config or SiteConfig(), internal=internal)


def _pdf(incident_id: str, *, internal: bool = False, config: SiteConfig | None = None) -> PdfReader:
    return PdfReader(io.BytesIO(_bytes(incident_id, internal=internal, config=config)))


def _pages(incident_id: str, *, internal: bool = False) -> tuple[str, ...]:
    return page_texts(_bytes(incident_id, internal=internal))


def _text(incident_id: str, *, internal: bool = False) -> str:
    return " ".join(" ".join(page.split()) for page in _pages(incident_id, internal=internal))


@pytest.fixture(scope="module")
def seed_reports() -> dict[str, PdfReader]:
    return {incident_id: _pdf(incident_id) for incident_id in SEED_IDS}


def test_report_has_every_section_in_order() -> None:
    text = _text(SEED_IDS[1])
    headings = ["Summary of impact", "Root Cause", "Mitigation timeline", "Next Steps", "Updates"]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    for problem in ("Contact imports", "Email open tracking", "Image resizer"):
        assert text.count(problem) >= 2, problem  # root cause and its own timeline table
    assert "Root cause still under investigation." in text
    assert "Posted Apr 19, 2022 - 11:40 BST" in text


def test_header_block_has_impact_window_and_computed_duration() -> None:
    text = _text(SEED_IDS[0])
    assert "Incident Report for Dotdigital" in text
    assert "Sep 13, 2021 - 14:36 BST" in text  # 13:36 UTC, shown in the display zone
    assert "Duration 1d 3h 45m" in text  # 13:36 UTC on the 13th to 17:21 UTC on the 14th


def test_every_page_is_numbered_page_n_of_m() -> None:
    pages = _pages(SAMPLE, internal=True)
    total = len(pages)
    assert total >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in " ".join(page.split())


def test_running_header_shows_title_after_the_first_page() -> None:
    assert "Checkout payments failing for some card transactions" in _pages(SAMPLE, internal=True)[1]


def test_metadata_comes_from_the_incident_not_the_clock(seed_reports: dict[str, PdfReader]) -> None:
    meta = seed_reports[SEED_IDS[0]].metadata
    assert meta.title == "Issue with Campaign Reports"
    assert meta.author == "Dotdigital"
    assert meta.subject.startswith("On Monday 13th September 2021")
    assert meta.creation_date.astimezone(UTC) == datetime(2021, 9, 13, 13, 36, tzinfo=UTC)
    assert meta.modification_date.astimezone(UTC) == datetime(2021, 9, 15, 12, 48, tzinfo=UTC)


def test_fonts_are_embedded(seed_reports: dict[str, PdfReader]) -> None:
    descriptors = []
    for page in seed_reports[SEED_IDS[0]].pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptors.append(descendant.get_object()["/FontDescriptor"].get_object())
    assert descriptors
    assert all(any(key in d for key in ("/FontFile", "/FontFile2", "/FontFile3")) for d in descriptors)


def test_public_report_omits_internal_fields_and_internal_report_has_them() -> None:
    public = _text(SAMPLE)
    internal = _text(SAMPLE, internal=True)
    for secret in ("Priya Natarajan", "PAY-1432", "SEV-2", "Pager routing", "retired rota", "Finance confirmed", "Draft: do not post"):
        assert secret not in public, secret
        assert secret in internal, secret
    assert "Internal: do not forward" in internal and "Internal: do not forward" not in public


def test_daylight_saving_abbreviations_follow_the_date() -> None:
    text = _text(SAMPLE, internal=True)
    assert "Oct 29, 01:35 BST" in text and "Oct 29, 01:20 GMT" in text
    assert "Posted Nov 02, 2023 - 15:00 GMT" in text


def test_letter_paper_by_option() -> None:
    a4 = _pdf(SEED_IDS[0]).pages[0].mediabox
    letter = _pdf(SEED_IDS[0], config=SiteConfig(paper="Letter")).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)


# The same input twice in one process gives the same bytes: test_shared_fonts.py renders each of two reports twice,
# the second time after another report went through the same fonts; across processes: test_pdf_engine.py, test_build.py.


@pytest.mark.shared_pdfs(False)  # the sandbox: a real render
def test_markdown_in_text_cannot_reach_files_via_the_report(tmp_path) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY-7f3a9", "utf-8")
    incident = load_sample(SEED_IDS[0]).model_copy(update={"summary": f"![x](file://{canary}) [y]({canary}) <img src='{canary}'>"})
    raw = render_pdf(incident, SiteConfig())
    assert b"CANARY-7f3a9" not in raw and not re.search(rb"/EmbeddedFile", raw)
