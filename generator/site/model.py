"""The site's view of the incident collection: public incidents in a fixed order, components, URLs.

Everything here is computed from public views only, and from incident data
only (never the clock), so every page, feed and API file agrees and a build
is a pure function of its input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar
from uuid import NAMESPACE_URL, uuid5

from slugify import slugify

from generator.config import SiteConfig
from generator.model.incident import RESOLVED_STATUSES, Component, Incident
from generator.model.visibility import public_view
from generator.render import formatting
from generator.render.markdown import first_sentence

if TYPE_CHECKING:
    from generator.site.record import SiteRecord

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
        return self.view.slug

    @property
    def resolved(self) -> bool:
        return self.view.status in RESOLVED_STATUSES


@dataclass
class SiteComponent:
    """A component affected by at least one public incident; identified by (group, name)."""

    group: str | None
    name: str
    slug: str = ""
    incidents: list[SiteRecord] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return f"{self.group} ({self.name})" if self.group else self.name

    @property
    def code(self) -> str:
        return component_code(self.group, self.name)


def component_code(group: str | None, name: str) -> str:
    """The stable status-page style id of the component ``(group, name)``."""
    return short_id("component", group or "", name)


Item = TypeVar("Item", "SiteIncident", "SiteRecord")


def short_id(*parts: str) -> str:
    """A stable 12-character id in the style of status-page ids, derived from ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    number = int.from_bytes(digest[:10], "big")
    chars = []
    for _ in range(12):
        number, rest = divmod(number, 36)
        chars.append(alphabet[rest])
    return "".join(chars)


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
    return sorted(items, key=lambda item: (-item.start.timestamp(), item.slug))


def _component_slug(component: SiteComponent) -> str:
    return slugify(component.display_name, max_length=80, word_boundary=True) or f"component-{component.code}"


def natural_components(keys: Iterable[tuple[str | None, str]]) -> list[SiteComponent]:
    """Components (by ``(group, name)``) with the slugs their own names give (what they get unless two names collide)."""
    components = []
    for group, name in keys:
        entry = SiteComponent(group, name)
        entry.slug = _component_slug(entry)
        components.append(entry)
    return components


def site_components(records: list[SiteRecord]) -> list[SiteComponent]:
    """Every component of a public incident, sorted by display name, with a unique slug.

    A slug depends only on the component's own name; when two names give the
    same slug, each of them gets its stable code appended instead.
    """
    found: dict[tuple[str | None, str], SiteComponent] = {}
    for record in records:
        for group, name in record.components:
            entry = found.setdefault((group, name), SiteComponent(group, name))
            if not entry.incidents or entry.incidents[-1] is not record:
                entry.incidents.append(record)
    components = sorted(found.values(), key=lambda c: (c.display_name, c.group or ""))
    by_slug: dict[str, list[SiteComponent]] = {}
    for component in components:
        by_slug.setdefault(_component_slug(component), []).append(component)
    for slug, sharing in by_slug.items():
        for component in sharing:
            component.slug = slug if len(sharing) == 1 else f"{slug[:67]}-{component.code}"
    return components


def component_of(view: Incident, name: str) -> Component | None:
    """The incident's component that a transition names (transitions name components by ``name``)."""
    return next((c for c in view.components if c.name == name), None)


def base_url(config: SiteConfig) -> str | None:
    """The site's absolute root with one trailing slash, or None when the site has no address."""
    return config.base_url.rstrip("/") + "/" if config.base_url else None


def absolute(config: SiteConfig, path: str) -> str | None:
    """``path`` (relative to the site root, ``""`` for the root) as an absolute URL, if the site has one."""
    root = base_url(config)
    return root + path if root else None


def incident_path(slug: str) -> str:
    """The permalink folder of an incident (absolute URLs use the folder, links use ``index.html``)."""
    return f"incidents/{slug}/"


def entry_id(config: SiteConfig, slug: str) -> str:
    """A stable id for feeds: the permalink when the site has an address, else a name-based UUID."""
    url = absolute(config, incident_path(slug))
    return url or f"urn:uuid:{uuid5(NAMESPACE_URL, f'postmortem:{config.company}:incident:{slug}')}"


def feed_id(config: SiteConfig, path: str) -> str:
    url = absolute(config, path)
    return url or f"urn:uuid:{uuid5(NAMESPACE_URL, f'postmortem:{config.company}:feed:{path}')}"


def date_range(item: SiteIncident | SiteRecord, zone_name: str, months: list[str], ongoing: str) -> str:
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
