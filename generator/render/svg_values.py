"""WeasyPrint's SVG value parsers, remembered: the chart's few distinct lengths, colours and URLs are parsed once.

Drawing an SVG, WeasyPrint parses every attribute value again for every element: a length
(``size``: a float() that fails on "1px", then four regular expressions), a colour (``color``:
tinycss2's tokenizer), the ``filter``/``clip-path``/``mask`` references (``parse_url``: urllib's
``urlparse``, three per element, most of them empty). The timeline picture repeats a dozen distinct
values over some 80 elements, so these parsers were a fifth of what the picture adds to a PDF.

``install()`` puts a bounded memo in front of each, in every WeasyPrint module that imported it by
name. The parsers are pure functions of their arguments; ``color``'s result is mutated by its caller
(``alpha *= opacity``), so each call gets its own copy. Only short strings are remembered (a path's
``d`` is long and seldom repeated), so a hostile SVG in a ``data:`` image can neither grow the memo
nor make it slower than parsing. The drawn bytes are the same (tests/test_svg_values.py). Bound to
WeasyPrint 70, pinned in pyproject.toml; if its modules differ, ``install()`` leaves them as they are.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable
from typing import Any

LOGGER = logging.getLogger("generator.pdf")
_LONGEST_REMEMBERED = 64  # characters: every value in the charts is shorter
_MODULES = ("weasyprint.svg", "weasyprint.svg.utils", "weasyprint.svg.bounding_box", "weasyprint.svg.css",
            "weasyprint.svg.defs", "weasyprint.svg.path", "weasyprint.svg.shapes", "weasyprint.svg.text")


def _remembered(parse: Callable[..., Any], copy: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    """``parse``, remembered for short string (or absent) first arguments and hashable others."""
    cached = functools.lru_cache(maxsize=512)(parse)

    @functools.wraps(parse)
    def remembered(string: Any = None, *rest: Any, **options: Any) -> Any:
        if not options and (string is None or (type(string) is str and len(string) <= _LONGEST_REMEMBERED)) and all(
                type(value) in (int, float, type(None)) for value in rest):
            result = cached(string, *rest)
            return copy(result) if copy is not None else result
        return parse(string, *rest, **options)

    remembered.cache_info = cached.cache_info  # type: ignore[attr-defined]
    return remembered


@functools.cache  # once per process (pdf_engine calls it under its setup lock)
def install() -> bool:
    """Install the memos; False when WeasyPrint's modules are not the ones expected."""
    try:
        modules = [importlib.import_module(name) for name in _MODULES]
        utils = importlib.import_module("weasyprint.svg.utils")
        from tinycss2.color4 import Color
    except ImportError:  # pragma: no cover - another WeasyPrint
        LOGGER.debug("SVG value memos not installed: WeasyPrint's modules differ")
        return False

    def copy_color(value: Any) -> Any:
        return Color(value.space, value.coordinates, value.alpha) if type(value) is Color else value

    replacements = {}
    for name, copy in (("size", None), ("normalize", None), ("parse_url", None), ("color", copy_color)):
        original = getattr(utils, name, None)
        if not callable(original):  # pragma: no cover - another WeasyPrint
            return False
        replacements[name] = (original, _remembered(original, copy))
    for module in modules:
        for name, (original, remembered) in replacements.items():
            if getattr(module, name, None) is original:
                setattr(module, name, remembered)
    return True
