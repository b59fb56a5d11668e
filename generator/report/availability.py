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
from itertools import pairwise
from typing import Any

from generator.model.config import AvailabilityPolicy
from generator.model.incident import Incident
from generator.report.gather import ReportIncident

STATUS_OF_IMPACT = {"critical": "major_outage", "major": "partial_outage", "minor": "degraded_performance",
                    "none": "operational", "maintenance": "under_maintenance"}
STATUS_ORDER = ("operational", "degraded_performance", "under_maintenance", "partial_outage", "major_outage")


@dataclass(frozen=True)
class Stretch:
    """Part of the period during which a window weighed on a component."""

    start: datetime
    end: datetime
    weight: float
    region: str | None  # the policy region the window stands for, or None: the whole component


@dataclass(frozen=True)
class ComponentAvailability:
    name: str
    percent: float | None  # None: the period has not begun by the build date
    downtime: timedelta  # weighted
    incidents: int  # incidents whose impact on it overlaps the period (whatever their weight)


def describe(policy: AvailabilityPolicy, words: dict[str, Any] | None = None) -> str:
    """The policy in one sentence, printed beside every availability figure (``words``: the report's
    strings, ``strings(locale)["period_report"]``; English when not given)."""
    from generator.i18n import strings

    said = (words or strings("en")["period_report"])["policy"]
    w = policy.weights
    parts = [said["weight"].format(status=said["statuses"][status], percent=f"{getattr(w, status):.0%}")
             for status in ("major_outage", "partial_outage", "degraded_performance")]
    maintenance = (said["maintenance"].format(percent=f"{w.under_maintenance:.0%}") if policy.count_maintenance
                   else said["maintenance_not_counted"])
    regional = (said["whole_component"] if policy.regional_windows == "whole_component"
                else said["by_region"].format(count=len(policy.regions), regions=", ".join(policy.regions)))
    return said["sentence"].format(name=policy.name, weights=", ".join(parts), maintenance=maintenance, regional=regional)


def status_in(incident: Incident, component: str) -> str:
    """The component's status in this incident: the worst one posted for it, else the impact's."""
    posted = [t.new_status for u in incident.updates for t in u.components if t.component.casefold() == component.casefold()]
    if incident.is_maintenance:
        return "under_maintenance"
    if posted:
        return max(posted, key=STATUS_ORDER.index)
    return STATUS_OF_IMPACT[incident.impact]


def weight_of(status: str, policy: AvailabilityPolicy) -> float:
    if status == "under_maintenance":
        return policy.weights.under_maintenance if policy.count_maintenance else 0.0
    return float(getattr(policy.weights, status, 0.0))


def stretches(incident: Incident, period_start: datetime, period_end: datetime,
              policy: AvailabilityPolicy) -> dict[str, list[Stretch]]:
    """Per component (display name), when this incident weighed on it inside the period.

    A window without components covers every component of the incident; an incident without
    windows covers them from its impact start to its end; a window still open ends with the
    incident, or with the period when the incident is not over.
    """
    by_name = {c.name: c.display_name for c in incident.components}
    regions = {r.casefold(): r for r in policy.regions} if policy.regional_windows == "by_region" else {}
    fallback_end = incident.impact_end or period_end
    spans: list[tuple[list[str], datetime, datetime, str | None]] = []
    if incident.is_maintenance and incident.scheduled_for is not None and not incident.impact_windows:
        spans.append((list(by_name), incident.scheduled_for, incident.scheduled_until or fallback_end, None))
    for window in incident.impact_windows:
        names = [n for n in window.components if n in by_name] or list(by_name)
        spans.append((names, window.start, window.end or fallback_end, regions.get(window.label.casefold())))
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


def weighted_downtime(parts: Sequence[Stretch], region_count: int) -> timedelta:
    """The integral of the downtime weight over time (overlaps counted once, at their largest weight)."""
    edges = sorted({p.start for p in parts} | {p.end for p in parts})
    by_start = sorted(parts, key=lambda p: p.start)
    total = 0.0
    active: list[Stretch] = []
    next_part = 0
    for left, right in pairwise(edges):  # a sweep: the stretches covering [left, right) are those begun and not ended
        while next_part < len(by_start) and by_start[next_part].start <= left:
            active.append(by_start[next_part])
            next_part += 1
        active = [p for p in active if p.end >= right]
        if not active:
            continue
        whole = max((p.weight for p in active if p.region is None), default=0.0)
        by_region: dict[str, float] = {}
        for p in active:
            if p.region is not None:
                by_region[p.region] = max(by_region.get(p.region, 0.0), p.weight)
        regional = sum(by_region.values()) / region_count if region_count else 0.0
        total += max(whole, regional) * (right - left).total_seconds()
    return timedelta(seconds=total)


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
    region_count = len(policy.regions) if policy.regional_windows == "by_region" else 0
    found = []
    for name in components:
        down = weighted_downtime(per_component[name], region_count)
        percent = math.floor((1 - down.total_seconds() / length) * 100_000) / 1000 if length > 0 else None
        found.append(ComponentAvailability(name, percent, down, affected[name]))
    return found
