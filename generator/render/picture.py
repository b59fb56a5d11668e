"""The timeline picture and the metrics box, ready for a template (PDF report, site page, status post).

Computed from the context's incident, which is the public view in every public output, so the
picture's text, titles and data attributes carry nothing internal. The site page and the status
post of one incident are rendered one after the other from the same view: computed once for both.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from generator.model.memo import IdentityMemo
from generator.render.metrics_box import metrics_box
from generator.render.timeline import timeline_svg

_memo: IdentityMemo[dict[str, Any]] = IdentityMemo(16)


def picture_context(context: dict[str, Any]) -> dict[str, Any]:
    """``timeline_svg`` (markup, or None when there is no moment to draw) and ``metrics_box``, for ``context``."""
    view, config = context["incident"], context["config"]
    cached = _memo.get(view, config)
    if cached is None:
        t, zone_name = context["t"], context["zone"]
        svg = timeline_svg(view, t, zone_name)
        cached = _memo.put({
            "timeline_svg": Markup(svg) if svg is not None else None,  # every text in it is escaped by the SVG writer
            "picture_caption": t["report"]["timeline_chart"]["caption"].format(zone=zone_name),
            "metrics_box": metrics_box(view, t),
        }, view, config)
    return cached


def forget() -> None:
    """Drop the memoised pictures (benchmarks measure drawing them)."""
    _memo.clear()
