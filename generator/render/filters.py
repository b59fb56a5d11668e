"""Template filters: time in the incident's zones, durations, Markdown in and out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from generator.render import formatting, markdown


def md_inline(value: object) -> str:
    return markdown.markdown_inline(value)


def date_formats(t: dict[str, Any]) -> dict[str, str]:
    """The locale's date and stamp patterns (English order when a table has none)."""
    return {"date_format": t.get("date_format", formatting.EN_DATE), "stamp_format": t.get("stamp_format", formatting.EN_STAMP)}


@pass_context
def posted(context: Context, moment: datetime) -> str:
    """``Sep 13, 2021 - 16:53 BST`` in the incident's display zone."""
    return formatting.posted(moment, context["zone"], context["t"]["months"], **date_formats(context["t"]))


@pass_context
def local_stamp(context: Context, moment: datetime | None, zone_name: str | None = None) -> str:
    if moment is None:
        return context["t"]["fields"]["ongoing"]
    return formatting.stamp(moment, zone_name or context["zone"], context["t"]["months"], **date_formats(context["t"]))


@pass_context
def local_day(context: Context, moment: datetime) -> str:
    return formatting.day(moment, context["zone"], context["t"]["months"], date_format=date_formats(context["t"])["date_format"])


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ticket_label(url: str) -> str:
    """A short label for a ticket link: its last path segment (``PAY-1432``) or its host."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    return segments[-1] if segments else parts.netloc or url


def duration(span: timedelta | None) -> str:
    return formatting.duration(span)


def register(env: Environment, markdown_safe: type[str]) -> None:
    """Install the filters; Markdown output filters return ``markdown_safe`` strings."""

    def md_block(text: str | None) -> str:
        return markdown_safe(markdown.markdown_block(text))

    def md_text(value: Any) -> str:
        return markdown_safe(md_inline(value))

    def md_raw(value: Any) -> str:
        """Template-authored Markdown that must not be escaped (e.g. a table separator)."""
        return markdown_safe(str(value))

    env.filters.update(
        markdown=markdown.markdown_to_html,
        md_block=md_block,
        md_inline=md_text,
        md_raw=md_raw,
        posted=posted,
        local_stamp=local_stamp,
        local_day=local_day,
        iso=iso,
        duration=duration,
        ticket_label=ticket_label,
        plain=markdown.markdown_to_text,
    )
