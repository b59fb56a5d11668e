"""What incident Markdown means: the one parser, which links are safe, and reference-style links.

Validation (``model.references`` warns about a reference no definition serves)
and every renderer read Markdown through this one parser, so a field means the
same to ``validate`` as to the outputs: raw HTML off, only http(s), mailto and
``#fragment`` links, images shown as links.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markupsafe import escape

_SAFE_SCHEMES = ("http:", "https:", "mailto:")


def is_safe_link(url: str) -> bool:
    """True for http(s), mailto and in-page fragment links, after decoding tricks."""
    decoded = unquote(html.unescape(url))
    compact = "".join(ch for ch in decoded if not unicodedata.category(ch).startswith(("C", "Z"))).lower()
    if compact.startswith("#"):
        return True
    return compact.startswith(_SAFE_SCHEMES) and not compact.startswith(("http:///", "https:///"))


def _render_image_as_link(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
    """Images would make readers' browsers fetch third-party URLs: show a link instead."""
    token = tokens[idx]
    alt = self.renderInline(token.children or [], options, env)
    src = token.attrGet("src") or ""
    label = alt or src
    if is_safe_link(src):
        return f'<a href="{escape(src)}">{label}</a>'
    return str(escape(label))


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """The one CommonMark parser for incident text: raw HTML off, unsafe links dropped, images as links."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = is_safe_link  # type: ignore[method-assign]
    md.add_render_rule("image", _render_image_as_link)
    return md


# --- Reference-style links --------------------------------------------------
# Each Markdown field is rendered on its own (the post, the PDF and the site show fields in
# different places and orders), so a reference definition (``[dash]: https://…``) serves only
# the field that holds it.  A full or collapsed reference whose label the field does not
# define (``[the dashboard][dash]``, ``[dash][]``) would show as literal brackets: it is
# rendered as its text instead, in every format, and ``validate`` warns about it.

_FULL_REFERENCE = re.compile(r"(!?)\[((?:[^\[\]\\\n]|\\.)+)\]\[((?:[^\[\]\\\n]|\\.)*)\]")
_SHORTCUT_REFERENCE = re.compile(r"(?<![\]\\])!?\[((?:[^\[\]\\\n]|\\.)+)\](?![\[(:])")


def reference_label(label: str) -> str:
    """A label as CommonMark matches it (case and inner whitespace do not count)."""
    from markdown_it.common.utils import normalizeReference

    return str(normalizeReference(label))


def defined_references(text: str) -> frozenset[str]:
    """The (normalised) labels this field defines."""
    if "]:" not in text:
        return frozenset()
    env: dict[str, Any] = {}
    markdown_parser().parse(text, env)
    return frozenset(env.get("references", {}))


def _prose_segments(text: str) -> list[tuple[int, str]]:
    """(offset, text) of every stretch outside fenced/indented code blocks and code spans."""
    lines = text.split("\n")
    code: set[int] = set()
    for token in markdown_parser().parse(text):
        if token.type in {"fence", "code_block"} and token.map:
            code.update(range(token.map[0], token.map[1]))
    segments: list[tuple[int, str]] = []
    offset = 0
    block: list[str] = []
    block_start = 0
    for number, line in enumerate(lines):
        if number in code:
            if block:
                segments.append((block_start, "\n".join(block)))
                block = []
        else:
            if not block:
                block_start = offset
            block.append(line)
        offset += len(line) + 1
    if block:
        segments.append((block_start, "\n".join(block)))
    prose: list[tuple[int, str]] = []
    for start, segment in segments:
        last = 0
        for span_start, span_end in code_spans(segment):
            prose.append((start + last, segment[last:span_start]))
            last = span_end
        prose.append((start + last, segment[last:]))
    return prose


def reference_uses(text: str) -> list[tuple[int, str, str, bool]]:
    """(offset, written label, normalised label, explicit) of each reference-style link in prose.

    ``explicit``: a full or collapsed reference (``[text][label]``, ``[label][]``), which can
    only be meant as a link; a shortcut (``[label]``) may as well be bracketed prose.
    """
    if "[" not in text:
        return []
    uses: list[tuple[int, str, str, bool]] = []
    for start, segment in _prose_segments(text):
        taken: list[tuple[int, int]] = []
        for match in _FULL_REFERENCE.finditer(segment):
            label = match.group(3) or match.group(2)
            uses.append((start + match.start(), label, reference_label(label), True))
            taken.append(match.span())
        for match in _SHORTCUT_REFERENCE.finditer(segment):
            if not any(a <= match.start() < b for a, b in taken):
                uses.append((start + match.start(), match.group(1), reference_label(match.group(1)), False))
    return sorted(uses)


def drop_unresolved_references(text: str) -> str:
    """``[text][label]`` and ``[label][]`` whose label this field does not define become ``text``."""
    if "][" not in text:
        return text
    defined = defined_references(text)
    pieces: list[str] = []
    last = 0
    for start, segment in _prose_segments(text):
        for match in _FULL_REFERENCE.finditer(segment):
            label = match.group(3) or match.group(2)
            if reference_label(label) in defined:
                continue
            pieces.append(text[last : start + match.start()])
            pieces.append(match.group(2))
            last = start + match.end()
    pieces.append(text[last:])
    return "".join(pieces)


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where CommonMark sees code spans: equal-length backtick runs; a backslash escapes one backtick."""
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", text)]
    by_length: dict[int, list[int]] = {}
    for start, end in runs:
        by_length.setdefault(end - start, []).append(start)
    spans: list[tuple[int, int]] = []
    position = 0
    for start, end in runs:
        if start < position:
            continue
        backslashes = len(text[position:start]) - len(text[position:start].rstrip("\\"))
        opening = start + (backslashes % 2)
        length = end - opening
        if length == 0:
            continue
        candidates = by_length.get(length, [])
        index = bisect.bisect_left(candidates, end)
        if index < len(candidates):
            spans.append((opening, candidates[index] + length))
            position = candidates[index] + length
    return spans
