"""The site's view of one public incident: the times every page, feed and API file agrees on.

Everything here is computed from public views only, and from incident data
only (never the clock), so every output agrees and a build is a pure
function of its input.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from generator.model.incident import RESOLVED_STATUSES, Component, Incident
from generator.model.visibility import public_view
from generator.render import formatting
from generator.render.markdown import first_sentence


class Dated(Protocol):
    """Anything the site lists by time: a ``SiteIncident`` or a ``SiteRecord``."""

    @property
    def slug(self) -> str: ...

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime | None: ...


Item = TypeVar("Item", bound=Dated)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class SiteIncident:
    """One public incident with the times every output needs."""

    view: Incident
    start: datetime
    end: datetime | None
    created: datetime
    updated: datetime
    sentence: str

    @property
    def slug(self) -> str:
        """The incident's id."""
        return self.view.slug

    @property
    def resolved(self) -> bool:
        """Whether the incident is over (resolved, postmortem or completed)."""
        return self.view.status in RESOLVED_STATUSES


def site_incident(view: Incident) -> SiteIncident:
    """The site's record of one incident's public view."""
    posted = [u.posted_at for u in view.updates]
    start = view.impact_start or (min(posted) if posted else None) or view.scheduled_for or EPOCH
    created = min(posted) if posted else start
    end = view.impact_end
    updated = max(posted) if posted else (end or start)
    text = view.summary or next((u.body for u in view.updates_newest_first if u.body), None)
    return SiteIncident(view, start, end, created, updated, first_sentence(text))


def site_wide(incident: Incident) -> Incident:
    """The incident as a build renders it: the site config names the one company of the whole site.

    An incident's own ``company`` (e.g. kept from an import) applies only when it is
    rendered on its own (``postmortem render``); in a build, a post saying "Incident
    Report for GitHub" under a site headed "Example Inc." would be wrong.
    """
    return incident.model_copy(update={"company": None}) if incident.company is not None else incident


def public_incidents(incidents: list[Incident]) -> list[SiteIncident]:
    """Public views of the public incidents, oldest first, ties broken by id."""
    views = [view for view in (public_view(incident) for incident in incidents) if view is not None]
    items = sorted((site_incident(view) for view in views), key=lambda item: (item.start, item.slug))
    seen: set[str] = set()
    for item in items:
        if item.slug in seen:
            raise ValueError(f"two incidents share the id {item.slug!r}")
        seen.add(item.slug)
    return items


def newest_first(items: list[Item]) -> list[Item]:
    """Newest start first, ties broken by id: the order of every history list and feed."""
    return sorted(items, key=lambda item: (-item.start.timestamp(), item.slug))


def component_of(view: Incident, name: str) -> Component | None:
    """The incident's component that a transition names (transitions name components by ``name``)."""
    return next((c for c in view.components if c.name == name), None)


def date_range(item: Dated, zone_name: str, months: list[str], ongoing: str) -> str:
    """``Sep 13, 2021 - 14:36 – Sep 14, 2021 - 18:21 BST``, shortened when both ends share a day."""
    return span_range(item.start, item.end, zone_name, months, ongoing)


def span_range(start: datetime, end: datetime | None, zone_name: str, months: list[str], open_end: str) -> str:
    """``date_range`` of two moments; ``open_end`` stands for a missing end ("ongoing" only while the incident is live)."""
    if end is None:
        return f"{formatting.stamp(start, zone_name, months)} – {open_end}"
    start_abbr, end_abbr = formatting.abbreviation(start, zone_name), formatting.abbreviation(end, zone_name)
    start_text = f"{formatting.day(start, zone_name, months)} - {formatting.approximate_mark(start)}{formatting.minutes(start, zone_name)}"
    if start_abbr != end_abbr:
        start_text += f" {start_abbr}"
    if formatting.local(start, zone_name).date() == formatting.local(end, zone_name).date():
        return f"{start_text} – {formatting.approximate_mark(end)}{formatting.minutes(end, zone_name)} {end_abbr}"
    return f"{start_text} – {formatting.stamp(end, zone_name, months)}"
