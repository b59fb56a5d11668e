"""Helpers for the site tests: synthetic incidents, a canary-filled incident, an HTML link/heading scanner.

(Named ``test_site_*`` to stay among the site's test files; it holds no tests itself.)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from generator.model.config import SiteConfig
from generator.model.incident import Incident
from tests.conftest import SEED_IDS, load_sample

SEED_CONFIG = SiteConfig(company="Dotdigital", zone="Europe/London")
CANARY = "CANARYq7x9internal"
# The templates' inline favicon (partials/favicon.html), percent-decoded: a circle of one #rrggbb colour, nothing else.
FAVICON = re.compile(r"data:image/svg\+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
                     r"<circle cx='8' cy='8' r='7' fill='#[0-9a-f]{6}'/></svg>")


def seeds(config: SiteConfig = SEED_CONFIG) -> list[Incident]:
    """The two real seed incidents (pinned by id, so goldens do not move when samples are added)."""
    return [load_sample(incident_id, config) for incident_id in SEED_IDS]


def synthetic(incident_id: str, start: datetime, **overrides: Any) -> Incident:
    """A small valid public incident starting at ``start``; ``overrides`` replace top-level keys."""
    data: dict[str, Any] = {
        "id": incident_id,
        "title": f"Synthetic incident {incident_id}",
        "company": "Example Inc.",
        "impact": "major",
        "status": "resolved",
        "zone": "UTC",
        "started_at": start,
        "resolved_at": start + timedelta(hours=2, minutes=5),
        "components": [{"name": "API"}],
        "summary": f"Requests to the API failed for incident {incident_id}. More detail follows.",
        "updates": [
            {"status": "investigating", "posted_at": start + timedelta(minutes=10), "body": "We are investigating errors.",
             "components": [{"component": "API", "old_status": "operational", "new_status": "major_outage"}]},
            {"status": "resolved", "posted_at": start + timedelta(hours=2, minutes=10), "body": "This incident has been resolved.",
             "components": [{"component": "API", "old_status": "major_outage", "new_status": "operational"}]},
        ],
    }
    data.update(overrides)
    return Incident.model_validate(data)


def canary_incident() -> Incident:
    """A public incident with the canary in every internal field and every ``internal: true`` entry."""
    start = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)
    secret = f"{CANARY} secret"
    return Incident.model_validate({
        "id": "canary-incident",
        "title": "Public title of the canary incident",
        "company": "Example Inc.",
        "impact": "minor",
        "status": "postmortem",
        "zone": "UTC",
        "started_at": start,
        "resolved_at": start + timedelta(hours=1),
        "severity": f"SEV1 {CANARY}",
        "internal_notes": secret,
        "components": [{"name": "Web"}, {"name": f"Hidden {CANARY}", "group": f"Group {CANARY}", "internal": True}],
        "impact_windows": [
            {"label": "Public window", "components": ["Web"], "start": start, "end": start + timedelta(minutes=30)},
            {"label": f"Window {CANARY}", "components": [f"Hidden {CANARY}"], "start": start, "internal": True},
        ],
        "summary": "Public summary of the canary incident.",
        "problems": [
            {"name": "Public problem", "root_cause": "A public cause.", "notes": secret,
             "timeline": [{"at": start, "text": "Public step."}, {"at": start, "text": secret, "internal": True}]},
            {"name": f"Problem {CANARY}", "root_cause": secret, "internal": True},
        ],
        "action_items": [
            {"text": "Public action.", "owner": f"owner-{CANARY}", "ticket": f"https://tickets.example.com/{CANARY}",
             "items": [{"text": "Public step."}, {"text": secret, "internal": True}]},
            {"text": secret, "internal": True},
        ],
        "timeline": [
            {"at": start, "text": "Public incident step.", "milestone": "detected",
             "links": [{"label": secret, "url": f"https://dash.example.com/{CANARY}"}]},
            {"at": start, "text": secret, "milestone": secret, "internal": True},
        ],
        "impact_figures": [{"value": "5%", "text": "of requests failed"}, {"value": "7", "text": secret, "internal": True}],
        "sections": [{"title": "Public section", "body": "Public."}, {"title": secret, "body": secret, "internal": True}],
        "people": [{"name": "Public Person", "role": "author", "internal": False}, {"name": secret, "role": "responder"}],
        "document": {"status": secret, "internal": True},
        "updates": [
            {"status": "postmortem", "posted_at": start + timedelta(days=1)},
            {"status": "resolved", "posted_at": start + timedelta(hours=1), "body": "Resolved publicly.",
             "components": [{"component": "Web", "new_status": "operational"},
                            {"component": f"Hidden {CANARY}", "new_status": "operational"}]},
            {"status": "update", "posted_at": start + timedelta(minutes=30), "body": secret, "internal": True},
            {"status": "investigating", "posted_at": start + timedelta(minutes=5), "body": "Investigating publicly."},
        ],
    })


def internal_incident() -> Incident:
    """An incident marked internal as a whole; nothing of it may appear on the site."""
    return synthetic("internal-only-incident", datetime(2024, 6, 1, 12, 0, tzinfo=UTC), visibility="internal",
                     title=f"Internal {CANARY} title", components=[{"name": f"Internal component {CANARY}"}],
                     updates=[])


class PageScanner(HTMLParser):
    """Collects links, ids, headings and landmarks of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.headings: list[int] = []
        self.tags: list[str] = []
        self.html_lang: str | None = None
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.html_lang = values.get("lang")
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "link" and values.get("rel") == "canonical":
            self.canonical = values.get("href")
            return  # absolute by design; every other link must be relative
        for name in ("href", "src"):
            if values.get(name) is not None:
                self.links.append(values[name] or "")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if tag == "meta" and (values.get("name") or values.get("property")):
            self.meta[values.get("name") or values.get("property") or ""] = values.get("content") or ""


def scan(html: bytes) -> PageScanner:
    scanner = PageScanner()
    scanner.feed(html.decode())
    scanner.close()
    return scanner
