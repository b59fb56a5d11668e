"""``markdown_block``'s shortcut for text with no character that Markdown could turn into markup.

The shortcut returns the text unchanged; these tests prove the full neutralise-and-re-parse path
gives exactly the same result for such text, and that text with any of those characters still
takes the full path (``tests/test_markdown_safety.py`` covers what that path guarantees).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model.markdown_syntax import markdown_parser
from generator.render import markdown
from generator.render.markdown import NEEDS_NEUTRALISING, markdown_block

PLAIN = st.text(alphabet=st.characters(blacklist_characters="<[`~&:", blacklist_categories=("Cs",)), max_size=300)


def full_path(text: str) -> str:
    """``markdown_block`` without the shortcut (and without its memo)."""
    for rewrite_links in (False, True):
        result = markdown._neutralise_blocks(text, rewrite_links)
        if markdown.is_safe_markdown(result):
            return result
    return markdown._escape_everything(text)


@settings(max_examples=300, deadline=None)
@given(PLAIN)
def test_plain_text_is_returned_exactly_as_the_full_path_would(text: str) -> None:
    assert NEEDS_NEUTRALISING.search(text) is None
    if text:
        assert markdown_block(text) == full_path(text) == text


def test_structure_without_special_characters_takes_the_shortcut_safely() -> None:
    for text in ["# Heading\n\n    indented code\n\n- item\n1. item\n\n**bold** _em_ | a | b |\n|---|---|", "line  \nbreak\\\n!x"]:
        assert markdown_block(text) == full_path(text) == text


def test_each_trigger_character_takes_the_full_path() -> None:
    assert markdown_block("<script>alert(1)</script>") == full_path("<script>alert(1)</script>") != "<script>alert(1)</script>"
    assert markdown_block("[x](javascript:alert(1))") == full_path("[x](javascript:alert(1))")
    assert "javascript:" not in markdown_block("[x](javascript:alert(1))")
    assert markdown_block("```\nunclosed fence") == "```\nunclosed fence\n```"
    assert markdown_block("~~~\nunclosed fence") == "~~~\nunclosed fence\n~~~"
    assert markdown_block("![img](https://example.com/x.png)") == full_path("![img](https://example.com/x.png)")


def test_results_are_memoised_and_immutable() -> None:
    text = "A field rendered for several outputs of one incident. <b>"
    assert markdown_block(text) is markdown_block(text)
    assert markdown.markdown_to_html(text) is markdown.markdown_to_html(text)
    assert markdown.markdown_to_text(text) is markdown.markdown_to_text(text)


# --- markdown_to_html / markdown_to_text: the one-line plain paragraph shortcut ---------------

LINE = st.text(alphabet=st.sampled_from(list("ab1 .-+=)(\"'!:/*_`[]<>|~#&\\\t\u00a0é—\u200b9")), max_size=40)


@settings(max_examples=500, deadline=None)
@given(LINE)
def test_a_plain_paragraph_renders_exactly_as_the_parser_would(text: str) -> None:
    if markdown._plain_paragraph(text):
        assert str(markdown.markdown_to_html(text)) == markdown_parser().render(text)
        tokens = markdown_parser().parse(text)
        assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
        assert markdown.markdown_to_text(text) == text


def test_the_plain_paragraph_shortcut_takes_ordinary_sentences_only() -> None:
    assert markdown._plain_paragraph("Error rates returned to normal at 16:07 (about 1.5% of requests).")
    for text in ["- item", "+ item", "1. item", "12) item", "=", "# heading", "a *b*", "a\nb", " lead", "a & b", "x <b>", "[x](y)", "a | b"]:
        assert not markdown._plain_paragraph(text), text
