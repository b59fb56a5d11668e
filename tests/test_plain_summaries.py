"""Plain-text summaries (site index, meta description, feed summary, PDF subject) keep blocks apart and
never cut a word in half."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime

import feedparser
from pypdf import PdfReader

from generator.model.config import SiteConfig
from generator.render.markdown import first_sentence, markdown_to_text, shorten
from generator.render.report import render_pdf
from generator.render.status_post import render_status_post
from generator.site import render_site
from tests.test_site_support import synthetic

SUMMARY = """## What happened
Between 09:00 and
10:00 UTC the reporting API
failed for most customers

- exports stalled
- dashboards were empty

Afterwards everything worked.
"""
LONG = ("Between 09:00 and 10:00 UTC the reporting API failed for most customers in every region while "
        "exports stalled and dashboards were empty and nobody could see their numbers at all " * 3).strip()


def test_blocks_are_kept_apart_and_lines_are_joined_with_spaces() -> None:
    text = markdown_to_text(SUMMARY)
    assert text == ("What happened. Between 09:00 and 10:00 UTC the reporting API failed for most customers. "
                    "exports stalled. dashboards were empty. Afterwards everything worked.")
    assert first_sentence(SUMMARY) == "Between 09:00 and 10:00 UTC the reporting API failed for most customers."


def test_shortening_cuts_between_words() -> None:
    assert shorten("alpha beta gamma", 12) == "alpha beta…"
    assert shorten("alpha beta gamma", 100) == "alpha beta gamma"
    assert shorten("x" * 30, 10) == "x" * 9 + "…"  # one word longer than the limit: nothing better to do
    short = first_sentence(LONG, 120)
    assert len(short) <= 120 and short.endswith("…")
    assert short[:-1].split()[-1] in LONG.split()  # the last word is whole


def _words_whole(fragment: str, source: str) -> None:
    words = set(re.findall(r"\w+", source))
    for word in re.findall(r"\w+", fragment.rstrip("…").rstrip(".")):
        assert word in words, (word, fragment)


def test_every_consumer_separates_blocks_and_keeps_words_whole() -> None:
    config = SiteConfig(company="Example Inc.", zone="UTC")
    joined = markdown_to_text(SUMMARY)
    for summary in (SUMMARY, LONG):
        incident = synthetic("summary-probe", datetime(2024, 5, 2, 9, 0, tzinfo=UTC), summary=summary)
        files = render_site([incident], config)
        index = html.unescape(files["index.html"].decode())
        page = html.unescape(files["incidents/summary-probe/index.html"].decode())
        meta_page = re.search(r'<meta name="description" content="([^"]*)"', page).group(1)  # type: ignore[union-attr]
        post = html.unescape(render_status_post(incident, config))
        meta_post = re.search(r'<meta name="description" content="([^"]*)"', post).group(1)  # type: ignore[union-attr]
        feed = feedparser.parse(files["history.atom"]).entries[0].summary
        subject = PdfReader(io.BytesIO(render_pdf(incident, config))).metadata.subject
        source = markdown_to_text(summary)
        for name, value in {"page description": meta_page, "post description": meta_post, "feed": feed, "subject": subject}.items():
            assert value, name
            _words_whole(value, source)
            assert "happenedBetween" not in value and "and10" not in value and "customersexports" not in value, name
        if summary == SUMMARY:
            assert first_sentence(SUMMARY) in index
            assert meta_post == joined
