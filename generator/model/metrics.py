"""Times computed from the data, never typed by hand.

Each metric names the two moments it spans (``since``/``until``), so a report can say which one it
uses: "duration" runs to when impact *ended*, "time to resolve" to when the incident was *closed*,
and the two differ when impact ends at 16:00 and the incident is closed at 16:30. A metric whose
end point is a date alone or an unknown time is not computed; one built on an approximate time is
marked approximate (printed "about 2h 5m").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from generator.model.incident import Incident
from generator.model.types import precision


class ApproximateSpan(timedelta):
    """A duration computed from at least one approximate moment."""


@dataclass(frozen=True)
class Metric:
    """One measured span of an incident (time to detect, to mitigate, ...) and how it was measured."""
    key: str  # time_to_detect, ...; also the label key in the string table
    span: timedelta | None
    since: str  # moment keys: impact_began, detected, mitigated, first_update, impact_ended, resolved, windows
    until: str


@dataclass(frozen=True)
class Metrics:
    """Every metric of one incident."""
    duration: timedelta | None
    time_to_detect: timedelta | None
    time_to_mitigate: timedelta | None
    time_to_resolve: timedelta | None
    time_to_first_update: timedelta | None = None
    rows: tuple[Metric, ...] = ()


def span(start: datetime | None, end: datetime | None) -> timedelta | None:
    """``end - start``; None when either is missing or not known to the minute, approximate when either is approximate."""
    if start is None or end is None:
        return None
    kinds = {precision(start), precision(end)}
    if kinds & {"day", "unknown"}:
        return None
    difference = end - start
    return ApproximateSpan(seconds=difference.total_seconds()) if "approximate" in kinds else difference


def first_public_update(incident: Incident) -> datetime | None:
    """When the first update (not the postmortem) was posted, if its time is known."""
    times = [u.posted_at for u in incident.updates if u.status != "postmortem" and not u.internal]
    return min(times) if times else None


def metric_rows(incident: Incident) -> tuple[Metric, ...]:
    """Every metric of the incident, measured or not (``span`` None when a moment is missing or known
    only to the day): a metrics box shows the missing ones as "not recorded", never as zero."""
    start = incident.impact_start
    end_source = incident.impact_end_source or "resolved"
    first_update = first_public_update(incident)
    return (
        Metric("duration", span(start, incident.impact_end), "impact_began", end_source),
        Metric("time_to_detect", span(start, incident.detected_at), "impact_began", "detected"),
        Metric("time_to_first_update", span(start, first_update), "impact_began", "first_update"),
        Metric("time_to_mitigate", span(start, incident.mitigated_at), "impact_began", "mitigated"),
        Metric("time_to_resolve", span(start, incident.resolved_at if incident.is_resolved else None), "impact_began", "resolved"),
    )


def compute_metrics(incident: Incident) -> Metrics:
    """The incident's durations, from its own times (approximate when a time is)."""
    rows = metric_rows(incident)
    by_key = {row.key: row.span for row in rows}
    return Metrics(
        duration=by_key["duration"],
        time_to_detect=by_key["time_to_detect"],
        time_to_mitigate=by_key["time_to_mitigate"],
        time_to_resolve=by_key["time_to_resolve"],
        time_to_first_update=by_key["time_to_first_update"],
        # A maintenance is read by its window (announced before it starts): no incident response times.
        rows=() if incident.is_maintenance else tuple(row for row in rows if row.span is not None),
    )
