"""Every sentence of both original seed reports appears, word for word, in its HTML post."""

from __future__ import annotations

import itertools
import re

import html5lib
import pytest

from generator.model.config import SiteConfig
from generator.render.postmortem import render_markdown
from generator.render.status_post import render_status_post
from tests.conftest import SEED_IDS, TESTS, load_sample

TIMELINE_PREFIX = re.compile(r"^(\d{2}:\d{2})[:.]\s+")


def _visible_text(html: str) -> str:
    document = html5lib.parse(html, namespaceHTMLElements=False)
    for hidden in [el for el in document.iter() if el.tag in {"style", "title", "script"}]:
        hidden.text = ""
    body = document.find("body")
    return " ".join("".join(body.itertext()).split())


def _seed_sentences(incident_id: str) -> list[str]:
    """Each non-empty line of the seed, split into sentences, bullets stripped."""
    text = (TESTS / "seeds" / f"{incident_id}.txt").read_text("utf-8")
    sentences = []
    for line in text.splitlines():
        line = line.strip().lstrip("•-").strip()
        if not line:
            continue
        sentences.extend(s for s in re.split(r"(?<=[.!?])(?<!\d\d:\d\d\.)\s+(?=[A-Z])", line) if s)
    return sentences


@pytest.mark.parametrize("incident_id", SEED_IDS)
def test_every_seed_sentence_appears_in_the_html_post(incident_id: str) -> None:
    text = _visible_text(render_status_post(load_sample(incident_id), SiteConfig()))
    missing = []
    for sentence in _seed_sentences(incident_id):
        sentence = sentence.rstrip(":") if sentence in {"Summary of impact:", "Root Cause:", "Next Steps:"} else sentence
        clock = TIMELINE_PREFIX.match(sentence)
        if clock:  # "06:31: We began our release" is a timeline row: clock, then text
            rest = sentence[clock.end():]
            if f"{clock.group(1)}: {rest}" not in text and not re.search(re.escape(clock.group(1)) + r"\W.{0,5}" + re.escape(rest), text):
                missing.append(sentence)
            continue
        if " ".join(sentence.split()) not in text:
            missing.append(sentence)
    assert not missing, "sentences missing from the post:\n" + "\n".join(missing)


def test_seed_sentence_check_can_fail() -> None:
    """The checker itself must notice a dropped sentence (guards against a vacuous test)."""
    incident = load_sample(SEED_IDS[0])
    trimmed = incident.model_copy(update={"next_steps": None})
    text = _visible_text(render_status_post(trimmed, SiteConfig()))
    assert "We will analyse why our QA process did not detect this fault" not in text


@pytest.mark.parametrize(
    ("incident_id", "stamps"),
    [
        (SEED_IDS[0], ["Posted Sep 15, 2021 - 13:48 BST", "Posted Sep 13, 2021 - 17:46 BST",
                       "Posted Sep 13, 2021 - 17:20 BST", "Posted Sep 13, 2021 - 16:53 BST"]),
        (SEED_IDS[1], ["Posted Apr 19, 2022 - 11:40 BST", "Posted Apr 13, 2022 - 07:30 BST"]),
    ],
)
def test_posted_stamps_are_exact_and_newest_first(incident_id: str, stamps: list[str]) -> None:
    text = _visible_text(render_status_post(load_sample(incident_id), SiteConfig()))
    positions = [text.index(stamp) for stamp in stamps]
    assert positions == sorted(positions)


def test_affected_components_line_matches_the_seed() -> None:
    text = _visible_text(render_status_post(load_sample(SEED_IDS[0]), SiteConfig()))
    assert ("This incident affected: North America - Dotdigital R2 (North America - Reporting), Asia Pacific - Dotdigital R3 "
            "(Asia Pacific - Reporting), and Europe - Dotdigital R1 (Europe - Reporting).") in text


def test_incident_without_components_has_no_affected_line() -> None:
    assert "This incident affected" not in render_status_post(load_sample(SEED_IDS[1]), SiteConfig())


@pytest.mark.parametrize("incident_id", SEED_IDS)
def test_html_post_is_valid_html5_with_landmarks(incident_id: str) -> None:
    html = render_status_post(load_sample(incident_id), SiteConfig())
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(html)  # raises on any parse error
    assert document.get("lang") == "en"
    assert document.find(".//main") is not None and document.find(".//header") is not None
    levels = [int(el.tag[1]) for el in document.iter() if isinstance(el.tag, str) and re.fullmatch(r"h[1-6]", el.tag)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html.split("</head>")[0]), "post must make no network requests"


def test_markdown_keeps_every_update_body() -> None:
    md = render_markdown(load_sample(SEED_IDS[1]), SiteConfig())
    assert "- Disruption to email open tracking" in md
    assert "_Posted Apr 13, 2022 - 07:30 BST_" in md
