"""What the status page says at "now": the indicator, each component's status, active and upcoming work.

A static site has no clock of its own, and a build must give the same bytes
for the same input, so "now" is taken from the input and never from the wall
clock (``site_now``):

* ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds
  convention) when it is set; a CI job sets it to the time of the build so a
  maintenance window that has begun since the last post shows as active;
* otherwise the latest moment the incidents record: the last posted update or
  the last end of impact, whichever is later.

The home page banner and ``api/v2/summary.json``/``status.json`` are computed
here from the same records, so they always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from generator.clock import source_date
from generator.model.incident import MAINTENANCE_STATUSES, OPEN_INCIDENT_STATUSES, RUNNING_MAINTENANCE_STATUSES
from generator.site.incident import EPOCH
from generator.site.record import ComponentKey, SiteRecord

STATUS_RANK = {"operational": 0, "under_maintenance": 1, "degraded_performance": 2, "partial_outage": 3, "major_outage": 4}
# Statuspage's own words for the page indicator (what summary.json and status.json say).
INDICATORS = {
    "none": "All Systems Operational", "maintenance": "Service Under Maintenance", "minor": "Minor Service Outage",
    "major": "Partial System Outage", "critical": "Major System Outage",
}
INDICATOR_RANK = ("none", "maintenance", "minor", "major", "critical")


def site_now(records: list[SiteRecord]) -> datetime:
    """The moment the site describes: ``SOURCE_DATE_EPOCH``, else the latest moment in the records."""
    fixed = source_date()
    if fixed is not None:
        return fixed
    # A maintenance's end is its scheduled window's end, a plan rather than something that happened.
    moments = [r.updated for r in records] + [r.end for r in records if r.end is not None and r.impact != "maintenance"]
    return max(moments, default=EPOCH)


def is_maintenance(record: SiteRecord) -> bool:
    """Statuspage keeps maintenances apart from incidents: the ``maintenance`` impact or a maintenance status."""
    return record.impact == "maintenance" or record.status in MAINTENANCE_STATUSES


def maintenance_active(record: SiteRecord, now: datetime) -> bool:
    """In progress or verifying, or still ``scheduled`` while its window holds ``now`` (Statuspage starts it then)."""
    if record.status in RUNNING_MAINTENANCE_STATUSES:
        return True
    if record.status != "scheduled" or record.scheduled_for is None or record.scheduled_for > now:
        return False
    return record.scheduled_until is None or now < record.scheduled_until


def maintenance_upcoming(record: SiteRecord, now: datetime) -> bool:
    """Still ``scheduled`` and its window has not begun (a window that passed unannounced is neither)."""
    return record.status == "scheduled" and (record.scheduled_for is None or record.scheduled_for > now)


@dataclass(frozen=True)
class PageStatus:
    """The page at one moment; every list is newest first."""

    now: datetime
    indicator: str
    description: str
    components: dict[ComponentKey, str]  # (group, name) -> Statuspage component status
    incidents: list[SiteRecord]  # unresolved incidents (not maintenances)
    active_maintenances: list[SiteRecord]
    upcoming_maintenances: list[SiteRecord]


def page_status(records: list[SiteRecord], now: datetime) -> PageStatus:
    """The indicator, component statuses and open work at ``now``, from the same records as the API."""
    ordered = sorted(records, key=lambda r: (-r.start.timestamp(), r.slug))
    incidents = [r for r in ordered if not is_maintenance(r) and r.status in OPEN_INCIDENT_STATUSES]
    active = [r for r in ordered if is_maintenance(r) and maintenance_active(r, now)]
    upcoming = sorted((r for r in ordered if is_maintenance(r) and maintenance_upcoming(r, now)),
                      key=lambda r: (r.scheduled_for or r.start, r.slug))
    components: dict[ComponentKey, tuple[datetime, str]] = {}
    for record in incidents + active:  # a resolved incident or finished maintenance leaves its components operational
        for change in record.transitions:
            if change.posted_at <= now and (change.component not in components or change.posted_at >= components[change.component][0]):
                components[change.component] = (change.posted_at, change.new_status)
    statuses = {key: status for key, (_, status) in components.items()}
    for record in active:  # an active window puts its components under maintenance unless an update says worse
        for key in record.components:
            if STATUS_RANK[statuses.get(key, "operational")] < STATUS_RANK["under_maintenance"]:
                statuses[key] = "under_maintenance"
    impacts = [r.impact for r in incidents if r.impact in INDICATOR_RANK]
    if active:
        impacts.append("maintenance")
    indicator = max(impacts, key=INDICATOR_RANK.index, default="none")
    return PageStatus(now, indicator, INDICATORS[indicator], statuses, incidents, active, upcoming)
