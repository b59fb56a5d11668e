"""Template filters: time in the incident's zones, durations, Markdown in and out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from generator.model.types import precision
from generator.render import contexts, formatting, markdown
from generator.render.colour import readable


def md_inline(value: object) -> str:
    """Text escaped for a Markdown document: it cannot start Markdown structure."""
    return markdown.markdown_inline(value)


def date_formats(t: dict[str, Any]) -> dict[str, str]:
    """The locale's date and stamp patterns, and its words for approximate and unknown times."""
    return {"date_format": t.get("date_format", formatting.EN_DATE), "stamp_format": t.get("stamp_format", formatting.EN_STAMP),
            "around": t.get("around", formatting.EN_AROUND), "unknown": t.get("time_unknown", formatting.EN_UNKNOWN)}


@pass_context
def posted(context: Context, moment: datetime) -> str:
    """``Sep 13, 2021 - 16:53 BST`` in the incident's display zone."""
    return formatting.posted(moment, context["zone"], context["t"]["months"], **date_formats(context["t"]))


@pass_context
def local_stamp(context: Context, moment: datetime | None, zone_name: str | None = None) -> str:
    """A moment as the post prints it, in the incident's zone (or ``zone_name``)."""
    if moment is None:  # a resolved incident is never "ongoing", even when its end was not recorded
        incident = context.get("incident")
        resolved = incident is not None and incident.is_resolved
        return context["t"]["fields"]["not_recorded" if resolved else "ongoing"]
    return formatting.stamp(moment, zone_name or context["zone"], context["t"]["months"], **date_formats(context["t"]))


@pass_context
def local_day(context: Context, moment: datetime) -> str:
    """The day of a moment, in the incident's zone."""
    return formatting.day(moment, context["zone"], context["t"]["months"], date_format=date_formats(context["t"])["date_format"])


def iso(moment: datetime) -> str:
    """The machine-readable moment for ``<time datetime>``: a date alone stays a date; an unknown time is empty."""
    kind = precision(moment)
    if kind == "unknown":
        return ""
    written = getattr(moment, "written_day", None)
    return written.isoformat() if kind == "day" and written else formatting.iso(moment)


def is_url(value: str) -> bool:
    """A ticket given as a link (otherwise it is an ID such as ``Bug 5554823``)."""
    return str(value).lower().startswith(("http://", "https://", "mailto:"))


def ticket_label(url: str) -> str:
    """A short label for a ticket link: its last path segment (``PAY-1432``) or its host."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    return segments[-1] if segments else parts.netloc or url


@pass_context
def duration(context: Context, span: timedelta | None) -> str:
    """A span in words ("about 2 hours"), in the site's language."""
    return formatting.duration(span, context["t"].get("about", "about {span}"))


ESCAPE_ALL = "markdown_escape_all"  # context key: the document failed the whole-document check; escape every value


def register(env: Environment, markdown_safe: type[str]) -> None:
    """Install the filters; Markdown output filters return ``markdown_safe`` strings."""

    def escape_all(context: Context) -> bool:
        return bool(context.get(ESCAPE_ALL))

    @pass_context
    def md_block(context: Context, text: str | None, under: int | None = None) -> str:
        if escape_all(context):
            return markdown_safe(markdown.escape_all_markdown(text or ""))
        return markdown_safe(markdown.markdown_block(text, under))

    @pass_context
    def md_item(context: Context, text: str | None, indent: int = 2, under: int | None = None) -> str:
        """Markdown after a list item's lead-in (``- **10:00**: …``), kept inside the item; headings below ``under``."""
        if escape_all(context):
            return markdown_safe(markdown.escape_all_markdown(text or ""))
        return markdown_safe(markdown.markdown_item(text, indent, under))

    @pass_context
    def md_url(context: Context, url: Any) -> str:
        """A checked link destination for ``[label]({{ url|md_url }})``."""
        if escape_all(context):
            return markdown_safe(markdown.REMOVED_LINK)
        return markdown_safe(markdown.markdown_url(url))

    def md_text(value: Any) -> str:
        return markdown_safe(md_inline(value))

    def md_indent(value: str, width: int = 2) -> str:
        """Continuation lines of a block placed after a list marker, indented so they stay inside the item
        (a second paragraph, a nested list)."""
        lines = str(value).split("\n")
        return markdown_safe("\n".join([lines[0], *[(" " * width + line) if line.strip() else "" for line in lines[1:]]]))

    @pass_context
    def md_raw(context: Context, value: Any) -> str:
        """Template-authored Markdown that must not be escaped (e.g. a table separator)."""
        if escape_all(context):
            return markdown_safe(markdown.escape_all_markdown(value))
        return markdown_safe(str(value))

    env.filters.update(
        markdown=markdown.markdown_to_html,
        md_block=md_block,
        md_item=md_item,
        md_url=md_url,
        md_inline=md_text,
        md_raw=md_raw,
        md_indent=md_indent,
        is_url=is_url,
        posted=posted,
        local_stamp=local_stamp,
        local_day=local_day,
        iso=iso,
        duration=duration,
        ticket_label=ticket_label,
        plain=markdown.markdown_to_text,
        readable=readable,
        shorten=markdown.shorten,
        css_string=contexts.css_string,
        css_colour=contexts.css_colour,
        css_ident=contexts.css_ident,
        safe_url=contexts.safe_url,
        json_for_html=contexts.json_for_html,
    )
