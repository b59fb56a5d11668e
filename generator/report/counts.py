"""Counts: incidents by impact and by month in the report's zone, near-misses apart, both periods side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from generator.report.gather import ReportIncident
from generator.report.period import Period

IMPACTS = ("critical", "major", "minor", "none", "maintenance")  # worst first


@dataclass(frozen=True)
class MonthCounts:
    year: int
    month: int
    by_impact: dict[str, int]  # every impact of IMPACTS, zero included
    near_misses: int

    @property
    def total(self) -> int:
        return sum(self.by_impact.values())


@dataclass(frozen=True)
class Counts:
    by_impact: dict[str, int]
    previous_by_impact: dict[str, int]
    near_misses: int
    previous_near_misses: int
    months: list[MonthCounts]

    @property
    def total(self) -> int:
        return sum(self.by_impact.values())

    @property
    def previous_total(self) -> int:
        return sum(self.previous_by_impact.values())


def _by_impact(items: Sequence[ReportIncident]) -> dict[str, int]:
    counts = dict.fromkeys(IMPACTS, 0)
    for item in items:
        counts[item.incident.impact] += 1
    return counts


def count(current: Sequence[ReportIncident], previous: Sequence[ReportIncident], period: Period) -> Counts:
    """Counts of both periods, and this period's by month (a month in the site's zone)."""
    zone = ZoneInfo(period.zone)
    by_month: dict[tuple[int, int], list[ReportIncident]] = {}
    for item in current:
        if item.when is not None:
            local = item.when.astimezone(zone)
            by_month.setdefault((local.year, local.month), []).append(item)
    months = []
    for year, month in period.months():
        chosen = by_month.get((year, month), [])
        months.append(MonthCounts(year, month, _by_impact(chosen), sum(i.incident.near_miss for i in chosen)))
    return Counts(_by_impact(current), _by_impact(previous), sum(i.incident.near_miss for i in current),
                  sum(i.incident.near_miss for i in previous), months)
