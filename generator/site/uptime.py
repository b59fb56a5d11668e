"""The 90-day uptime bar of each component, computed from impact windows (see ``record.impact_spans``).

A day is a calendar day in the site's zone, the last one being the day of
"now" (``status.site_now``).  Its level is the worst impact of any incident
affecting the component that day: critical, major, minor, maintenance, an
incident without impact, or no incident.  The availability is
the one ``postmortem report`` computes (``generator.model.availability``), under the
site config's ``availability`` policy (by default Statuspage's rule: a major outage
counts fully as downtime, a partial outage 30 %, degraded performance and
maintenance nothing; a component's status in an incident is the worst one posted
for it, else the one its impact implies).  It covers the 90 days up to "now", and is
rounded down so that a component with any downtime never reads 100.00 %.  The same figures are given for the last 30
days, which is what a phone shows of the bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from generator.model.availability import Stretch, region_count, weighted_downtime
from generator.model.config import AvailabilityPolicy
from generator.site.components import SiteComponent

DAYS = 90
NARROW_DAYS = 30  # what a phone shows of the bar (site.css hides the older days): its figures are given too
LEVELS = ("ok", "none", "maintenance", "minor", "major", "critical")  # best to worst


@dataclass(frozen=True)
class UptimeDay:
    """One day of a component's uptime bar: its worst impact and what caused it."""
    day: date
    level: str  # one of LEVELS
    titles: tuple[str, ...]  # the incidents that affected the component that day


@dataclass(frozen=True)
class UptimeBar:
    """A component's days over the bar's span, and its availability."""
    component: SiteComponent
    days: tuple[UptimeDay, ...]  # oldest first, DAYS of them
    availability: float  # percent, rounded down to two decimals
    narrow_availability: float  # the same over the last NARROW_DAYS days

    @property
    def affected_days(self) -> int:
        """The days with any impact."""
        return sum(1 for d in self.days if d.level != "ok")

    @property
    def narrow_affected_days(self) -> int:
        """The days with any impact among the last NARROW_DAYS."""
        return sum(1 for d in self.days[-NARROW_DAYS:] if d.level != "ok")


def uptime_bar(component: SiteComponent, now: datetime, zone_name: str, regions: int = 0) -> UptimeBar:
    """``component``'s last ``DAYS`` days up to ``now`` and its availability over them."""
    zone = ZoneInfo(zone_name)
    last = now.astimezone(zone).date()
    first = last - timedelta(days=DAYS - 1)
    # Compared in UTC: comparing moments in different zones asks the zone database each time.
    now = now.astimezone(UTC)
    window_start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    levels = ["ok"] * DAYS
    titles: list[list[str]] = [[] for _ in range(DAYS)]
    downtime: list[Stretch] = []
    key = (component.group, component.name)
    for record in component.incidents:
        if record.end is not None and record.end < window_start and record.start < window_start:
            continue  # over before the bar begins (most records of a long history)
        level = record.impact if record.impact in LEVELS else "none"
        for span in record.spans:
            if span.component != key:
                continue
            start, end = span.start, min(span.end or now, now)
            if start > now or end < window_start:
                continue
            first_index = max((start.astimezone(zone).date() - first).days, 0)
            last_moment = end - timedelta(microseconds=1) if end > start else end
            last_index = min((last_moment.astimezone(zone).date() - first).days, DAYS - 1)
            for index in range(first_index, last_index + 1):
                if LEVELS.index(level) > LEVELS.index(levels[index]):
                    levels[index] = level
                if record.title not in titles[index]:
                    titles[index].append(record.title)
            if span.weight > 0 and end > start:
                downtime.append(Stretch(max(start, window_start), end, span.weight, span.region))
    narrow_start = datetime.combine(last - timedelta(days=NARROW_DAYS - 1), time(0), tzinfo=zone).astimezone(UTC)
    narrow_downtime = [replace(part, start=max(part.start, narrow_start)) for part in downtime if part.end > narrow_start]
    return UptimeBar(component, tuple(UptimeDay(first + timedelta(days=i), levels[i], tuple(titles[i])) for i in range(DAYS)),
                     availability(downtime, now - window_start, regions), availability(narrow_downtime, now - narrow_start, regions))


def availability(downtime: list[Stretch], total: timedelta, regions: int) -> float:
    """Percent of ``total`` up, by the weighted downtime (``generator.model.availability``), rounded down."""
    if total <= timedelta(0):
        return 100.0
    return math.floor((1 - weighted_downtime(downtime, regions) / total) * 10000) / 100


def uptime_bars(components: list[SiteComponent], now: datetime, zone_name: str, policy: AvailabilityPolicy) -> list[UptimeBar]:
    """One bar per component, in the components' order, its figures under the site's availability ``policy``."""
    return [uptime_bar(component, now, zone_name, region_count(policy)) for component in components]
