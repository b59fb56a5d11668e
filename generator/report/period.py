"""The period a report covers: whole days in the site's zone, and the previous period of the same length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Period:
    """``first_day`` to ``last_day`` inclusive, in ``zone``: from midnight of the first to midnight after the last."""

    first_day: date
    last_day: date
    zone: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(0), tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day (a DST day is 23 or 25 hours; the zone decides)."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), tzinfo=ZoneInfo(self.zone)).astimezone(UTC)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def previous(self) -> Period:
        """The same number of days, ending the day before this period begins."""
        last = self.first_day - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last, self.zone)

    def months(self) -> list[tuple[int, int]]:
        """Every (year, month) the period touches, in order."""
        found: list[tuple[int, int]] = []
        year, month = self.first_day.year, self.first_day.month
        while (year, month) <= (self.last_day.year, self.last_day.month):
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found


class PeriodError(ValueError):
    """The dates given on the command line do not make a period."""


def parse_day(text: str, option: str) -> date:
    """``2024-07-01``; anything else is a usage error naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-07-01") from None


def choose_period(since: date | None, until: date | None, today: date, zone: str) -> Period:
    """The period asked for; a missing end is ``today``, a missing start makes it ``DEFAULT_DAYS`` long."""
    last = until or today
    first = since or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise PeriodError(f"--since {first.isoformat()} is after --until {last.isoformat()}")
    return Period(first, last, zone)
