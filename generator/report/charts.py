"""The report's charts as SVG (drawn with ``generator.render.svg``): text stays text, nothing random.

Every chart has a ``<title>`` and a ``<desc>`` that says in words what it shows, its numbers are
also printed as text in the chart, and position or shape carries each meaning (a row per impact, a
row per period; a line for the median, a triangle for the 90th percentile), so no meaning rests on
colour. The colours reach 4.5:1 on white (tests/test_report.py checks it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from generator.render.formatting import duration
from generator.render.svg import Element, number, svg_root
from generator.report.counts import IMPACTS, Counts, MonthCounts
from generator.report.statistics import Measure, Sample

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
COLOURS = {"critical": "#b42318", "major": "#b54708", "minor": "#8a6100", "none": "#475467", "maintenance": "#1d5fb4",
           "near_miss": "#5c4a9e", "current": "#1d4ed8", "previous": "#475467"}
INK, MUTED, RULE = "#1f2933", "#5f6b7a", "#d5dbe1"
FONT = "DejaVu Sans, sans-serif"
DOT_RADIUS = 3.6  # one incident in a strip plot
LABELLED_COLUMN = 20.0  # a month's column this wide (px) or wider has its counts printed over the bars
# Log-scale ticks for response times, in seconds, with their labels.
TICKS = [(60, "1m"), (300, "5m"), (900, "15m"), (3600, "1h"), (4 * 3600, "4h"), (86400, "1d"), (4 * 86400, "4d"),
         (14 * 86400, "2w"), (60 * 86400, "60d")]


def _english() -> dict[str, Any]:
    from generator.i18n import strings

    return strings("en")["period_report"]


def span_text(seconds: float) -> str:
    """A span in words as the documents print it (``1h 5m``); a negative one keeps its sign."""
    if seconds < 0:
        return "−" + duration(timedelta(seconds=-seconds))
    return duration(timedelta(seconds=seconds))


def _text(parent: Element, x: float, y: float, words: str, *, size: float = 11, anchor: str = "start",
          fill: str = INK, weight: str | None = None) -> Element:
    return parent.add("text", words, x=x, y=y, font_size=size, font_family=FONT, text_anchor=anchor, fill=fill,
                      font_weight=weight)


def month_column(months: int) -> float:
    """The width of one month in the counts chart (640 px wide at most, 10 to 110 px a month)."""
    return max(10.0, min(110.0, (640 - 110 - 12) / max(months, 1)))


def counts_are_labelled(months: int) -> bool:
    """Whether the counts chart prints each count over its bar (its columns are wide enough)."""
    return month_column(months) >= LABELLED_COLUMN


def counts_chart(counts: Counts, words: dict[str, Any] | None = None, month_names: Sequence[str] = MONTHS) -> str:
    """Incidents per month, one row per impact (and one for near-misses), each bar labelled with its count
    while the columns are wide enough (``LABELLED_COLUMN``); ``words``: the report's strings (English
    when not given) and ``month_names`` the locale's short month names."""
    p = words or _english()
    said = p["charts"]
    months = counts.months
    rows = [*IMPACTS, "near_miss"]
    label_width, right, row_height, top = 110, 12, 32, 10
    column = month_column(len(months))
    width = label_width + column * len(months) + right
    height = top + row_height * len(rows) + 26
    peak = max([m.by_impact[k] for m in months for k in IMPACTS] + [m.near_misses for m in months] + [1])

    def month_words(m: MonthCounts) -> str:
        found = ", ".join(said["count"].format(count=m.by_impact[k], impact=p["impacts"][k].lower()) for k in IMPACTS
                          if m.by_impact[k]) or said["month_none"]
        if m.near_misses:
            found += said["near_miss_one"] if m.near_misses == 1 else said["near_misses"].format(count=m.near_misses)
        return said["month"].format(month=month_names[m.month - 1], year=m.year, counts=found)

    described = "; ".join(month_words(m) for m in months)
    # A count is printed over its bar while the columns are wide enough for it (two years of months);
    # past that the labels would run into each other, and the counts are in the description.
    labelled = counts_are_labelled(len(months))
    root = svg_root(width, height, title=said["counts_title"],
                    desc=said["counts_desc"].format(total=counts.total, months=described), class_="chart counts-chart")
    for index, key in enumerate(rows):
        base = top + row_height * (index + 1)
        _text(root, label_width - 8, base - 4, p["near_misses"] if key == "near_miss" else p["impacts"][key], anchor="end",
              fill=INK)
        root.add("line", x1=label_width, y1=base, x2=width - right, y2=base, stroke=RULE, stroke_width=1)
        bars: list[str] = []  # one path per row: the renderer's cost is per element, and a long period has hundreds of bars
        for position, month in enumerate(months):
            value = month.near_misses if key == "near_miss" else month.by_impact[key]
            if not value:
                continue
            bar = (row_height - 14) * value / peak
            x = label_width + column * position + column * 0.2
            bars.append(f"M{number(x)},{number(base - bar)}h{number(column * 0.6)}v{number(bar)}h-{number(column * 0.6)}Z")
            if labelled:
                _text(root, x + column * 0.3, base - bar - 2, str(value), size=10, anchor="middle")
        if bars:
            root.add("path", d="".join(bars), fill=COLOURS[key])
    step = max(1, math.ceil(len(months) * 44 / max(width - label_width - right, 1)))
    for position, month in enumerate(months):
        if position % step == 0:
            x = label_width + column * (position + 0.5)
            name = month_names[month.month - 1]
            label = name if month.month != 1 and position else f"{name} {month.year}"
            _text(root, x, height - 8, label, size=10, anchor="middle", fill=MUTED)
    return root.to_string()


def _scale(samples: Sequence[Sample]) -> tuple[float, float]:
    values = [v for s in samples for v in s.seconds if v > 0]
    low = min([TICKS[0][0], *values])
    high = max([TICKS[3][0], *values])
    low = max(t for t, _ in TICKS if t <= low) if low >= TICKS[0][0] else low
    high = min((t for t, _ in TICKS if t >= high), default=high)
    return math.log10(max(low, 1)), math.log10(max(high, low * 10, 10))


def _sample_words(name: str, sample: Sample, said: dict[str, str]) -> str:
    if not sample.count:
        if sample.missing:
            return said["sample_none_missing"].format(name=name, missing=len(sample.missing))
        return said["sample_none"].format(name=name)
    assert sample.median is not None and sample.p90 is not None
    incidents = said["incidents_one"] if sample.count == 1 else said["incidents_many"].format(count=sample.count)
    return said["sample"].format(name=name, incidents=incidents, median=span_text(sample.median), p90=span_text(sample.p90),
                                 missing=len(sample.missing))


def dots_path(centres: Sequence[tuple[float, float]], radius: float = DOT_RADIUS) -> str:
    """Circles of ``radius`` around ``centres`` as one path (two arcs each), a dot drawn twice kept once.

    One element instead of one ``<circle>`` per incident: the PDF renderer parses, styles and draws
    each element on its own (a 1,000-incident report drew 2,000 circles, about half its rendering
    time), while the picture is the same.
    """
    diameter = number(2 * radius)
    seen = dict.fromkeys(f"M{number(x - radius)},{number(y)}" for x, y in centres)
    r = number(radius)
    return "".join(f"{start}a{r},{r} 0 1 0 {diameter},0a{r},{r} 0 1 0 -{diameter},0" for start in seen)


def strip_chart(measure: Measure, current_label: str, previous_label: str, words: dict[str, Any] | None = None) -> str:
    """Every incident's value as a dot on a log time axis, one row per period; median line, p90 triangle
    (``words``: the report's strings, English when not given)."""
    p = words or _english()
    said = p["charts"]
    label, definition = p["measures"][measure.key]
    label_width, plot, right, row_height, top = 118, 300, 222, 36, 6
    width, height = label_width + plot + right, top + row_height * 2 + 34
    low, high = _scale([measure.current, measure.previous])

    def x_of(seconds: float) -> float:
        position = (math.log10(max(seconds, 1)) - low) / (high - low)
        return label_width + plot * min(max(position, 0.0), 1.0)

    desc = said["strip_desc"].format(label=label, definition=definition,
                                     current=_sample_words(current_label, measure.current, said),
                                     previous=_sample_words(previous_label, measure.previous, said))
    root = svg_root(width, height, title=said["strip_title"].format(label=label), desc=desc, class_="chart strip-chart")
    for tick, label in TICKS:
        if low - 1e-9 <= math.log10(tick) <= high + 1e-9:
            x = x_of(tick)
            root.add("line", x1=x, y1=top, x2=x, y2=top + row_height * 2, stroke=RULE, stroke_width=1)
            _text(root, x, top + row_height * 2 + 14, label, size=10, anchor="middle", fill=MUTED)
    _text(root, label_width + plot / 2, height - 3, said["scale"], size=9.5,
          anchor="middle", fill=MUTED)
    for index, (name, sample, colour) in enumerate(((current_label, measure.current, COLOURS["current"]),
                                                    (previous_label, measure.previous, COLOURS["previous"]))):
        middle = top + row_height * index + row_height / 2
        _text(root, label_width - 8, middle + 3.5, name, anchor="end", size=10.5)
        if sample.values:  # a deterministic jitter: the same dots in the same places every time
            root.add("path", d=dots_path([(x_of(seconds), middle + ((position * 7) % 5 - 2) * 2.6)
                                          for position, (seconds, _slug) in enumerate(sample.values)]),
                     fill="none", stroke=colour, stroke_width=1.3)
        if sample.median is not None and sample.p90 is not None:
            x = x_of(sample.median)
            root.add("line", x1=x, y1=middle - 12, x2=x, y2=middle + 12, stroke=INK, stroke_width=2.2)
            x = x_of(sample.p90)
            root.add("path", d=f"M{x - 4.5:.2f},{middle + 15:.2f} L{x + 4.5:.2f},{middle + 15:.2f} L{x:.2f},{middle + 9:.2f} Z",
                     fill=INK)
            summary = said["summary"].format(count=sample.count, median=span_text(sample.median), p90=span_text(sample.p90))
        else:
            summary = said["summary_none"]
        _text(root, label_width + plot + 10, middle - 1, summary, size=10)
        _text(root, label_width + plot + 10, middle + 10, said["without"].format(count=len(sample.missing)), size=9.5, fill=MUTED)
    return root.to_string()
