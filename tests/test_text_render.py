"""The plain-text post (``render -f txt``): golden files, no Markdown syntax, public view only.

Refresh every golden file after an intended change:  UPDATE_GOLDEN=1 python -m pytest -q -m golden
"""

from __future__ import annotations

import re

import pytest

from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.model.visibility import public_view
from generator.render.text_post import WIDTH, markdown_to_plain, render_text
from tests.conftest import INCIDENTS, SEED_IDS, TESTS, assert_matches_golden, load_sample, postmortem

GOLDEN = TESTS / "golden"
SAMPLE = "2023-10-28-checkout-payment-failures"


@pytest.mark.golden
@pytest.mark.parametrize("incident_id", [*SEED_IDS, SAMPLE])
def test_text_matches_golden_file(incident_id: str) -> None:
    golden = GOLDEN / f"{incident_id}.txt"
    actual = render_text(load_sample(incident_id), SiteConfig())
    assert_matches_golden(golden, actual)


@pytest.mark.parametrize("incident_id", [*SEED_IDS, SAMPLE])
def test_text_is_wrapped_plain_and_complete(incident_id: str) -> None:
    incident = load_sample(incident_id)
    text = render_text(incident, SiteConfig())
    long_lines = [line for line in text.splitlines() if len(line) > WIDTH and " " in line.strip()]
    assert long_lines == []
    assert not re.search(r"^#|\*\*|__|\]\(|^\|", text, re.MULTILINE), "no Markdown syntax"
    flat = " ".join(text.split())
    view = public_view(incident)
    assert view is not None
    for update in view.updates:
        for sentence in re.findall(r"[^.!?]{20,}[.!?]", " ".join(" ".join(markdown_to_plain(update.body)).split())):
            assert sentence.strip() in flat
    assert flat.count("Posted ") == len(view.updates)
    assert "Posted Sep 13, 2021 - 16:53 BST" in flat or incident_id != SEED_IDS[0]


def test_text_shows_only_the_public_view() -> None:
    text = render_text(load_sample(SAMPLE), SiteConfig())
    assert "SEV-2" not in text and "On-call paging" not in text


def test_markdown_is_flattened() -> None:
    blocks = markdown_to_plain(
        "Some **bold** and _em_ and `code` with a [link](https://example.com/x) and <b>raw</b>.\n\n"
        "1. first\n2. second\n\n- a\n  - nested\n\n> quoted\n\n```\ncode  block\n```\n\n[bad](javascript:alert(1))"
    )
    text = " ".join("\n\n".join(blocks).split(" "))
    assert "Some bold and em and code with a link (https://example.com/x) and\n<b>raw</b>." in text
    assert "1. first" in text and "2. second" in text and "- a" in text and "  - nested" in text
    assert "> quoted" in text and "    code  block" in text
    assert "bad (javascript" not in text, "an unsafe link is not turned into a URL to copy"


def test_render_txt_through_the_cli() -> None:
    source = INCIDENTS / f"{SEED_IDS[0]}.yaml"
    result = postmortem("render", str(source), "-f", "txt", "-o", "-", timeout=60, text=False)
    assert result.returncode == 0
    assert result.stdout.decode() == (GOLDEN / f"{SEED_IDS[0]}.txt").read_text("utf-8")
    internal = postmortem("render", str(source), "-f", "txt", "--internal", "-o", "-", timeout=60, text=False)
    assert internal.returncode == 2 and b"public" in internal.stderr


def test_internal_incident_has_no_text_post() -> None:
    from generator.render.context import InternalIncidentError

    incident = load_sample(SEED_IDS[0]).model_copy(update={"visibility": "internal"})
    assert isinstance(incident, Incident)
    with pytest.raises(InternalIncidentError):
        render_text(incident, SiteConfig())
