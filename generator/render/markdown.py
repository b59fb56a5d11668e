"""Untrusted Markdown: to safe HTML, and to safe Markdown for the ``.md`` outputs.

Raw HTML in incident text is shown as text, never passed through; only http,
https, mailto and fragment links survive; the typographer stays off so large
pathological input stays linear.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

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
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = is_safe_link  # type: ignore[method-assign]
    md.add_render_rule("image", _render_image_as_link)
    return md


def markdown_to_html(text: str | None) -> Markup:
    """Render untrusted Markdown to HTML that carries no raw HTML and no unsafe link."""
    if not text:
        return Markup("")
    rendered = _parser().render(text)
    rendered = rendered.replace("<a href=", '<a rel="nofollow noopener" href=')
    return Markup(rendered)


def markdown_to_text(text: str | None) -> str:
    """Plain text of a Markdown fragment (for summaries, feeds and metadata)."""
    if not text:
        return ""
    tokens = _parser().parse(text)
    words: list[str] = []
    for token in tokens:
        if token.type == "inline":
            words.append("".join(child.content for child in token.children or [] if child.type in {"text", "code_inline"}))
    return " ".join(w.strip() for w in words if w.strip())


def first_sentence(text: str | None, limit: int = 240) -> str:
    plain = markdown_to_text(text)
    match = re.match(r"(.+?[.!?])(\s|$)", plain)
    sentence = match.group(1) if match else plain
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


# --- Markdown to Markdown -------------------------------------------------

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_LINE_START = re.compile(r"^(?:([#+=-])|(\d+)([.)]))")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_LINK_DEST = re.compile(r"(\]\(\s*<?)((?:[^()\s>]|\([^()\s]*\))*)")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:\s*<?)(\S+?)(>?)(\s|$)", re.MULTILINE)
_AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]{1,31}:[^<>\s]*)>")


def markdown_inline(value: object) -> str:
    """Escape a single-line value so it cannot start Markdown structure (headings, tables, links)."""
    text = " ".join(str(value).split())
    text = _ENTITY.sub("&amp;", _INLINE_SPECIAL.sub(r"\\\g<1>", text))
    return _LINE_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text)


def _neutralise_outside_code(text: str) -> str:
    def fix(segment: str) -> str:
        segment = _AUTOLINK.sub(lambda m: m.group(1) if is_safe_link(m.group(1)) else "(link removed)", segment)
        segment = segment.replace("<", "&lt;").replace("![", "[")
        segment = _LINK_DEST.sub(lambda m: m.group(1) + (m.group(2) if is_safe_link(m.group(2)) else "#link-removed"), segment)
        return _REF_DEF.sub(
            lambda m: m.group(1) + (m.group(2) if is_safe_link(m.group(2)) else "#link-removed") + m.group(3) + m.group(4),
            segment,
        )

    pieces: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        pieces.append(fix(text[last : match.start()]))
        pieces.append(match.group(0))
        last = match.end()
    pieces.append(fix(text[last:]))
    return "".join(pieces)


def markdown_block(text: str | None) -> str:
    """Untrusted Markdown made safe to embed in a Markdown document.

    Raw HTML becomes visible text (``<`` is escaped outside code), unsafe link
    destinations are replaced, and fenced or indented code is left exactly as written.
    """
    if not text:
        return ""
    lines = text.split("\n")
    code_lines: set[int] = set()
    for token in _parser().parse(text):
        if token.type in {"fence", "code_block"} and token.map:
            code_lines.update(range(token.map[0], token.map[1]))
    out: list[str] = []
    buffer: list[str] = []
    for number, line in enumerate(lines):
        if number in code_lines:
            if buffer:
                out.append(_neutralise_outside_code("\n".join(buffer)))
                buffer = []
            out.append(line)
        else:
            buffer.append(line)
    if buffer:
        out.append(_neutralise_outside_code("\n".join(buffer)))
    return "\n".join(out)
