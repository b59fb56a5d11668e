"""Render the period report: Markdown, a standalone HTML page, or a PDF with the incident report's look.

The HTML and the PDF come from one template (``templates/report/period.html``) that includes the
incident PDF's stylesheet (``report.css``: page size, running header, "Page n of m") and its own
additions (``report/period.css``); the Markdown (``report/period.md``) carries the same tables, its
charts being in the HTML and PDF only.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from generator.i18n import strings
from generator.render.environment import MarkdownSafe, make_environment
from generator.render.markdown import markdown_to_text, shorten
from generator.report import charts
from generator.report.availability import ComponentAvailability
from generator.report.document import Report
from generator.report.follow_through import STATE_WORDS, STATES, TYPE_WORDS, table
from generator.report.statistics import CONFIDENCE, MIN_TO_COMPARE, RESAMPLES, Comparison

FORMATS = ("md", "html", "pdf")
TITLE = "Reliability review"


def day_text(day: date) -> str:
    """``Jul 01, 2024``, as the incident documents write dates."""
    return f"{charts.MONTHS[day.month - 1]} {day.day:02d}, {day.year}"


def one_line(markdown: str, limit: int = 160) -> str:
    """A Markdown field as one line of plain text, cut at a word boundary."""
    return shorten(re.sub(r"\s+", " ", markdown_to_text(markdown)).strip(), limit)


def some(names: tuple[str, ...] | list[str], limit: int = 12) -> str:
    """``a, b, c``; past ``limit`` names, the first ones and how many more (a long list would fill pages)."""
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"


def comparison_words(comparison: Comparison) -> str:
    """What the difference of medians means, in words (never an arrow)."""
    if comparison.verdict == "too few":
        return f"Too few to compare (fewer than {MIN_TO_COMPARE} incidents with this moment in a period)."
    assert comparison.difference is not None and comparison.low is not None and comparison.high is not None
    interval = f"{charts.span_text(comparison.low)} to {charts.span_text(comparison.high)}"
    change = charts.span_text(comparison.difference)
    if comparison.verdict == "within noise":
        return f"Within noise: the medians differ by {change}, and the {CONFIDENCE:.0%} interval ({interval}) includes no change."
    return f"{comparison.verdict.capitalize()} than the previous period by {change} ({CONFIDENCE:.0%} interval {interval})."


def availability_text(row: ComponentAvailability) -> str:
    return "–" if row.percent is None else f"{row.percent:.3f} %"


def build_date_text(report: Report) -> str:
    built = report.provenance.build_date
    if built is None:
        return "not recorded (SOURCE_DATE_EPOCH was not set)"
    return f"{built.astimezone(UTC):%Y-%m-%d %H:%M} UTC (from SOURCE_DATE_EPOCH)"  # minutes, naming where it came from


def context(report: Report, *, fmt: str) -> dict[str, Any]:
    """Everything the templates print, computed here so each template only lays it out."""
    config, period = report.config, report.period
    t = strings(config.locale, {"statuses": config.labels.statuses, "headings": config.labels.headings})
    current_label = f"{day_text(period.first_day)} – {day_text(period.last_day)}"
    previous_label = f"{day_text(report.previous.first_day)} – {day_text(report.previous.last_day)}"
    zone = ZoneInfo(period.zone)
    clipped = report.availability_end < period.end
    return {
        "report": report,
        "config": config,
        "t": t,
        "internal": report.internal,
        "fmt": fmt,
        "title": TITLE,
        "company": config.company,
        "paper": config.paper,
        "header_right": (config.confidentiality or t["fields"]["confidential"]) if report.internal else f"{TITLE}: {config.company}",
        "confidential": config.confidentiality or t["fields"]["confidential"],
        "period_label": current_label,
        "previous_label": previous_label,
        "current_short": "This period",
        "previous_short": "Previous period",
        "impacts": [(key, charts.IMPACT_WORDS[key]) for key in ("critical", "major", "minor", "none", "maintenance")],
        "states": [(key, STATE_WORDS[key]) for key in STATES],
        "by_type": table(report.actions, "type"),
        "by_priority": table(report.actions, "priority"),
        "type_words": TYPE_WORDS,
        "counts_svg": charts.counts_chart(report.counts) if fmt != "md" else "",
        "counts_labelled": charts.counts_are_labelled(len(report.counts.months)),
        "strip_svgs": {m.key: charts.strip_chart(m, "This period", "Previous period") for m in report.measures} if fmt != "md" else {},
        "span": charts.span_text,
        "compare": comparison_words,
        "percent": availability_text,
        "one_line": one_line,
        "some": some,
        "day": lambda moment: day_text(moment.astimezone(zone).date()),
        "build_date": build_date_text(report),
        "clipped_at": f"{report.availability_end.astimezone(zone):%Y-%m-%d %H:%M} {report.availability_end.astimezone(zone).tzname()}"
        if clipped else None,
        "resamples": RESAMPLES,
        "confidence": f"{CONFIDENCE:.0%}",
        "min_to_compare": MIN_TO_COMPARE,
        "raw": MarkdownSafe,
    }


def report_html(report: Report, *, templates: Path | None = None, fmt: str = "html") -> str:
    return make_environment(templates).get_template("report/period.html").render(context(report, fmt=fmt))


def report_markdown(report: Report, *, templates: Path | None = None) -> str:
    return make_environment(templates, markdown=True).get_template("report/period.md").render(context(report, fmt="md"))


def _pdf_dates(report: Report) -> datetime:
    """The PDF's creation date: the build date when given, else the end of the period (never the clock)."""
    if report.provenance.build_date is not None:
        return report.provenance.build_date
    return datetime.combine(report.period.last_day, time(23, 59), tzinfo=ZoneInfo(report.period.zone))


def render_report(report: Report, fmt: str, *, templates: Path | None = None) -> bytes:
    """The report in ``fmt`` (md, html or pdf) as bytes; the same input gives the same bytes."""
    if fmt == "md":
        return report_markdown(report, templates=templates).encode()
    html = report_html(report, templates=templates, fmt=fmt)
    if fmt == "html":
        return html.encode()
    from generator.render.pdf_engine import PdfMetadata, html_to_pdf

    moment = _pdf_dates(report)
    metadata = PdfMetadata(
        title=f"{TITLE}: {day_text(report.period.first_day)} – {day_text(report.period.last_day)}",
        author=report.config.company,
        subject=f"Incidents, response times, availability and follow-through of {report.config.company}",
        keywords=("reliability", "incidents", *((report.component and [report.component]) or [])),
        created=moment, modified=moment, lang=report.config.locale,
    )
    return html_to_pdf(html, metadata)
