"""WeasyPrint draws an SVG ``<text>`` one letter at a time; this lays out a plain one as one run.

WeasyPrint 70 positions every character of an SVG ``<text>`` separately (one Pango layout per
letter, so per-letter ``x``/``dx``/``rotate`` lists work). For the charts' labels, which are
plain ``<text x=… y=…>words</text>``, that is the whole cost of a picture in a PDF: about half a
millisecond per letter, so the timeline picture alone added some 70 % to one incident's PDF.

``install()`` puts a fast path in front of WeasyPrint's function: a ``<text>`` with one ``x`` and
one ``y``, no per-letter positions, no ``letter-spacing``/``textLength``/baseline attributes and
no child elements is laid out once and drawn as one run (real shaping and kerning, and the PDF's
text extracts as words). Anything else goes to WeasyPrint's own code, unchanged. The text stays
text in the PDF either way.

Two more savings for such a label (measured: the picture 7-15 % cheaper to draw): one anchored at
its middle or end is moved left by its width (or half), which the layout has just measured, where
WeasyPrint would draw it into a group of its own, measure the group and move it (``draw_node``
below); and one with a plain fill colour and no stroke sets just its fill, where WeasyPrint's
``set_graphical_state`` also writes dash, cap, join and miter settings that filled text never uses.
tests/test_svg_text.py checks that every word lands where WeasyPrint's own code puts it.

Bound to WeasyPrint 70 (pinned in pyproject.toml); if its internals move, ``install()`` leaves
WeasyPrint as it is.
"""

from __future__ import annotations

import functools
import importlib
import logging
from math import inf
from typing import Any

LOGGER = logging.getLogger("generator.pdf")
_PER_LETTER = ("dx", "dy", "rotate", "textLength", "letter-spacing", "dominant-baseline", "alignment-baseline",
               "display-anchor")
_ANCHOR = "_generator_text_anchor"  # set on a WeasyPrint node while draw_node draws it
_ANCHOR_SHIFT = {"middle": 0.5, "end": 1.0}  # of the label's width, to the left


def _single(value: str | None) -> bool:
    return value is not None and len(value.replace(",", " ").split()) == 1


@functools.cache  # once per process (pdf_engine calls it under its setup lock)
def install() -> bool:
    """Install the fast path; False when WeasyPrint's internals are not the ones it expects."""
    try:
        import weasyprint.svg as svg_package
        from weasyprint.css.properties import INITIAL_VALUES
        from weasyprint.draw.text import draw_emojis, draw_first_line
        from weasyprint.matrix import Matrix
        from weasyprint.svg import SVG
        from weasyprint.svg.bounding_box import extend_bounding_box
        from weasyprint.text.line_break import split_first_line

        svg_utils = importlib.import_module("weasyprint.svg.utils")  # looked up at each call: svg_values may memoise it
        text_module = importlib.import_module("weasyprint.svg.text")  # the package binds ``text`` to the function
        letter_by_letter, TextBox, Style = text_module.text, text_module.TextBox, text_module.Style
    except (ImportError, AttributeError):  # pragma: no cover - another WeasyPrint
        LOGGER.debug("SVG text fast path not installed: WeasyPrint's internals differ")
        return False
    if getattr(svg_package, "text", None) is not letter_by_letter or svg_package.TAGS.get("text") is not letter_by_letter:
        return False  # pragma: no cover - another WeasyPrint

    def plain(node: Any) -> bool:
        attrib = node.attrib
        return bool(node.tag == "text" and node.text and _single(attrib.get("x")) and _single(attrib.get("y"))
                    and not any(name in attrib for name in _PER_LETTER) and not any(True for _ in node))

    def text(svg: Any, node: Any, font_size: float) -> None:
        if not plain(node):
            letter_by_letter(svg, node, font_size)
            return
        style = Style()  # WeasyPrint's own stand-in for computed style
        style.update(INITIAL_VALUES)
        style.font_config = svg.font_config
        style["font_family"] = [font.strip("\"'") for font in node.get("font-family", "sans-serif").split(",")]
        style["font_style"] = node.get("font-style", "normal")
        weight = node.get("font-weight", 400)
        style["font_weight"] = {"normal": 400, "bold": 700}.get(weight) or (int(weight) if str(weight).isdigit() else 400)
        style["font_size"] = font_size
        if node.get("direction") in ("ltr", "rtl"):
            style["direction"] = node.get("direction")
        layout, _, _, width, height, baseline = split_first_line(node.text, style, svg.context, inf, 0)
        x, y = svg.point(node.attrib["x"], node.attrib["y"], font_size)
        x -= width * _ANCHOR_SHIFT.get(getattr(node, _ANCHOR, None), 0)  # see draw_node below
        node.text_bounding_box = extend_bounding_box(node.text_bounding_box, ((x, y - baseline), (x + width, y - baseline + height)))
        svg.cursor_position = x + width, y
        svg.stream.push_state()
        fill_only = node.get("stroke", "none").strip() in ("", "none") and "fill-opacity" not in node.attrib
        fill = node.get("fill", "black").strip() if fill_only else None
        if fill and fill != "none" and not fill.startswith(("url(", "context-")):
            svg.stream.set_color(svg_utils.color(fill))  # a plain colour and no stroke: what set_graphical_state does for text
            stroke = None
        else:
            fill, stroke = svg.set_graphical_state(node, font_size)
        svg.stream.begin_text()
        layout.reactivate(style)
        svg.fill_stroke(fill, stroke, text=True)
        box = TextBox(layout, style)
        box.baseline = baseline
        emojis = draw_first_line(svg.stream, box, "none", "none", Matrix(a=1, d=-1, e=x, f=y))
        svg.stream.end_text()
        svg.stream.pop_state()
        draw_emojis(svg.stream, style, x, y, emojis)

    generic_draw_node = SVG.draw_node

    def draw_node(self: Any, node: Any, font_size: float, fill_stroke: bool = True, context: Any = None) -> None:
        """A plain ``<text>`` anchored at its middle or end is shifted by ``text`` (which knows its width) rather
        than drawn into a group of its own that WeasyPrint measures and moves: one PDF object less a label."""
        if node.tag != "text" or node.get("text-anchor") not in _ANCHOR_SHIFT or node.get("direction", "ltr") != "ltr" or not plain(node):
            generic_draw_node(self, node, font_size, fill_stroke, context)
            return
        anchor = node.get("text-anchor")
        node.attrib["text-anchor"] = "start"
        setattr(node, _ANCHOR, anchor)
        try:
            generic_draw_node(self, node, font_size, fill_stroke, context)
        finally:
            node.attrib["text-anchor"] = anchor
            delattr(node, _ANCHOR)

    SVG.draw_node = draw_node
    # draw_node recognises text elements by comparing with the module's ``text``: replace both.
    svg_package.text = text
    for tag, function in list(svg_package.TAGS.items()):
        if function is letter_by_letter:
            svg_package.TAGS[tag] = text
    return True
