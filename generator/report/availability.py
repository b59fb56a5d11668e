"""Availability per component over the period, from the impact windows, under the policy in ``postmortem.yaml``.

A component's downtime at each moment is the largest weight of any window covering it then (the
weight of the component's status in that incident: the worst status the incident posted for it,
else the one its impact implies). With ``regional_windows: by_region`` a window labelled with one of
the policy's regions counts for its share (1/number of regions) of the component, each region at
most once at a time. Availability = 1 − weighted downtime / length of the period (clipped to the
build date when it falls inside the period); it is rounded down, so any downtime shows below 100 %.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from generator.model.availability import (
    Stretch,
    open_window_end,
    policy_region,
    region_count,
    status_in,
    weight_of,
    weighted_downtime,
)
from generator.model.config import AvailabilityPolicy
from generator.model.incident import Incident
from generator.report.gather import ReportIncident


@dataclass(frozen=True)
class ComponentAvailability:
    name: str
    percent: float | None  # None: the period has not begun by the build date
    downtime: timedelta  # weighted
    incidents: int  # incidents whose impact on it overlaps the period (whatever their weight)


def stretches(incident: Incident, period_start: datetime, period_end: datetime,
              policy: AvailabilityPolicy) -> dict[str, list[Stretch]]:
    """Per component (display name), when this incident weighed on it inside the period.

    A window without components covers every component of the incident; an incident without
    windows covers them from its impact start to its end; a window still open ends where
    ``open_window_end`` says, or with the period when the incident is still going on.
    """
    by_name = {c.name: c.display_name for c in incident.components}
    fallback_end = open_window_end(incident) or period_end  # the site's uptime ends open windows the same way
    spans: list[tuple[list[str], datetime, datetime, str | None]] = []
    if incident.is_maintenance and incident.scheduled_for is not None and not incident.impact_windows:
        spans.append((list(by_name), incident.scheduled_for, incident.scheduled_until or fallback_end, None))
    for window in incident.impact_windows:
        names = [n for n in window.components if n in by_name] or list(by_name)
        spans.append((names, window.start, window.end or fallback_end, policy_region(window.label, policy)))
    if not spans and incident.impact_start is not None:
        spans.append((list(by_name), incident.impact_start, fallback_end, None))
    found: dict[str, list[Stretch]] = {}
    for names, start, end, region in spans:
        start, end = max(start, period_start), min(end, period_end)
        if end <= start:
            continue
        for name in names:
            weight = weight_of(status_in(incident, name), policy)
            found.setdefault(by_name[name], []).append(Stretch(start, end, weight, region))
    return found


def availability(items: Sequence[ReportIncident], components: Sequence[str], period_start: datetime,
                 period_end: datetime, policy: AvailabilityPolicy) -> list[ComponentAvailability]:
    """Every component's availability over ``period_start``–``period_end`` (rounded down to 3 decimals)."""
    per_component: dict[str, list[Stretch]] = {name: [] for name in components}
    affected: dict[str, int] = dict.fromkeys(components, 0)
    for item in items:
        for name, parts in stretches(item.incident, period_start, period_end, policy).items():
            if name in per_component:
                per_component[name].extend(parts)
                affected[name] += 1
    length = (period_end - period_start).total_seconds()
    regions = region_count(policy)
    found = []
    for name in components:
        down = weighted_downtime(per_component[name], regions)
        percent = math.floor((1 - down.total_seconds() / length) * 100_000) / 1000 if length > 0 else None
        found.append(ComponentAvailability(name, percent, down, affected[name]))
    return found
