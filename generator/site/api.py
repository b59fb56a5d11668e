"""A static JSON API in the shape of the status-page v2 API, so existing clients work unchanged.

Field names follow a real export (``incidents.json``): ids are stable
12-character codes derived from names, times are UTC with milliseconds and a
``Z`` offset as the real API writes them, keys are sorted and NaN is refused.
Unlike the hosted API, ``incidents.json`` lists every incident, not the last 50.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from generator.config import SiteConfig
from generator.render.markdown import map_text_outside_pre, markdown_to_html
from generator.site.model import SiteComponent, SiteIncident, absolute, component_code, component_of, incident_path, newest_first, short_id
from generator.site.status import STATUS_RANK, PageStatus, is_maintenance, page_status, site_now

if TYPE_CHECKING:
    from generator.site.record import SiteRecord

def stamp(moment: datetime | None) -> str | None:
    """``2024-09-16T22:08:39.333Z``: the real API's format (ISO 8601, UTC offset as ``Z``)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _compact(html: str) -> str:
    """Drop layout newlines between tags and turn soft breaks into spaces (status pages show bodies ``pre-wrap``)."""
    return map_text_outside_pre(html, lambda piece: piece.strip("\n").replace("\n", " "))


def statuspage_html(markdown: str | None) -> str:
    """An update body as a status page stores it: the sanitised HTML of ``markdown_to_html``, a lone paragraph unwrapped.

    The one conversion for the site's API and ``postmortem export``: raw HTML,
    comments and unsafe links in incident text never reach the JSON.
    """
    if not markdown:
        return ""
    html = _compact(str(markdown_to_html(markdown)))
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def escape_json_bytes(document: bytes) -> bytes:
    """``<``, ``>``, ``&``, U+2028 and U+2029 as ``\\u`` escapes (in JSON they only occur inside strings)."""
    for raw, escaped in ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"),
                         ("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029")):
        document = document.replace(raw, escaped)
    return document


def dump(data: Any) -> bytes:
    """Compact UTF-8 JSON with sorted keys and a final newline.

    orjson gives the same bytes as ``json.dumps(sort_keys=True, ensure_ascii=False,
    separators=(",", ":"))`` about 7x faster (``incidents.json`` lists every
    incident and is written on every build that changes one).  It can never
    write ``NaN``: the documents hold no floats, and orjson would write ``null``.
    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, so a file sniffed or embedded
    as HTML cannot carry a tag.
    """
    return escape_json_bytes(orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))


def page_id(config: SiteConfig) -> str:
    return short_id("page", config.base_url or config.company)


# Statuses that leave an incident or maintenance open: a resolution counts only after the last of them.
OPEN_STATUSES = frozenset({"investigating", "identified", "monitoring", "in_progress", "verifying"})


def status_times(item: SiteIncident) -> tuple[datetime, datetime | None, datetime | None]:
    """``created_at``, ``monitoring_at`` and ``resolved_at`` of the API: moments of the public status, from the posts.

    A status page sets these when posts change the incident's status, so they are read from
    the posts and never contradict them (the ``postmortem`` post, often days later, is not a
    status change):

    - ``resolved_at`` (resolved incidents only): the first post of the final run of
      ``resolved``/``completed`` posts (a reopened incident counts from its last resolution;
      a repeated "resolved" post does not move it; an "update" post after it is no reopening).
      Without such a post: the incident's ``resolved_at`` (or impact end), but never before
      its last investigating/identified/monitoring post.
    - ``monitoring_at``: the first ``monitoring`` post, never after ``resolved_at``.
    - ``created_at``: the first post other than the postmortem (else the impact start),
      never after ``resolved_at``.
    """
    posts = sorted((u.posted_at, u.status) for u in item.view.updates if u.status != "postmortem")
    resolved_at: datetime | None = None
    if item.resolved:
        last_open = max((at for at, status in posts if status in OPEN_STATUSES), default=None)
        final = [at for at, status in posts if status in {"resolved", "completed"} and (last_open is None or at >= last_open)]
        if final:
            resolved_at = min(final)
        else:
            resolved_at = max((m for m in (item.view.resolved_at or item.end, last_open) if m is not None), default=None)
    monitoring = [at for at, status in posts if status == "monitoring" and (resolved_at is None or at <= resolved_at)]
    monitoring_at = min(monitoring, default=None)
    created_at = posts[0][0] if posts else item.start
    if resolved_at is not None:
        created_at = min(created_at, resolved_at)
    return created_at, monitoring_at, resolved_at


def incident_document(item: SiteIncident, config: SiteConfig) -> dict[str, Any]:
    """One incident's API document, except what ``ApiBuilder.incident`` adds: ``page_id`` (an export sets
    its own) and ``components``, whose statuses depend on every incident."""
    view = item.view
    chronological = [u for _, u in sorted(enumerate(view.updates), key=lambda pair: (pair[1].posted_at, pair[0]))]
    seen: dict[tuple[str, str], int] = {}
    updates = []
    for update in chronological:
        key = (update.posted_at.isoformat(), update.status)
        seen[key] = seen.get(key, -1) + 1
        transitions = [
            {"code": component_code(c.group, c.name), "name": c.name, "old_status": t.old_status, "new_status": t.new_status}
            for t in update.components if (c := component_of(view, t.component)) is not None
        ]
        when = stamp(update.posted_at)
        updates.append({
            "id": short_id("update", item.slug, *key, str(seen[key])),
            "status": update.status, "body": statuspage_html(update.body), "incident_id": item.slug,
            "created_at": when, "updated_at": when, "display_at": when,
            "affected_components": transitions or None,
            "deliver_notifications": True, "custom_tweet": None, "tweet_id": None,
        })
    updates.reverse()  # newest first, as the real API lists them
    created_at, monitoring_at, resolved_at = status_times(item)
    return {
        "id": item.slug,
        "name": view.title,
        "status": view.status,
        "impact": view.impact,
        "created_at": stamp(created_at),
        "updated_at": stamp(item.updated),
        "monitoring_at": stamp(monitoring_at),
        "resolved_at": stamp(resolved_at),
        # A maintenance's page is measured by its window (``scheduled_for``); its own ``started_at`` is when it was announced.
        "started_at": stamp(view.started_at if view.is_maintenance and view.started_at else item.start),
        "shortlink": absolute(config, incident_path(item.slug)),  # this site's page (null without a base_url)
        "imported_shortlink": view.shortlink,  # the original status page's short link, when imported
        "reminder_intervals": None,
        "incident_updates": updates,
    }


class ApiBuilder:
    """Builds every API document from the same page, component and incident records."""

    def __init__(self, records: list[SiteRecord], components: list[SiteComponent], config: SiteConfig,
                 status: PageStatus | None = None):
        self.records, self.components, self.config = records, components, config
        self.page_id = page_id(config)
        self.now_status = status or page_status(records, site_now(records))
        self.changed: dict[tuple[str | None, str], datetime] = {}  # when a current component status was set
        for record in self.now_status.incidents + self.now_status.active_maintenances:
            for change in record.transitions:
                if change.posted_at <= self.now_status.now:
                    self.changed[change.component] = max(change.posted_at, self.changed.get(change.component, change.posted_at))
        self.leaf_docs = {(c.group, c.name): self.component(c, position) for position, c in enumerate(components, start=1)}

    def page(self) -> dict[str, Any]:
        return {
            "id": self.page_id,
            "name": self.config.company,
            "url": absolute(self.config, ""),
            "time_zone": self.config.zone,
            "updated_at": stamp(max((record.updated for record in self.records), default=None)),
        }

    def component(self, component: SiteComponent, position: int) -> dict[str, Any]:
        key = (component.group, component.name)
        changed = self.changed.get(key)
        return {
            "id": component.code,
            "name": component.name,
            "status": self.now_status.components.get(key, "operational"),
            "created_at": stamp(min(record.created for record in component.incidents)),
            "updated_at": stamp(max([record.updated for record in component.incidents] + ([changed] if changed else []))),
            "position": position,
            "description": None,
            "showcase": False,
            "start_date": None,
            "group_id": short_id("group", component.group) if component.group else None,
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def all_components(self) -> list[dict[str, Any]]:
        """Leaf components, then one group entry per group listing its members (as the real API does)."""
        leaves = [self.leaf_docs[(c.group, c.name)] for c in self.components]
        groups: dict[str, list[dict[str, Any]]] = {}
        for component, leaf in zip(self.components, leaves, strict=True):
            if component.group:
                groups.setdefault(component.group, []).append(leaf)
        entries = list(leaves)
        for position, (name, members) in enumerate(sorted(groups.items()), start=len(leaves) + 1):
            worst = max((m["status"] for m in members), key=STATUS_RANK.__getitem__)
            entries.append({
                **members[0], "id": short_id("group", name), "name": name, "status": worst, "position": position,
                "created_at": min(m["created_at"] for m in members), "updated_at": max(m["updated_at"] for m in members),
                "group_id": None, "group": True, "components": [m["id"] for m in members],
            })
        return entries

    def incident(self, record: SiteRecord) -> dict[str, Any]:
        return {**record.api, "page_id": self.page_id, "components": [self.leaf_docs[key] for key in record.components]}

    def maintenance(self, record: SiteRecord) -> dict[str, Any]:
        return {**self.incident(record), "scheduled_for": stamp(record.scheduled_for), "scheduled_until": stamp(record.scheduled_until)}

    def files(self) -> dict[str, bytes]:
        """Every endpoint; maintenances are listed apart from incidents, as Statuspage does."""
        page, now = self.page(), self.now_status
        ordered = newest_first(self.records)
        incidents = [self.incident(record) for record in ordered if not is_maintenance(record)]
        unresolved = [self.incident(record) for record in now.incidents]
        maintenances = [self.maintenance(record) for record in ordered if is_maintenance(record)]
        active = [self.maintenance(record) for record in now.active_maintenances]
        upcoming = [self.maintenance(record) for record in now.upcoming_maintenances]
        status = {"indicator": now.indicator, "description": now.description}
        components = self.all_components()
        return {
            "api/v2/incidents.json": dump({"page": page, "incidents": incidents}),
            "api/v2/incidents/unresolved.json": dump({"page": page, "incidents": unresolved}),
            "api/v2/components.json": dump({"page": page, "components": components}),
            "api/v2/status.json": dump({"page": page, "status": status}),
            "api/v2/scheduled-maintenances.json": dump({"page": page, "scheduled_maintenances": maintenances}),
            "api/v2/scheduled-maintenances/upcoming.json": dump({"page": page, "scheduled_maintenances": upcoming}),
            "api/v2/scheduled-maintenances/active.json": dump({"page": page, "scheduled_maintenances": active}),
            "api/v2/summary.json": dump({
                "page": page, "components": components, "incidents": unresolved,
                "scheduled_maintenances": active + upcoming, "status": status,
            }),
        }


def render_api(records: list[SiteRecord], components: list[SiteComponent], config: SiteConfig,
               status: PageStatus | None = None) -> dict[str, bytes]:
    return ApiBuilder(records, components, config, status).files()
