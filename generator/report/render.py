"""Render the period report: Markdown, a standalone HTML page, or a PDF with the incident report's look.

The HTML and the PDF come from one template (``templates/report/period.html``) that includes the
incident PDF's stylesheet (``report.css``: page size, running header, "Page n of m") and its own
additions (``report/period.css``); the Markdown (``report/period.md``) carries the same tables, its
charts being in the HTML and PDF only.
"""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from generator.i18n import strings
from generator.render.environment import MarkdownSafe, make_environment
from generator.render.markdown import markdown_to_text, shorten
from generator.render.svg import SVG_NS
from generator.report import charts
from generator.report.availability import ComponentAvailability
from generator.report.document import Report
from generator.report.follow_through import STATES, table, totals
from generator.report.statistics import CONFIDENCE, MIN_TO_COMPARE, RESAMPLES, Comparison

FORMATS = ("md", "html", "pdf")


def words_of(locale: str) -> dict[str, Any]:
    """The period report's strings in ``locale`` (``strings(locale)["period_report"]``)."""
    return strings(locale)["period_report"]


def day_text(day: date, locale: str = "en") -> str:
    """``Jul 01, 2024`` (``1. Juli 2024``, ``1 juil. 2024``), as the incident documents write dates."""
    t = strings(locale)
    return t["date_format"].format(mon=t["months"][day.month - 1], day=day.day, year=day.year)


def one_line(markdown: str, limit: int = 160) -> str:
    """A Markdown field as one line of plain text, cut at a word boundary."""
    return shorten(re.sub(r"\s+", " ", markdown_to_text(markdown)).strip(), limit)


def some(names: tuple[str, ...] | list[str], limit: int = 12, words: dict[str, Any] | None = None) -> str:
    """``a, b, c``; past ``limit`` names, the first ones and how many more (a long list would fill pages)."""
    if len(names) <= limit:
        return ", ".join(names)
    return (words or words_of("en"))["more"].format(names=", ".join(names[:limit]), count=len(names) - limit)


def comparison_words(comparison: Comparison, words: dict[str, Any] | None = None) -> str:
    """What the difference of medians means, in words (never an arrow)."""
    said = (words or words_of("en"))["comparison"]
    if comparison.verdict == "too few":
        return said["too_few"].format(minimum=MIN_TO_COMPARE)
    assert comparison.difference is not None and comparison.low is not None and comparison.high is not None
    interval = said["interval"].format(low=charts.span_text(comparison.low), high=charts.span_text(comparison.high))
    change, confidence = charts.span_text(comparison.difference), f"{CONFIDENCE:.0%}"
    key = {"within noise": "within_noise", "longer": "longer", "shorter": "shorter"}[comparison.verdict]
    return said[key].format(change=change, confidence=confidence, interval=interval)


def availability_text(row: ComponentAvailability) -> str:
    return "–" if row.percent is None else f"{row.percent:.3f} %"


def build_date_text(report: Report, words: dict[str, Any] | None = None) -> str:
    facts = (words or words_of("en"))["facts"]
    built = report.provenance.build_date
    if built is None:
        return facts["not_recorded"]
    return facts["built_at"].format(when=f"{built.astimezone(UTC):%Y-%m-%d %H:%M}")  # minutes, naming where it came from


def code_spans(text: str) -> Markup:
    """One of the report's own strings for HTML: escaped, with `backticks` as ``<code>`` (the Markdown keeps them)."""
    return Markup(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", str(escape(text))))


SVG_TITLE, SVG_DESC = f"{{{SVG_NS}}}title", f"{{{SVG_NS}}}desc"


def alternative_text(title: str, desc: str) -> str:
    """A chart's text alternative: its title, then its description (``Title. Description``)."""
    title, desc = title.strip(), desc.strip()
    if not desc or not title:
        return title or desc
    return f"{title}{'' if title[-1] in '.!?:…' else '.'} {desc}"


def chart_markup(svg: str, fmt: str) -> Markup:
    """A chart for the page: the SVG inline in the HTML; in the PDF, the same bytes as a ``data:`` image
    whose ``alt`` is its title and description.

    As for the incident PDF's timeline picture: inline, every element of the SVG goes through
    WeasyPrint's HTML tokenizer and style cascade, which cost more than drawing it; as an image it is
    read by an XML parser, its text stays text, and its Figure tag carries the whole text
    alternative as ``/Alt``.
    """
    if fmt != "pdf":
        return Markup(svg)  # every text in it is escaped by the SVG writer
    root = ElementTree.fromstring(svg)
    alt = alternative_text(root.findtext(SVG_TITLE) or "", root.findtext(SVG_DESC) or "")
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Markup('<img class="chart-image" alt="{}" src="data:image/svg+xml;base64,{}">').format(alt, Markup(data))


def context(report: Report, *, fmt: str) -> dict[str, Any]:
    """Everything the templates print, computed here so each template only lays it out."""
    config, period = report.config, report.period
    t = strings(config.locale, {"statuses": config.labels.statuses, "headings": config.labels.headings})
    p = t["period_report"]
    locale = config.locale
    current_label = f"{day_text(period.first_day, locale)} – {day_text(period.last_day, locale)}"
    previous_label = f"{day_text(report.previous.first_day, locale)} – {day_text(report.previous.last_day, locale)}"
    zone = ZoneInfo(period.zone)
    clipped = report.availability_end < period.end
    title = p["title"]
    return {
        "report": report,
        "config": config,
        "t": t,
        "p": p,
        "internal": report.internal,
        "fmt": fmt,
        "title": title,
        "company": config.company,
        "paper": config.paper,
        "header_right": (config.confidentiality or t["fields"]["confidential"]) if report.internal
        else p["header"].format(title=title, company=config.company),
        "confidential": config.confidentiality or t["fields"]["confidential"],
        "period_label": current_label,
        "previous_label": previous_label,
        "last_day": day_text(period.last_day, locale),
        "current_short": p["this_period"],
        "previous_short": p["previous_period"],
        "impacts": [(key, p["impacts"][key]) for key in ("critical", "major", "minor", "none", "maintenance")],
        "states": [(key, p["states"][key]) for key in STATES],
        "state_summary": ", ".join(p["state_count"].format(count=count, state=p["states"][key].lower())
                                   for key, count in totals(report.actions).items()),
        "by_type": table(report.actions, "type", p),
        "by_priority": table(report.actions, "priority", p),
        "type_words": {None: p["types"]["none"], **{k: v for k, v in p["types"].items() if k != "none"}},
        "measure_words": {key: {"label": label, "definition": definition} for key, (label, definition) in p["measures"].items()},
        "counts_svg": chart_markup(charts.counts_chart(report.counts, p, t["months"]), fmt) if fmt != "md" else "",
        "counts_labelled": charts.counts_are_labelled(len(report.counts.months)),
        "strip_svgs": {m.key: chart_markup(charts.strip_chart(m, p["this_period"], p["previous_period"], p), fmt)
                       for m in report.measures}
        if fmt != "md" else {},
        "span": charts.span_text,
        "compare": lambda comparison: comparison_words(comparison, p),
        "percent": availability_text,
        "one_line": one_line,
        "some": lambda names: some(names, words=p),
        "code": code_spans,
        "day": lambda moment: day_text(moment.astimezone(zone).date(), locale),
        "build_date": build_date_text(report, p),
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
    locale = report.config.locale
    p = words_of(locale)
    metadata = PdfMetadata(
        title=p["heading"].format(title=p["title"], period=f"{day_text(report.period.first_day, locale)} – "
                                                            f"{day_text(report.period.last_day, locale)}"),
        author=report.config.company,
        subject=p["pdf_subject"].format(company=report.config.company),
        keywords=(*p["keywords"], *((report.component and [report.component]) or [])),
        created=moment, modified=moment, lang=report.config.locale,
    )
    return html_to_pdf(html, metadata)
