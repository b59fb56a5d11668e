""""Now" for the writing commands: injectable (``POSTMORTEM_NOW``) and always zone-aware.

Commands that stamp times (``new``, ``update``) never use a naive clock: a moment is
taken in UTC and shown in the incident's IANA zone, so the offset written to the
file is the one in force at that instant (``+01:00`` in a London summer).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from generator.model.types import displayable_everywhere

NOW_VARIABLE = "POSTMORTEM_NOW"
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"  # the reproducible-builds convention: "now" of a build


class ClockError(ValueError):
    """A moment given on the command line or in ``POSTMORTEM_NOW`` cannot be used."""


def _offset(moment: datetime) -> str:
    """``+01:00`` for a zone-aware moment."""
    text = moment.isoformat()
    return text[-6:] if text[-6] in "+-" else "+00:00"


def local_reading(wall: datetime, zone_name: str) -> tuple[datetime | None, str]:
    """Read a wall-clock time (no offset) in ``zone_name``: the moment, or None and why it cannot be.

    On the night the clocks go back a time happens twice, and on the night they go
    forward an hour never happens: both are explained with the offsets to write.
    """
    zone = ZoneInfo(zone_name)
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    shown = wall.isoformat(timespec="minutes") if not wall.second else wall.isoformat()
    clock = f"{wall:%H:%M}"
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        before, after = first.tzname(), second.tzname()
        return None, (f"{shown} does not exist in {zone_name}: the clocks go forward that night ({before} to {after}), "
                      f"so {clock} is skipped; give an offset such as {shown}{_offset(first)} ({before}) if that is what you meant")
    if first.utcoffset() != second.utcoffset():
        return None, (f"{shown} happens twice in {zone_name}: the clocks go back that night; write {shown}{_offset(first)} "
                      f"for the first {clock} ({first.tzname()}) or {shown}{_offset(second)} for the second ({second.tzname()})")
    return first, ""


def parse_moment(text: str, zone_name: str) -> datetime:
    """An ISO 8601 moment; without an offset it is read as wall-clock time in ``zone_name``.

    The command line accepts a bare local time for convenience (the incident's zone
    says which offset applies); the file always stores the moment with its offset.
    A wall-clock time that does not exist (skipped by a DST change) or is ambiguous
    (repeated) is refused rather than guessed.
    """
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ClockError(f"{text!r} is not an ISO 8601 time; write it as 2021-09-13T16:53 (read in {zone_name}; "
                         "the file stores it with its offset) "
                         "or with an offset, 2021-09-13T16:53+01:00") from None
    zone = ZoneInfo(zone_name)
    if not displayable_everywhere(parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)):
        raise ClockError(f"{text!r} is too close to the year 1 or 9999 to be shown in every time zone")
    if parsed.tzinfo is not None:
        return parsed.astimezone(zone)
    moment, why = local_reading(parsed, zone_name)
    if moment is None:
        raise ClockError(why)
    return moment


def now_in(zone_name: str, at: str | None = None) -> datetime:
    """``at`` if given, else ``$POSTMORTEM_NOW``, else the system clock; in ``zone_name``, whole seconds."""
    text = at if at is not None else os.environ.get(NOW_VARIABLE)
    moment = parse_moment(text, zone_name) if text else datetime.now(ZoneInfo(zone_name))
    return moment.replace(microsecond=0)


def iso(moment: datetime) -> str:
    """``2021-09-13T16:53:00+01:00``; UTC is written ``Z`` like the seeds."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") and moment.tzname() in {"UTC", "Z"} else text


LATEST_SOURCE_DATE = 253402128000  # 9999-12-30T00:00:00Z: a day and more of headroom for zones and period ends


class SourceDateError(ValueError):
    """``SOURCE_DATE_EPOCH`` is set but is not a whole number of seconds, or is past the last date there is."""


def source_date() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` as a UTC moment (what a static build calls "now"), None when unset or empty."""
    text = os.environ.get(SOURCE_DATE_EPOCH, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):  # str.isdigit() also takes '١٢٣' and '²'
        raise SourceDateError(f"{SOURCE_DATE_EPOCH}={text[:40]!r} is not a whole number of seconds since 1970-01-01 UTC")
    if len(text.lstrip("0")) > 12 or int(text) > LATEST_SOURCE_DATE:  # beyond 9999-12-31: no date can show it (and no int() of 10**6 digits)
        raise SourceDateError(f"{SOURCE_DATE_EPOCH}={text[:40]!r} is after 9999-12-30 00:00 UTC, "
                              "the last moment a build can describe (a day before the calendar ends)")
    return datetime.fromtimestamp(int(text), UTC)
