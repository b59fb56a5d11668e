"""Availability's arithmetic, shared by the site's uptime figures and ``postmortem report``: one rule, so the
two never print different numbers for the same component and period.

A component's downtime at each moment is the largest weight of any window covering it then (the
weight of the component's status in that incident: the worst status the incident posted for it,
else the one its impact implies), under the ``availability`` policy of ``postmortem.yaml``. With
``regional_windows: by_region`` a window labelled with one of the policy's regions counts for its
share (1/number of regions) of the component, each region at most once at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from generator.model.config import AvailabilityPolicy
from generator.model.incident import Incident

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


def describe(policy: AvailabilityPolicy, words: dict[str, Any] | None = None) -> str:
    """The policy in one sentence, printed beside every availability figure (``words``: the report's
    strings, ``strings(locale)["period_report"]``; English when not given)."""
    from generator.i18n import strings

    said = (words or strings("en")["period_report"])["policy"]
    w = policy.weights

    def percent(weight: float) -> str:  # "100%" in English, "100 %" in German and French
        return str(said["percent"]).format(value=f"{weight * 100:.0f}")

    parts = [said["weight"].format(status=said["statuses"][status], percent=percent(getattr(w, status)))
             for status in ("major_outage", "partial_outage", "degraded_performance")]
    maintenance = (said["maintenance"].format(percent=percent(w.under_maintenance)) if policy.count_maintenance
                   else said["maintenance_not_counted"])
    regional = (said["whole_component"] if policy.regional_windows == "whole_component"
                else said["by_region"].format(count=len(policy.regions), regions=", ".join(policy.regions)))
    return said["sentence"].format(name=policy.name, weights=", ".join(parts), maintenance=maintenance, regional=regional)


def status_in(incident: Incident, component: str) -> str:
    """The component's status in this incident: the worst one posted for it (a post that sets it back to operational
    names, as ``old_status``, the status it had), else the impact's."""
    posted = [status for u in incident.updates for t in u.components if t.component.casefold() == component.casefold()
              for status in (t.old_status, t.new_status) if status is not None]
    if incident.is_maintenance:
        return "under_maintenance"
    if posted:
        return max(posted, key=STATUS_ORDER.index)
    return STATUS_OF_IMPACT[incident.impact]


def weight_of(status: str, policy: AvailabilityPolicy) -> float:
    if status == "under_maintenance":
        return policy.weights.under_maintenance if policy.count_maintenance else 0.0
    return float(getattr(policy.weights, status, 0.0))


def open_window_end(incident: Incident) -> datetime | None:
    """Where an impact window without an end stops: when the impact ended (``Incident.impact_end``), else, for a
    resolved incident that recorded no end, at its last post; None while it is still going on."""
    if incident.impact_end is not None:
        return incident.impact_end
    if incident.is_resolved:
        posted = [u.posted_at for u in incident.updates]
        return max(posted) if posted else incident.impact_start
    return None


def policy_region(label: str, policy: AvailabilityPolicy) -> str | None:
    """The policy region a window labelled ``label`` stands for (``by_region`` only), else None: the whole component."""
    if policy.regional_windows != "by_region":
        return None
    return next((r for r in policy.regions if r.casefold() == label.casefold()), None)


def region_count(policy: AvailabilityPolicy) -> int:
    """How many regions share a component under ``policy`` (0: windows count for the whole component)."""
    return len(policy.regions) if policy.regional_windows == "by_region" else 0


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
