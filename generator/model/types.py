"""Field types shared by the incident and config models.

Every value arrives as text from the strict YAML reader, so each type here
says exactly which text it accepts; nothing is guessed from YAML 1.1 rules.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, Field

MAX_LINE_CHARS = 300
MAX_MARKDOWN_CHARS = 50_000


class PublicMarker:
    """Marks a model field as allowed in public outputs (everything else is internal)."""

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC = PublicMarker()


def _single_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def _markdown(value: str) -> str:
    value = value.strip("\n")
    if not value.strip():
        raise ValueError("must not be empty; leave the key out instead")
    return value


def _bool(value: Any) -> Any:
    """Accept only ``true``/``false``: ``yes``/``no``/``on`` mean text, not booleans."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in {"true", "false"}:
        return value == "true"
    raise ValueError("must be true or false")


def _zone(value: str) -> str:
    if value != "UTC" and "/" not in value:
        raise ValueError(f"{value!r} is not an IANA time zone name; use a name such as Europe/London or UTC")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        close = [z for z in available_timezones() if z.lower() == value.lower()]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown time zone {value!r}{hint}") from None
    return value


_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use 1-80 lowercase letters, digits and hyphens, "
            "starting and ending with a letter or digit"
        )
    return value


def _url(value: str) -> str:
    value = value.strip()
    if not re.match(r"^(https?://[^\s/$.?#][^\s]*|mailto:[^\s]+)$", value, re.IGNORECASE):
        raise ValueError(f"{value!r} is not an http(s) or mailto URL")
    return value


def _timestamp_text(value: Any) -> Any:
    """Require a full date-time string with an offset; give a clear message otherwise."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a timestamp such as 2021-09-13T16:53:00+01:00")
    text = value.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text):
        raise ValueError(f"{value!r} is not a timestamp; write it as 2021-09-13T16:53:00+01:00")
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as exc:
        reason = "the UTC offset must be between -23:59 and +23:59" if "offset" in str(exc) else str(exc)
        raise ValueError(f"{value!r} is not a valid timestamp ({reason})") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset; add one such as +01:00 or Z")
    return parsed


def _date_text(value: Any) -> Any:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date; write it as 2021-09-13") from None


Line = Annotated[str, AfterValidator(_single_line), Field(max_length=MAX_LINE_CHARS)]
Markdown = Annotated[str, AfterValidator(_markdown), Field(max_length=MAX_MARKDOWN_CHARS)]
Flag = Annotated[bool, BeforeValidator(_bool)]
Zone = Annotated[str, AfterValidator(_zone)]
Slug = Annotated[str, AfterValidator(_slug)]
Url = Annotated[str, AfterValidator(_url), Field(max_length=2000)]
Timestamp = Annotated[datetime, BeforeValidator(_timestamp_text)]
Day = Annotated[date, BeforeValidator(_date_text)]
