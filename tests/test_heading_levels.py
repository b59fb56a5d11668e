"""Headings written inside Markdown fields sit one level below the section they appear in, in every format."""

from __future__ import annotations

import html
import re

import pytest

from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.markdown_syntax import markdown_parser
from generator.render.markdown import markdown_block, markdown_to_html, shift_markdown_headings
from generator.render.postmortem import render_markdown
from generator.render.report import report_html
from generator.render.status_post import render_status_post

SOURCE = """title: Heading levels
company: Example
impact: minor
status: resolved
zone: Europe/London
started_at: 2024-03-02T09:00:00Z
resolved_at: 2024-03-02T11:00:00Z
summary: |
  Intro.

  # Top in summary

  Text.

  ## Sub in summary

  More.
problems:
  - name: The problem
    status: resolved
    root_cause: |
      ### Top in problem

      Detail.
next_steps: |
  Setext in next steps
  ====================

  Done.
updates:
  - status: postmortem
    posted_at: 2024-03-05T09:00:00Z
    body: |
      # Top in postmortem body

      Body.
  - status: resolved
    posted_at: 2024-03-02T11:00:00Z
    body: |
      ## Top in update

      It works.
"""


def _html_headings(markup: str) -> dict[str, int]:
    # The PDF adds the sub-problem's status after its name: "The problem (Resolved)".
    return {re.sub(r" \(\w+\)$", "", html.unescape(re.sub(r"<[^>]+>", "", text)).strip()): int(level)
            for level, text in re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", markup, re.DOTALL)}


def _markdown_headings(text: str) -> dict[str, int]:
    tokens = markdown_parser().parse(text)
    return {tokens[i + 1].content.strip(): int(t.tag[1]) for i, t in enumerate(tokens) if t.type == "heading_open"}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, int]]:
    path = tmp_path_factory.mktemp("levels") / "levels.yaml"
    path.write_text(SOURCE, encoding="utf-8")
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is not None, diagnostics
    config = SiteConfig()
    return {
        "md": _markdown_headings(render_markdown(incident, config)),
        "html": _html_headings(render_status_post(incident, config)),
        "pdf": _html_headings(report_html(incident, config)),
    }


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_field_headings_sit_one_level_below_their_section(outputs: dict[str, dict[str, int]], fmt: str) -> None:
    levels = outputs[fmt]
    assert levels["Top in summary"] == levels["Summary of impact"] + 1
    assert levels["Sub in summary"] == levels["Summary of impact"] + 2  # relative levels kept
    assert levels["Top in problem"] == levels["The problem"] + 1
    assert levels["Setext in next steps"] == levels["Next Steps"] + 1
    update_heading = levels.get("Resolved", levels.get("Updates"))
    assert levels["Top in update"] == update_heading + 1


def test_shifting_keeps_code_and_caps_at_six() -> None:
    text = "# A\n\n```\n# not a heading\n```\n\n###### F"
    assert shift_markdown_headings(text, 4) == "##### A\n\n```\n# not a heading\n```\n\n###### F"
    assert "<h5>A</h5>" in markdown_to_html(text, 4) and "<h6>F</h6>" in markdown_to_html(text, 4)
    assert "# not a heading" in markdown_to_html(text, 4)
    assert markdown_block("> ## quoted", 2) == "> ### quoted"
    assert markdown_block("plain text", 3) == "plain text"


def test_no_level_given_changes_nothing() -> None:
    assert markdown_to_html("# A") == "<h1>A</h1>\n"
    assert markdown_block("# A") == "# A"


