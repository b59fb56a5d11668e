"""A static JSON API in the shape of the status-page v2 API, so existing clients work unchanged.

Field names follow a real export (``incidents.json``): ids are stable
12-character codes derived from names, times are UTC with milliseconds and a
``Z`` offset as the real API writes them, keys are sorted and NaN is refused.
Unlike the hosted API, ``incidents.json`` lists every incident, not the last 50.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from generator.model.config import SiteConfig
from generator.site.addresses import absolute, short_id
from generator.site.components import SiteComponent
from generator.site.incident import newest_first
from generator.site.record import SiteRecord
from generator.site.status import STATUS_RANK, PageStatus, is_maintenance, page_status, site_now
from generator.site.statuspage import stamp


def escape_json_bytes(document: bytes) -> bytes:
    """``<``, ``>``, ``&``, U+2028 and U+2029 as ``\\u`` escapes (in JSON they only occur inside strings)."""
    for raw, escaped in ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"),
                         ("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029")):
        document = document.replace(raw, escaped)
    return document


def dump(data: Any) -> bytes:
    """Compact UTF-8 JSON with sorted keys and a final newline.

    orjson gives the same bytes as ``json.dumps(sort_keys=True, ensure_ascii=False,
    separators=(",", ":"))``, much faster (``incidents.json`` lists every
    incident and is written on every build that changes one).  It can never
    write ``NaN``: the documents hold no floats, and orjson would write ``null``.
    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, so a file sniffed or embedded
    as HTML cannot carry a tag.
    """
    return escape_json_bytes(orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))


def page_id(config: SiteConfig) -> str:
    """The page's stable status-page id, from its address (or the company name)."""
    return short_id("page", config.base_url or config.company)


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
        """The ``page`` object every endpoint starts with."""
        return {
            "id": self.page_id,
            "name": self.config.company,
            "url": absolute(self.config, ""),
            "time_zone": self.config.zone,
            "updated_at": stamp(max((record.updated for record in self.records), default=None)),
        }

    def component(self, component: SiteComponent, position: int) -> dict[str, Any]:
        """One component as the API lists it, with its status at "now"."""
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
        """One incident's document, with this page's id and components."""
        return {**record.api, "page_id": self.page_id, "components": [self.leaf_docs[key] for key in record.components]}

    def maintenance(self, record: SiteRecord) -> dict[str, Any]:
        """One maintenance's document: an incident's, plus its scheduled window."""
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
    """Every file of the JSON API, by path."""
    return ApiBuilder(records, components, config, status).files()
