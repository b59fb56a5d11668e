"""Field types shared by the incident and config models.

Every value arrives as text from the strict YAML reader, so each type here
says exactly which text it accepts; nothing is guessed from YAML 1.1 rules.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo

MAX_LINE_CHARS = 300
MAX_MARKDOWN_CHARS = 50_000


class PublicMarker:
    """Marks a model field as allowed in public outputs (everything else is internal)."""

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC = PublicMarker()


def check_single_line(value: str) -> str:
    """One line of text, stripped; line breaks and invisible controls are refused."""
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def check_markdown(value: str) -> str:
    """Markdown text without surrounding blank lines; empty text is refused."""
    value = value.strip("\n")
    if not value.strip():
        raise ValueError("must not be empty; leave the key out instead")
    return value


def parse_flag(value: Any) -> Any:
    """Accept only ``true``/``false``: ``yes``/``no``/``on`` mean text, not booleans."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in {"true", "false"}:
        return value == "true"
    raise ValueError("must be true or false")


def check_zone(value: str) -> str:
    """An IANA zone name (``Europe/London``); abbreviations and unknown names are refused."""
    if value != "UTC" and "/" not in value:
        raise ValueError(f"{value!r} is not an IANA time zone name; use a name such as Europe/London or UTC")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        close = [z for z in available_timezones() if z.lower() == value.lower()]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown time zone {value!r}{hint}") from None
    return value


SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


def check_slug(value: str) -> str:
    """An id: lowercase letters, digits and hyphens, at most 80 characters."""
    if not SLUG_PATTERN.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use 1-80 lowercase letters, digits and hyphens, "
            "starting and ending with a letter or digit"
        )
    return value


def check_url(value: str) -> str:
    """An http(s) or mailto URL."""
    value = value.strip()
    if not re.match(r"^(https?://[^\s/$.?#][^\s]*|mailto:[^\s]+)$", value, re.IGNORECASE):
        raise ValueError(f"{value!r} is not an http(s) or mailto URL")
    return value


class Moment(datetime):
    """A moment known less exactly than to the minute: ``approximate`` ("~19:00"), ``day`` (a date
    with no time) or ``unknown`` (a post known to exist, its time not recorded).

    It is still a datetime, so ordering, durations and every consumer keep working; the renderers
    ask :func:`precision` and print "around 19:00", "Feb 10, 2017" or "time not recorded", never an
    invented clock time. A ``day`` moment is placed at 12:00 UTC (its date stays the same in every
    zone from UTC-11 to UTC+12) and keeps the written date in ``written_day``; an ``unknown`` one borrows
    the time of a neighbouring update so it sorts where it was written (``rank`` breaks the tie).
    """

    precision: str = "approximate"
    written_day: date | None = None
    rank: int = 0

    def __reduce_ex__(self, protocol: object) -> tuple[Any, ...]:
        return (_restore_moment, (datetime.isoformat(self), self.precision, self.written_day, self.rank))


def _restore_moment(text: str, precision: str, written_day: date | None, rank: int) -> Moment:
    return make_moment(datetime.fromisoformat(text), precision, written_day, rank)


def make_moment(moment: datetime, precision: str, written_day: date | None = None, rank: int = 0) -> Moment:
    """``moment`` with its precision (exact, approximate, day or unknown) and how it was written."""
    made = Moment(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                  moment.microsecond, moment.tzinfo, fold=moment.fold)
    made.precision, made.written_day, made.rank = precision, written_day, rank
    return made


def precision(moment: object) -> str:
    """``exact`` for a plain datetime; otherwise what the writer knew."""
    return moment.precision if isinstance(moment, Moment) else "exact"


APPROXIMATE_PREFIX = "~"
UNKNOWN_TIME = "unknown"


# Zone offsets stay within a day, so a moment in this range has a date in every zone; outside it,
# showing it in some zone overflows Python's years 1-9999 (``0001-01-01T00:30:00+05:00`` in UTC).
EARLIEST_MOMENT = datetime(1, 1, 2, tzinfo=UTC)
LATEST_MOMENT = datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC)


def displayable_everywhere(moment: datetime) -> bool:
    """True when ``moment`` can be shown in every time zone without leaving years 1-9999."""
    return EARLIEST_MOMENT <= moment <= LATEST_MOMENT



_STAMP_SHAPE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?")
_OFFSET = re.compile(r"(?:[Zz]|[+-](\d{2}):?(\d{2})(?::?\d{2}(?:\.\d+)?)?|[+-](\d{2}))$")
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]
EXAMPLE_STAMP = "2021-09-13T16:53:00+01:00"


def _impossible_part(text: str) -> str | None:
    """Which part of a timestamp-shaped text names no real moment, in words (never Python's message)."""
    match = _STAMP_SHAPE.match(text)
    if not match:
        return None
    year, month, day, hour, minute = (int(part) for part in match.groups()[:5])
    second = int(match.group(6) or 0)
    if not 1 <= month <= 12:
        return f"there is no month {month:02d}"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        leap = " (not a leap year)" if month == 2 and day == 29 else ""
        return f"{_MONTHS[month - 1]} {year} has {days} days{leap}"
    if hour > 23:
        return f"the hour {hour:02d} does not exist; hours run from 00 to 23"
    if minute > 59:
        return f"the minute {minute:02d} does not exist; minutes run from 00 to 59"
    if second > 59:
        return f"the second {second:02d} does not exist; seconds run from 00 to 59"
    offset = _OFFSET.search(text[match.end():].strip())
    if offset and (offset.group(1) or offset.group(3)):
        hours, minutes = int(offset.group(1) or offset.group(3)), int(offset.group(2) or 0)
        if hours > 23 or minutes > 59:
            return "the UTC offset must be between -23:59 and +23:59"
    return None


def offset_hint(naive: datetime, zone_name: str | None) -> str:
    """How to write a time given without an offset: the offset in force in ``zone_name`` at that moment.

    In a daylight-saving switch the wall time is ambiguous (clocks go back) or does not exist
    (clocks go forward); both are said, with the offsets on either side.
    """
    if not zone_name:
        return f"add the offset, as in {EXAMPLE_STAMP}, or Z for UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return f"add the offset, as in {EXAMPLE_STAMP}, or Z for UTC"
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)

    def written(moment: datetime) -> str:
        return moment.isoformat(timespec="seconds" if not moment.microsecond else "milliseconds")

    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != naive:  # in the gap: the clocks jumped over this wall time
            return (f"{naive:%H:%M} did not happen in {zone_name} on {naive:%Y-%m-%d} (the clocks went forward); "
                    f"write {written(first)} ({first.tzname()}) or {written(second)} ({second.tzname()})")
        return (f"{naive:%H:%M} happened twice in {zone_name} on {naive:%Y-%m-%d} (the clocks went back); "
                f"write {written(first)} ({first.tzname()}) for the first or {written(second)} ({second.tzname()}) for the second")
    return f"in {zone_name} that moment is {first.tzname()}, so write {written(first)}"


def _zone_of(info: ValidationInfo | None) -> str | None:
    """The incident's display zone, when the validation context carries it (``validate_document``)."""
    zone = (info.context or {}).get("zone") if info is not None else None
    return zone if isinstance(zone, str) else None


def timestamp_validator(value: Any, info: ValidationInfo) -> Any:
    """A timestamp with an offset (an offset hint in the document's zone when it has none)."""
    return _timestamp_text(value, _zone_of(info))


def _timestamp_text(value: Any, zone: str | None = None) -> Any:
    """Require a full date-time string with an offset; give a clear message otherwise.

    ``~2021-09-13T19:00:00-07:00`` is an approximate time ("around 19:00").  The hint for a
    missing offset names the offset in force at that moment in ``zone`` (the incident's zone,
    so ``+00:00`` for London in winter).
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None and not displayable_everywhere(value):
            raise ValueError(f"{value.isoformat()!r} is too close to the year 1 or 9999 to be shown in every time zone")
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be a timestamp such as {EXAMPLE_STAMP}")
    text = value.strip()
    if text == UNKNOWN_TIME:
        raise ValueError("'unknown' is only allowed for an update's `posted_at`, next to an update whose time is known")
    if text.startswith(APPROXIMATE_PREFIX):
        return make_moment(_timestamp_text(text[1:].strip(), zone), "approximate")
    if not _STAMP_SHAPE.match(text):
        raise ValueError(f"{value!r} is not a timestamp; write it as {EXAMPLE_STAMP}")
    impossible = _impossible_part(text)
    if impossible:
        raise ValueError(f"{value!r} is not a valid timestamp: {impossible}")
    try:
        parsed = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{value!r} is not a valid timestamp; write it as {EXAMPLE_STAMP}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset; {offset_hint(parsed, zone)} "
                         "(a file always needs the offset; only the command line's --at fills it in for you)")
    if not displayable_everywhere(parsed):
        raise ValueError(f"{value!r} is too close to the year 1 or 9999 to be shown in every time zone")
    return parsed


def _loose_timestamp_text(value: Any, zone: str | None = None) -> Any:
    """A timestamp, an approximate one, or a date alone (``2017-02-10``: the time was not recorded)."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        day = parse_day(value)
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        if not displayable_everywhere(noon):
            raise ValueError(f"{value!r} is too close to the year 1 or 9999 to be shown in every time zone")
        return make_moment(noon, "day", day)
    return _timestamp_text(value, zone)


def loose_timestamp_validator(value: Any, info: ValidationInfo) -> Any:
    """A timestamp, an approximate one, a date alone or ``unknown``."""
    return _loose_timestamp_text(value, _zone_of(info))


def parse_loose_timestamp(value: Any) -> datetime | None:
    """The moment a loose timestamp's text names, or None when it names none (used to place unknown post times)."""
    try:
        moment = _loose_timestamp_text(value)
    except ValueError:
        return None
    return moment if isinstance(moment, datetime) else None


_TICKET_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S")


def check_ticket(value: str) -> str:
    """A ticket ID (``Bug 5554823``, ``PAY-1432``) or an http(s)/mailto URL; no other link scheme."""
    value = check_single_line(value)
    if _TICKET_SCHEME.match(value):
        try:
            return check_url(value)
        except ValueError:
            raise ValueError(f"{value!r} is neither a ticket ID (such as PAY-1432) nor an http(s) or mailto URL") from None
    return value


def parse_day(value: Any) -> Any:
    """A date (``2021-09-30``)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date; write it as 2021-09-13") from None


Line = Annotated[str, AfterValidator(check_single_line), Field(max_length=MAX_LINE_CHARS)]
Markdown = Annotated[str, AfterValidator(check_markdown), Field(max_length=MAX_MARKDOWN_CHARS)]
Flag = Annotated[bool, BeforeValidator(parse_flag)]
Zone = Annotated[str, AfterValidator(check_zone)]
Slug = Annotated[str, AfterValidator(check_slug)]
Url = Annotated[str, AfterValidator(check_url), Field(max_length=2000)]
Timestamp = Annotated[datetime, BeforeValidator(timestamp_validator)]
Day = Annotated[date, BeforeValidator(parse_day)]
# Where real reports give less than a minute: timeline entries and posted updates.
LooseTimestamp = Annotated[datetime, BeforeValidator(loose_timestamp_validator)]
Ticket = Annotated[str, AfterValidator(check_ticket), Field(max_length=2000)]
