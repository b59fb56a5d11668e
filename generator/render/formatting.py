"""Time, duration and list formatting shared by every output, so all of them agree."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from generator.model.types import precision


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` of an IANA name (cached)."""
    return ZoneInfo(name)


def local(moment: datetime, zone_name: str) -> datetime:
    """``moment`` in the zone ``zone_name``."""
    return moment.astimezone(zone(zone_name))


def abbreviation(moment: datetime, zone_name: str) -> str:
    """The zone abbreviation in force at that moment (BST in summer, GMT in winter)."""
    return local(moment, zone_name).tzname() or zone_name


def clock(moment: datetime, zone_name: str) -> str:
    """``HH:MM`` in the zone: people read minutes everywhere (an imported ``21:31:02`` shows as
    ``21:31``); the exact instant stays in ``<time datetime>`` and in the JSON."""
    return f"{local(moment, zone_name):%H:%M}"


def approximate_mark(moment: datetime) -> str:
    """``~`` before a clock time known only roughly (compact lists; documents say "around")."""
    return "~" if precision(moment) == "approximate" else ""


def minutes(moment: datetime, zone_name: str) -> str:
    """``HH:MM`` in the zone: how posted times and impact periods are shown (status pages print minutes)."""
    return f"{local(moment, zone_name):%H:%M}"


def iso(moment: datetime) -> str:
    """ISO 8601 with its offset and at most three fraction digits (milliseconds, truncated).

    The HTML standard's ``datetime`` attribute allows one to three fraction digits;
    Python's ``isoformat`` would print six for any non-zero microsecond.
    """
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


EN_DATE = "{mon} {day:02d}, {year}"
EN_STAMP = "{date} - {time} {zone}"
EN_AROUND = "around {time}"
EN_UNKNOWN = "(time not recorded)"


def posted(moment: datetime, zone_name: str, months: list[str], *, date_format: str = EN_DATE, stamp_format: str = EN_STAMP,
           around: str = EN_AROUND, unknown: str = EN_UNKNOWN) -> str:
    """Status-page style stamp: ``Sep 13, 2021 - 16:53 BST`` (minutes, as status pages print;
    the exact instant stays in the ``<time datetime>`` attribute). Locales reorder the parts.

    Honest about what is known: ``Sep 13, 2021 - around 19:00 PDT``, ``Feb 10, 2017`` (a date
    alone), or "time not recorded"; never an invented 00:00."""
    kind = precision(moment)
    if kind == "unknown":
        return unknown
    date = day(moment, zone_name, months, date_format=date_format)
    if kind == "day":
        return date
    when = local(moment, zone_name)
    time = f"{when:%H:%M}"
    if kind == "approximate":
        time = around.format(time=time)
    return stamp_format.format(date=date, time=time, zone=abbreviation(moment, zone_name))


def day(moment: datetime, zone_name: str, months: list[str], *, date_format: str = EN_DATE) -> str:
    """The date in the zone; a date-only moment prints the date as written."""
    when = getattr(moment, "written_day", None) or local(moment, zone_name)
    return date_format.format(mon=months[when.month - 1], day=when.day, year=when.year)


def stamp(moment: datetime, zone_name: str, months: list[str], **formats: str) -> str:
    """A full human stamp without the ``Posted`` word."""
    return posted(moment, zone_name, months, **formats)


def time_range(start: datetime, end: datetime, zone_name: str, months: list[str], *, date_format: str = EN_DATE,
               stamp_format: str = EN_STAMP) -> tuple[str, str]:
    """The two ends of a window as people read them: ``(Jul 10, 2024 - 04:00 BST, 06:00 BST)``.

    The end repeats the date only when it falls on another day; the start names its zone
    only when the end's zone differs (a daylight-saving switch inside the window).
    """
    formats = {"date_format": date_format, "stamp_format": stamp_format}
    start_abbr, end_abbr = abbreviation(start, zone_name), abbreviation(end, zone_name)
    start_text = stamp(start, zone_name, months, **formats)
    if start_abbr == end_abbr and start_text.endswith(f" {start_abbr}"):
        start_text = start_text[: -len(start_abbr) - 1]
    if local(start, zone_name).date() == local(end, zone_name).date():
        return start_text, f"{approximate_mark(end)}{clock(end, zone_name)} {end_abbr}"
    return start_text, stamp(end, zone_name, months, **formats)


def duration(span: timedelta | None, about: str = "about {span}") -> str:
    """``1d 3h 45m``; minutes are rounded down, seconds shown only under a minute; ``about 2h`` when
    the span was computed from an approximate moment."""
    if span is None:
        return "–"
    if type(span) is not timedelta:  # metrics.ApproximateSpan
        return about.format(span=duration(timedelta(seconds=span.total_seconds())))
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)}s"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return " ".join(p for p in parts if p)


def join_and(items: list[str], word: str = "and") -> str:
    """``A``, ``A and B``, ``A, B, and C`` (serial comma, as hosted status pages print)."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {word} {items[1]}"
    return f"{', '.join(items[:-1])}, {word} {items[-1]}"
