"""Escaping for the contexts inside an HTML document that HTML escaping does not cover.

HTML autoescaping makes a value safe between tags and inside a quoted attribute.
A value that lands in CSS (a ``<style>`` block or a ``.css`` template), in a URL
attribute, or in JSON inside HTML needs its own rule, or it can end the block
(``</style>``), add rules (``}h1{display:none}``) or run script (``javascript:``).
Each filter here either escapes for its context or refuses a value it cannot make safe.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jinja2 import TemplateError
from markupsafe import Markup

from generator.model.markdown_syntax import is_safe_link

_CSS_PLAIN = re.compile(r"[A-Za-z0-9 ]")
_CSS_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_CSS_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}")
REMOVED_URL = "#link-removed"


class UnsafeValueError(TemplateError, ValueError):
    """A value that cannot be made safe for its context; reported like any template error, never a traceback."""


def css_string(value: object) -> Markup:
    """A double-quoted CSS string; every character but letters, digits and spaces is a hex escape.

    ``\\22 `` cannot end the string, ``\\3C `` cannot open ``</style>``, and line breaks
    and control characters cannot end the declaration.
    """
    text = str(value)
    escaped = "".join(ch if _CSS_PLAIN.fullmatch(ch) or (ord(ch) > 0x9F and ch.isprintable()) else f"\\{ord(ch):X} " for ch in text)
    return Markup(f'"{escaped}"')


def css_colour(value: object) -> Markup:
    """A ``#rrggbb`` colour, checked again where it is used (the config validates it first)."""
    text = str(value)
    if not _CSS_COLOUR.fullmatch(text):
        raise UnsafeValueError(f"{text!r} is not a #RRGGBB colour; it cannot be placed in CSS")
    return Markup(text.lower())


def css_ident(value: object) -> Markup:
    """A CSS keyword such as a page size (``A4``, ``Letter``)."""
    text = str(value)
    if not _CSS_IDENT.fullmatch(text):
        raise UnsafeValueError(f"{text!r} is not a CSS keyword; it cannot be placed in CSS")
    return Markup(text)


def safe_url(value: object) -> str:
    """A URL for an ``href``/``src`` attribute: http(s), mailto or a fragment, else a dead fragment.

    Autoescaping then quotes it for the attribute; this decides whether it may be a link at all.
    """
    text = str(value)
    return text if is_safe_link(text) else REMOVED_URL


_JSON_IN_HTML = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def json_for_html(data: Any) -> Markup:
    """JSON that is safe inside ``<script type="application/ld+json">`` or any HTML text.

    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes (the same value to a JSON
    parser), so ``</script>`` and ``<!--`` cannot appear; U+2028/2029 are escaped for
    older JavaScript parsers.
    """
    return Markup(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).translate(_JSON_IN_HTML))
