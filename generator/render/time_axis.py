"""The time axis of a picture, in a display zone: round local ticks, local midnights and clock changes.

Positions are real elapsed time; only the labels are local. So across a clock change the ticks
keep their spacing while their labels jump (``01:00 BST``, then ``01:00 GMT``), and the caller
marks the change: time never seems to run backwards.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from generator.render import formatting

# Tick steps the axis may use, in minutes; days step in local calendar days.
_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)


def ticks(start: datetime, end: datetime, zone_name: str, *, most: int = 8) -> list[datetime]:
    """Tick moments between ``start`` and ``end``: round local times, spaced in real time (in local
    calendar days for steps of a day or more), at most ``most`` of them plus one."""
    span_minutes = (end - start).total_seconds() / 60
    step = next((s for s in _STEPS if span_minutes / s <= most), _STEPS[-1])
    while span_minutes / step > 4 * most:  # longer than the longest step: whole multiples of weeks
        step *= 2
    local_start = formatting.local(start, zone_name)
    if step >= 1440:
        days = step // 1440
        first = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
        out: list[datetime] = []
        day = first
        while len(out) <= 4 * most + 1:
            # Each local midnight, resolved in the zone (the 24 h count moves with a clock change).
            moment = day.replace(tzinfo=None).replace(tzinfo=formatting.zone(zone_name))
            if moment > end:
                break
            if moment >= start:
                out.append(moment)
            day = (day.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=formatting.zone(zone_name))
        return out
    # Round down to the step in local wall time, then walk in real (UTC) time.
    minute_of_day = local_start.hour * 60 + local_start.minute
    floor = local_start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(minutes=minute_of_day // step * step)
    moment = floor.astimezone(UTC)
    out = []
    while moment <= end and len(out) <= 4 * most + 1:
        if moment >= start:
            out.append(moment)
        moment += timedelta(minutes=step)
    return out


def clock_changes(start: datetime, end: datetime, zone_name: str) -> list[tuple[datetime, str, str]]:
    """Each moment between ``start`` and ``end`` where the zone's offset changes: (moment, before, after)."""
    step = max(timedelta(hours=1), (end - start) / 2000)
    changes: list[tuple[datetime, str, str]] = []
    low = start.astimezone(UTC)
    while low < end:
        high = min(low + step, end.astimezone(UTC))
        if formatting.local(low, zone_name).utcoffset() != formatting.local(high, zone_name).utcoffset():
            a, b = low, high
            while b - a > timedelta(minutes=1):  # to the minute
                mid = a + (b - a) / 2
                if formatting.local(mid, zone_name).utcoffset() == formatting.local(a, zone_name).utcoffset():
                    a = mid
                else:
                    b = mid
            b = b.replace(second=0, microsecond=0)
            changes.append((b, formatting.abbreviation(a, zone_name), formatting.abbreviation(b, zone_name)))
        low = high
    return changes


def midnights(start: datetime, end: datetime, zone_name: str, *, most: int = 14) -> list[datetime]:
    """Local midnights inside the axis (none when there would be more than ``most``)."""
    out: list[datetime] = []
    day = formatting.local(start, zone_name).date() + timedelta(days=1)
    while len(out) <= most:
        moment = datetime(day.year, day.month, day.day, tzinfo=formatting.zone(zone_name))
        if moment > end:
            return out
        out.append(moment)
        day += timedelta(days=1)
    return []
