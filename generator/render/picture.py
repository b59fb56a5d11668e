"""The timeline picture and the metrics box, ready for a template (PDF report, site page, status post).

Computed from the context's incident, which is the public view in every public output, so the
picture's text, titles and data attributes carry nothing internal. The site page and the status
post of one incident are rendered one after the other from the same view: computed once for both.
"""

from __future__ import annotations

import base64
from typing import Any

from markupsafe import Markup, escape

from generator.model.memo import IdentityMemo
from generator.render.metrics_box import metrics_box
from generator.render.timeline import timeline_picture

_memo: IdentityMemo[dict[str, Any]] = IdentityMemo(16)


def picture_context(context: dict[str, Any]) -> dict[str, Any]:
    """``timeline_svg`` (markup, or None when there is no moment to draw), its ``timeline_alt`` and
    ``metrics_box``, for ``context``."""
    view, config = context["incident"], context["config"]
    cached = _memo.get(view, config)
    if cached is None:
        t, zone_name = context["t"], context["zone"]
        drawn = timeline_picture(view, t, zone_name)
        cached = _memo.put({
            # Every text in it is escaped by the SVG writer.
            "timeline_svg": Markup(drawn.svg) if drawn is not None else None,
            "timeline_alt": drawn.alt if drawn is not None else None,
            "picture_caption": t["report"]["timeline_chart"]["caption"].format(zone=zone_name),
            "metrics_box": metrics_box(view, t),
        }, view, config)
    return cached


def as_pdf_image(parts: dict[str, Any]) -> Markup | None:
    """The picture for the PDF: the same SVG bytes as an ``<img>`` whose ``alt`` is its title and description.

    Inline, the SVG's markup goes through WeasyPrint's HTML tokenizer, which costs more than drawing
    it; as a ``data:`` image it is parsed by an XML parser instead, and the figure's tag in the PDF
    carries the whole text alternative (title and description) as its ``/Alt``, where an inline SVG
    gives only its title.
    """
    svg = parts["timeline_svg"]
    if svg is None:
        return None
    data = base64.b64encode(str(svg).encode("utf-8")).decode("ascii")
    return Markup('<img class="timeline-chart" alt="{}" src="data:image/svg+xml;base64,{}">').format(
        escape(parts["timeline_alt"]), Markup(data))


def forget() -> None:
    """Drop the memoised pictures (benchmarks measure drawing them)."""
    _memo.clear()
