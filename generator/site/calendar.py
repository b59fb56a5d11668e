"""``maintenance.ics``: every scheduled maintenance window, upcoming and past, as iCalendar events.

People add the file (or subscribe to its URL) in their calendar app. It is built
with ``icalendar`` (RFC 5545 escaping, folding and CRLF line ends) from the
site records only, and reads no clock: each event's UID is derived from the
incident id, so a calendar that re-reads the file updates events instead of
duplicating them; ``DTSTAMP``/``LAST-MODIFIED`` are the latest posted update and
``SEQUENCE`` counts the updates, so the same input gives the same bytes.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit
from uuid import NAMESPACE_URL, uuid5

from generator.i18n import strings
from generator.model.config import SiteConfig
from generator.site.addresses import absolute, incident_path
from generator.site.record import SiteRecord

CALENDAR_PATH = "maintenance.ics"
PRODUCT_ID = "-//postmortem-generator//maintenance calendar//EN"


def event_uid(config: SiteConfig, slug: str) -> str:
    """Stable per maintenance: ``<id>@<site host>``, or a name-based UUID when the site has no address."""
    host = urlsplit(config.base_url).hostname if config.base_url else None
    return f"{slug}@{host}" if host else f"{uuid5(NAMESPACE_URL, f'postmortem:{config.company}:maintenance:{slug}')}@postmortem"


def maintenance_records(records: list[SiteRecord]) -> list[SiteRecord]:
    """Maintenances that have a complete scheduled window, earliest window first."""
    found = [r for r in records if r.impact == "maintenance" and r.scheduled_for is not None and r.scheduled_until is not None]
    return sorted(found, key=lambda r: (r.scheduled_for, r.slug))  # type: ignore[arg-type, return-value]


def render_calendar(records: list[SiteRecord], config: SiteConfig) -> dict[str, bytes]:
    """``maintenance.ics``: every maintenance window, for calendar apps."""
    from icalendar import Calendar, Event, vText

    text = strings(config.locale, config.labels.model_dump())
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # An X- property is written raw unless typed: as TEXT, a company's ";", "," and "\\" are escaped like SUMMARY's.
    calendar.add("x-wr-calname", vText(text["site"]["calendar_title"].format(company=config.company)))
    for record in maintenance_records(records):
        assert record.scheduled_for is not None and record.scheduled_until is not None
        event = Event()
        event.add("uid", event_uid(config, record.slug))
        event.add("dtstamp", record.updated.astimezone(UTC))
        event.add("last-modified", record.updated.astimezone(UTC))
        event.add("sequence", record.update_count)
        event.add("dtstart", record.scheduled_for.astimezone(UTC))
        event.add("dtend", record.scheduled_until.astimezone(UTC))
        event.add("summary", record.title)
        url = absolute(config, incident_path(record.slug))
        description = " ".join(part for part in (record.sentence, url) if part)
        if description:
            event.add("description", description)
        if url:
            event.add("url", url)
        event.add("status", "CONFIRMED")
        event.add("transp", "TRANSPARENT")  # a maintenance window does not make anyone busy
        event.add("x-postmortem-status", record.status)
        calendar.add_component(event)
    return {CALENDAR_PATH: calendar.to_ical()}
