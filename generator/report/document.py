"""The report as one object: every figure computed once, then handed to whichever format renders it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from generator.i18n import strings
from generator.model.availability import describe
from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.render.provenance import Provenance
from generator.report import availability as availability_stage
from generator.report import follow_through
from generator.report.counts import IMPACTS, Counts, count
from generator.report.gather import Gathered, ReportIncident, gather
from generator.report.period import Period
from generator.report.statistics import Measure, measures

LISTED = 50  # incidents named in the closing list (a quarter rarely has more); past it, the most severe, and a note says so


@dataclass(frozen=True)
class Report:
    """Everything the period report states."""

    config: SiteConfig
    period: Period
    previous: Period
    internal: bool
    component: str | None
    gathered: Gathered
    counts: Counts
    measures: list[Measure]
    availability: list[availability_stage.ComponentAvailability]
    availability_end: datetime  # the period's end, or the build date when that is earlier
    policy: str  # the availability policy in words
    actions: list[follow_through.TrackedItem]
    outliers: follow_through.Outliers
    causes: list[follow_through.Cause]
    untagged: int
    provenance: Provenance

    @property
    def open_actions(self) -> list[follow_through.TrackedItem]:
        return follow_through.open_items(self.actions)

    @property
    def listed(self) -> list[ReportIncident]:
        """The incidents the closing list names: all of them, or past ``LISTED`` the most severe, then the longest,
        in date order (every incident is still counted in every figure)."""
        current = self.gathered.current
        if len(current) <= LISTED:
            return current
        rank = {impact: n for n, impact in enumerate(IMPACTS)}
        chosen = sorted(current, key=lambda i: (rank[i.incident.impact], -(i.metrics.duration or timedelta(0)), i.incident.slug))
        kept = {id(i) for i in chosen[:LISTED]}
        return [i for i in current if id(i) in kept]


def build_report(incidents: Iterable[Incident], config: SiteConfig, period: Period, provenance: Provenance, *,
                 internal: bool = False, component: str | None = None) -> Report:
    """Every figure of the report; ``incidents`` are already the views this variant may see."""
    gathered = gather(incidents, period, component=component)
    end = period.end
    if provenance.build_date is not None and period.start < provenance.build_date < end:
        end = provenance.build_date
    policy = config.availability
    actions = follow_through.tracked(gathered.current, period.last_day, period.zone)
    causes, untagged = follow_through.causes(gathered.current, gathered.previous)
    return Report(
        config=config, period=period, previous=period.previous(), internal=internal, component=component,
        gathered=gathered,
        counts=count(gathered.current, gathered.previous, period),
        measures=measures(gathered.current, gathered.previous),
        availability=availability_stage.availability(gathered.dated, gathered.components, period.start, end, policy),
        availability_end=end, policy=describe(policy, strings(config.locale)["period_report"]),
        actions=actions, outliers=follow_through.outliers(gathered.current),
        causes=causes, untagged=untagged, provenance=provenance,
    )
