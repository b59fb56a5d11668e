"""Update bodies between a hosted status page's HTML-ish text and our Markdown.

Status pages store bodies as text that may hold raw HTML (``<br />``, ``<p>``,
``<a href>``, ``<strong>``, lists) and show its newlines as line breaks
(``white-space: pre-wrap``).  The HTML walk is markdownify's (MIT, built on
BeautifulSoup, maintained, configurable per tag), not a hand-written parser;
html2text was the other candidate but is GPL-3.0 and wraps lines by default.
What is left here is the status-page specific part: newlines as breaks, unsafe
links dropped, and breaks at paragraph edges tidied so the Markdown is stable.
"""

from __future__ import annotations

import re
import unicodedata

from markdownify import MarkdownConverter

from generator.model.markdown_syntax import is_safe_link
from generator.render.markdown import map_text_outside_pre

_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
# Text that would start a list, quote or heading if it began a line; in a body it is text.
_BLOCK_START = re.compile(r"^(\s*(?:\d{1,9})?)([-+*>.)]|#{1,6})(?=\s|$)")


def clean_text(text: str) -> str:
    """Drop control and bidi-override characters: incident files may not contain them."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or (ch not in _BIDI and unicodedata.category(ch) != "Cc"))


def _href(url: str) -> str:
    return url.strip().replace(" ", "%20").replace("(", "%28").replace(")", "%29")


class _Converter(MarkdownConverter):
    """markdownify with the links a reader could be harmed by turned into plain text."""

    def escape(self, text, parent_tags):  # type: ignore[no-untyped-def]
        """Also escape a text node's leading ``-``, ``1.``, ``#`` or ``>``: in the source it was text."""
        return _BLOCK_START.sub(r"\1\\\2", super().escape(text, parent_tags))

    def convert_a(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        href = el.get("href")
        if not href or not is_safe_link(href):
            return text
        el["href"] = _href(href)
        return super().convert_a(el, text, parent_tags)

    def convert_img(self, el, text, parent_tags):  # type: ignore[no-untyped-def]
        """An image becomes a link (readers' browsers should not fetch third-party URLs)."""
        src = (el.attrs.get("src") or "").strip()
        alt = (el.attrs.get("alt") or "").strip()
        if src and is_safe_link(src):
            return f"[{alt or 'image'}]({_href(src)})"
        return alt


_CONVERTER = _Converter(heading_style="atx", bullets="-", newline_style="backslash", escape_misc=False)


def _newlines_to_breaks(text: str) -> str:
    """Pre-wrap semantics: a newline inside text is a line break; whitespace between tags is layout."""
    return map_text_outside_pre(text, lambda piece: piece.replace("\n", "<br />") if piece.strip() else piece)


def _tidy(markdown: str) -> str:
    """Two breaks in a row make a paragraph; a break at a paragraph edge is dropped."""
    lines: list[str] = []
    in_fence = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence or _FENCE.match(line):
            lines.append(line)
            continue
        line = line.rstrip()
        lines.append("" if line == "\\" else line)
    tidy: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if line.endswith("\\") and not line.endswith("\\\\") and not following.strip():
            line = line[:-1].rstrip()
        if not line and (not tidy or not tidy[-1]):
            continue
        tidy.append(line)
    return "\n".join(tidy).strip("\n")


def html_to_markdown(body: str | None) -> str:
    """Markdown for a status-page body; raw HTML never survives as HTML."""
    if not body:
        return ""
    text = clean_text(body)
    return _tidy(_CONVERTER.convert(_newlines_to_breaks(text)))
