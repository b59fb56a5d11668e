"""Untrusted Markdown: to safe HTML, and to safe Markdown for the ``.md`` outputs.

Raw HTML in incident text is shown as text, never passed through; only http,
https, mailto and fragment links survive; the typographer stays off so large
pathological input stays linear.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from markdown_it import MarkdownIt
from markupsafe import Markup

from generator.model.markdown_syntax import code_spans, drop_unresolved_references, is_safe_link, markdown_parser

# The same field is rendered for several outputs of one incident (post, site page, feeds, API, the
# ``.md``), in one process: results are immutable strings, so each text is parsed once.
MEMO_SIZE = 4096


# A one-line text that Markdown renders as a lone paragraph of literal text: no character that can
# start inline markup, an entity or a hard break, and no line start that opens a block (list item,
# thematic break, heading, code block).  Most timeline entries are such sentences, an incident has dozens,
# and the parser is far costlier than this check.
_INLINE_MARKUP = re.compile(r"[\\`*_\[\]<>|~#&\x00-\x1f\x7f]")
_BLOCK_START = re.compile(r"[-+=]|\d{1,9}[.)](?:[ \t]|$)")


def _plain_paragraph(text: str) -> bool:
    return (text != "" and text == text.strip() and _INLINE_MARKUP.search(text) is None and _BLOCK_START.match(text) is None
            and text.isprintable())  # the space is printable; other whitespace and format characters are not


def _heading_levels(tokens: list[Any], under: int) -> dict[int, int]:
    """Old level -> new level for the headings in one field: its top level goes one below ``under``.

    Each Markdown field is rendered inside a section of the document (``under`` is
    that section heading's level), so a field's ``# Details`` must sit below it in
    every format; relative levels inside the field are kept, capped at 6.
    """
    levels = sorted({int(t.tag[1]) for t in tokens if t.type == "heading_open"})
    if not levels:
        return {}
    return {level: min(6, under + 1 + level - levels[0]) for level in levels}


@lru_cache(maxsize=MEMO_SIZE)
def markdown_to_html(text: str | None, under: int | None = None) -> Markup:
    """Render untrusted Markdown to HTML that carries no raw HTML and no unsafe link.

    ``under``: the level of the heading the field sits under; its headings are shifted below it.
    """
    if not text:
        return Markup("")
    if _plain_paragraph(text):
        return Markup("<p>" + text.replace('"', "&quot;") + "</p>\n")
    text = drop_unresolved_references(text)
    parser = markdown_parser()
    if under is None:
        rendered = parser.render(text)
    else:
        env: dict[str, Any] = {}
        tokens = parser.parse(text, env)
        shift = _heading_levels(tokens, under)
        for token in tokens:
            if token.type in {"heading_open", "heading_close"}:
                token.tag = f"h{shift[int(token.tag[1])]}"
        rendered = parser.renderer.render(tokens, parser.options, env)
    rendered = rendered.replace("<a href=", '<a rel="nofollow noopener" href=')
    return Markup(rendered)


_SENTENCE_END = ".!?:;…"


def _plain_blocks(text: str) -> list[tuple[str, str]]:
    """(kind, plain text) per block: ``heading`` or ``text``; line breaks inside a block are spaces."""
    blocks: list[tuple[str, str]] = []
    kind = "text"
    for token in markdown_parser().parse(text):
        if token.type == "heading_open":
            kind = "heading"
        elif token.type == "inline":
            words = []
            for child in token.children or []:
                if child.type in {"text", "code_inline"}:
                    words.append(child.content)
                elif child.type in {"softbreak", "hardbreak"}:
                    words.append(" ")
            plain = " ".join("".join(words).split())
            if plain:
                blocks.append((kind, plain))
            kind = "text"
    return blocks


def _join_blocks(blocks: list[str]) -> str:
    """Blocks as one line of text: a block that does not end a sentence gets a full stop, so
    "What happened" and "Between 09:00…" never run together."""
    out = []
    for index, block in enumerate(blocks):
        last = index == len(blocks) - 1
        out.append(block if last or block[-1] in _SENTENCE_END else block + ".")
    return " ".join(out)


@lru_cache(maxsize=MEMO_SIZE)
def markdown_to_text(text: str | None) -> str:
    """Plain text of a Markdown fragment (for summaries, feeds and metadata), blocks kept apart."""
    if not text:
        return ""
    if _plain_paragraph(text):
        return text
    return _join_blocks([plain for _kind, plain in _plain_blocks(drop_unresolved_references(text))])


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary with an ellipsis; never half a word."""
    if len(text) <= limit:
        return text
    cut = text[: limit].rsplit(None, 1)[0] if " " in text[: limit].strip() else text[: limit - 1]
    return cut.rstrip(" ,;:-–—") + "…"


def first_sentence(text: str | None, limit: int = 240) -> str:
    """The first sentence of a field's prose (headings skipped when there is prose), at most ``limit`` characters."""
    if not text:
        return ""
    if _plain_paragraph(text):
        plain = text
    else:
        blocks = _plain_blocks(drop_unresolved_references(text))
        prose = [plain for kind, plain in blocks if kind == "text"] or [plain for _kind, plain in blocks]
        plain = _join_blocks(prose)
    match = re.match(r"(.+?[.!?])(\s|$)", plain)
    return shorten(match.group(1) if match else plain, limit)


# --- Markdown to Markdown -------------------------------------------------

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")
_LINE_START = re.compile(r"^(?:([+=-])|(\d+)([.)]))")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_LINK_DEST = re.compile(r"(\]\(\s*)(<[^<>\n]*>|(?:[^()\s<>]|\([^()\s]*\))*)")
# A reference definition, also inside block quotes and list items (``> [r]: dest``, ``- [r]: dest``).
_REF_DEF = re.compile(r"^((?:[ \t]*(?:>|[-+*]|\d{1,9}[.)])(?=[ \t]|$))*[ \t]*\[[^\]]+\]:[ \t]*\n?(?:[ \t>]*))(<[^<>\n]*>|\S+)", re.MULTILINE)
_REF_DEF_PARTS = re.compile(r"^((?:[ \t]*(?:>|[-+*]|\d{1,9}[.)])(?=[ \t]|$))*[ \t]*)(\[[^\]]+\]:[ \t]*\n?(?:[ \t>]*))(<[^<>\n]*>|\S+)",
                            re.MULTILINE)
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s]*)>")
_REMOVED = REMOVED_LINK = "#link-removed"


def markdown_inline(value: object) -> str:
    """Escape a single-line value so it cannot start Markdown structure (headings, tables, links)."""
    text = " ".join(str(value).split())
    text = _ENTITY.sub("&amp;", _INLINE_SPECIAL.sub(r"\\\g<1>", text))
    return _LINE_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text)


def _safe_destination(destination: str) -> str:
    inner = destination[1:-1] if destination.startswith("<") and destination.endswith(">") else destination
    return destination if is_safe_link(inner) else _REMOVED


def _neutralise_definition(match: re.Match[str]) -> str:
    """A reference definition with an unsafe destination becomes text (its ``[`` escaped).

    A definition in one field can be used by a link in another field of the same
    document, where no per-field check sees both: so it is never left in place.
    """
    prefix, label, destination = match.group(1), match.group(2), match.group(3)
    return match.group(0) if _safe_destination(destination) == destination else prefix + "\\" + label + destination


def has_unsafe_definition(text: str) -> bool:
    """Whether a Markdown viewer would read a reference definition with an unsafe destination in ``text``."""
    if "]:" not in text:
        return False
    env: dict[str, Any] = {}
    checking_parser().parse(text, env)
    return any(not is_safe_link(str(reference.get("href", ""))) for reference in env.get("references", {}).values())


def _neutralise_text(segment: str, rewrite_links: bool, definitions: bool = False) -> str:
    """Outside code: autolinks checked, ``<`` made visible text, images made links; optionally unsafe destinations replaced."""
    if definitions:
        segment = _REF_DEF_PARTS.sub(_neutralise_definition, segment)
    if rewrite_links:
        segment = _REF_DEF.sub(lambda m: m.group(1) + _safe_destination(m.group(2)), segment)
        segment = _LINK_DEST.sub(lambda m: m.group(1) + _safe_destination(m.group(2)), segment)
    pieces: list[str] = []
    last = 0
    for match in re.finditer(r"<[^<>\n]*>|<", segment):
        pieces.append(segment[last : match.start()])
        token = match.group(0)
        autolink = _AUTOLINK.fullmatch(token)
        preceded_by_dest = segment[max(0, match.start() - 2) : match.start()].endswith(("](", ": "))
        if autolink and is_safe_link(autolink.group(1)):
            pieces.append(token)
        elif autolink and not preceded_by_dest:
            pieces.append("(link removed)")
        elif preceded_by_dest and token.endswith(">") and is_safe_link(token[1:-1]):
            pieces.append(token)  # an angle-bracketed link destination, already checked
        else:
            pieces.append("&lt;" + token[1:])
        last = match.end()
    pieces.append(segment[last:])
    return "".join(pieces).replace("![", "[")


def _neutralise_outside_code(text: str, rewrite_links: bool, definitions: bool = False) -> str:
    pieces: list[str] = []
    last = 0
    for start, end in code_spans(text):
        pieces.append(_neutralise_text(text[last:start], rewrite_links, definitions))
        pieces.append(text[start:end])
        last = end
    pieces.append(_neutralise_text(text[last:], rewrite_links, definitions))
    return "".join(pieces)


@lru_cache(maxsize=1)
def checking_parser() -> MarkdownIt:
    """A CommonMark parser that accepts raw HTML and every link: it shows what a Markdown viewer would see."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def is_safe_markdown(text: str) -> bool:
    """True when ``text`` carries no raw HTML, no image and no link other than http(s), mailto or fragment."""
    stack = list(checking_parser().parse(text))
    while stack:
        token = stack.pop()
        if token.type in {"html_block", "html_inline", "image"}:
            return False
        if token.type == "link_open" and not is_safe_link(str(token.attrGet("href") or "")):
            return False
        stack.extend(token.children or [])
    return True


def _escape_everything(text: str) -> str:
    """Last resort: every ASCII punctuation character escaped, so no Markdown syntax remains."""
    return "".join("\\" + ch if ch in _ASCII_PUNCTUATION else ch for ch in text)


# Without these characters no Markdown can carry raw HTML, an image, a link, an autolink, an entity or a
# code fence, so neutralising changes nothing and the re-parse could not fail: the text is returned as is.
NEEDS_NEUTRALISING = re.compile(r"[<\[`~&:]")


_ATX = re.compile(r"^((?:[ \t]*(?:>|[-+*]|\d{1,9}[.)])(?=[ \t]|$)[ \t]?)*[ \t]{0,3})(#{1,6})(?=[ \t]|$)")


@lru_cache(maxsize=MEMO_SIZE)
def shift_markdown_headings(text: str, under: int) -> str:
    """The same Markdown with its headings one level below ``under`` (see ``_heading_levels``).

    ATX headings get their ``#`` run rewritten; a setext heading (``Title`` over ``===``)
    becomes an ATX one, since setext has only two levels.  Code is never touched: only
    lines the parser saw as headings change.
    """
    tokens = markdown_parser().parse(text)
    shift = _heading_levels(tokens, under)
    if not shift:
        return text
    lines = text.split("\n")
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or not token.map:
            continue
        level = shift[int(token.tag[1])]
        start, end = token.map
        if token.markup.startswith("#"):
            lines[start] = _ATX.sub(lambda m, level=level: m.group(1) + "#" * level, lines[start], count=1)
        elif token.level == 0 and index + 1 < len(tokens):
            content = " ".join(line.strip() for line in tokens[index + 1].content.split("\n"))
            lines[start:end] = ["#" * level + " " + content] + [None] * (end - start - 1)  # type: ignore[list-item]
    return "\n".join(line for line in lines if line is not None)


# Without one of these no line can be a heading, so the text needs no parse to shift headings.
_MAY_HAVE_HEADING = re.compile(r"#|^[ \t]{0,3}(?:=+|-+)[ \t]*$", re.MULTILINE)


def markdown_block(text: str | None, under: int | None = None) -> str:
    """``markdown_safe_block`` of the text, its headings shifted below ``under`` when given."""
    if text and under is not None and _MAY_HAVE_HEADING.search(text):
        text = shift_markdown_headings(text, under)
    return markdown_safe_block(text)


@lru_cache(maxsize=MEMO_SIZE)
def markdown_safe_block(text: str | None) -> str:
    """Untrusted Markdown made safe to embed in a Markdown document.

    Raw HTML becomes visible text (``<`` is escaped outside code), images become
    links, fenced or indented code is left exactly as written, and an unclosed
    fence is closed so it cannot swallow the rest of the document.  Link
    destinations are rewritten only when an unsafe one is present (so prose
    such as ``[note]: see below`` stays as written).  Every result is re-parsed
    as a Markdown viewer would; if anything unsafe survived, the whole text is
    escaped instead.
    """
    if not text:
        return ""
    if NEEDS_NEUTRALISING.search(text) is None:
        return text
    text = drop_unresolved_references(text)
    for rewrite_links in (False, True):
        result = _neutralise_blocks(text, rewrite_links)
        if is_safe_markdown(result):
            return result
    return _escape_everything(text)


def _neutralise_blocks(text: str, rewrite_links: bool) -> str:
    definitions = has_unsafe_definition(text)
    lines = text.split("\n")
    code_lines: set[int] = set()
    closing = ""
    for token in markdown_parser().parse(text):
        if token.type in {"fence", "code_block"} and token.map:
            code_lines.update(range(token.map[0], token.map[1]))
            if token.type == "fence" and token.level == 0 and token.map[1] == len(lines) and not _closes(lines[-1], token.markup, token.map):
                closing = "\n" + token.markup
    out: list[str] = []
    buffer: list[str] = []
    for number, line in enumerate(lines):
        if number in code_lines:
            if buffer:
                out.append(_neutralise_outside_code("\n".join(buffer), rewrite_links, definitions))
                buffer = []
            out.append(line)
        else:
            buffer.append(line)
    if buffer:
        out.append(_neutralise_outside_code("\n".join(buffer), rewrite_links, definitions))
    return "\n".join(out) + closing


def _closes(line: str, markup: str, span: list[int]) -> bool:
    """Whether the last line of a fence at the end of the text is its closing fence."""
    stripped = line.strip()
    return span[1] - span[0] > 1 and len(stripped) >= len(markup) and set(stripped) == {markup[0]}


# --- HTML text outside <pre> ------------------------------------------------

_HTML_TAG = re.compile(r"(</?[A-Za-z][^<>]*>|<!--.*?-->)", re.DOTALL)


def map_text_outside_pre(html: str, transform: Callable[[str], str]) -> str:
    """Apply ``transform`` to every text run between tags, except inside ``<pre>``.

    Status pages show bodies with ``white-space: pre-wrap``, so newlines in text
    mean something there; the importer and the exporter each rewrite them, the
    opposite way, with this one walk.
    """
    out: list[str] = []
    in_pre = 0
    for piece in _HTML_TAG.split(html):
        if _HTML_TAG.fullmatch(piece):
            lower = piece.lower()
            if lower.startswith("<pre"):
                in_pre += 1
            elif lower.startswith("</pre"):
                in_pre = max(0, in_pre - 1)
            out.append(piece)
        else:
            out.append(piece if in_pre else transform(piece))
    return "".join(out)


# --- Markdown documents: list items, link destinations, the whole document -------------------

def _lone_paragraph(block: str) -> bool:
    tokens = checking_parser().parse(block)
    return [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]


@lru_cache(maxsize=MEMO_SIZE)
def markdown_item(text: str | None, indent: int = 2, under: int | None = None) -> str:
    """Untrusted Markdown placed after a list item's lead-in (``- **10:00**: ``).

    After the lead-in a line is no longer at the start of a block: a fence there is
    not a fence, so its lines (left as written) would become live HTML, and lines at
    the left margin would leave the item.  Text that starts with a paragraph keeps
    it on the lead-in's line; anything else starts on its own lines.  Every other
    line is indented into the item, where it has the structure it has on its own,
    and when the text ends with anything but a paragraph (a fence, a list) the
    result ends on a fresh line inside the item, so text after it (`` (Open, due …)``)
    can neither close nor join that block.
    """
    block = markdown_block(text, under)
    if not block:
        return ""
    pad = " " * indent
    lines = block.split("\n")
    indented = "\n".join(pad + line if line.strip() else "" for line in lines[1:])
    if _plain_paragraph(block):
        return block
    tokens = checking_parser().parse(block)
    top = [t for t in tokens if t.level == 0]
    starts_with_paragraph = bool(top) and top[0].type == "paragraph_open" and bool(top[0].map) and top[0].map[0] == 0
    ends_with_code = bool(top) and top[-1].type in {"fence", "code_block"}
    body = lines[0] + ("\n" + indented if len(lines) > 1 else "") if starts_with_paragraph else "\n\n" + pad + lines[0] + (
        "\n" + indented if len(lines) > 1 else "")
    return body + "\n\n" + pad if ends_with_code else body


_PLAIN_URL = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]+")  # no parenthesis, bracket, backslash or space: no brackets needed


def markdown_url(url: object) -> str:
    """A link destination for ``[label](…)``: checked, in angle brackets, ``<``/``>``/``\\``/spaces percent-encoded.

    Without the brackets a ``)`` in the value would end the destination and the
    rest (``)[click](javascript:…)``) would become a second, live link.
    """
    text = str(url)
    if not is_safe_link(text):
        return _REMOVED
    if _PLAIN_URL.fullmatch(text):
        return text
    return "<" + re.sub(r"[<>\\\s]", lambda m: quote(m.group(0)), text) + ">"


# A document with no ``<`` that could open a tag or autolink (an even run of backslashes before it),
# no image and only safe destinations after ``](`` and ``]:`` has no raw HTML and no unsafe link: it
# is shown safe without parsing it (a full parse of a postmortem costs several milliseconds).
_OPENING_ANGLE = re.compile(r"(?<!\\)(?:\\\\)*<[A-Za-z/!?]")
_DESTINATION = re.compile(r"\][(:][ \t]*\n?[ \t]*(\S*)")


def is_safe_document(document: str) -> bool:
    """True when a whole Markdown document, as a viewer that allows HTML shows it, has no raw HTML, image or unsafe link."""
    if "![" not in document and _OPENING_ANGLE.search(document) is None and all(
            is_safe_link(m.group(1)) for m in _DESTINATION.finditer(document)):
        return True
    return is_safe_markdown(document)


def escape_all_markdown(value: object) -> str:
    """The last resort for a document that failed the whole-document check: every value as escaped, one-line text."""
    return _escape_everything(" ".join(str(value).split()))
