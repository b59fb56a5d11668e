"""Incidents back to a status-page export: the public v2 ``incidents.json`` shape.

The incident → JSON mapping is the site's JSON API (``generator.site.api``), so
there is one mapping, not two.  What an export adds on top, so that a round
trip keeps what both models share:

- ids: the status-page page and incident ids recorded in an imported file's
  header replace the derived ones;
- bodies: the API builder's (``generator.site.api.statuspage_html``: safe HTML,
  newlines significant), so importing the export again gives the same Markdown;
- ``resolved_at``: the incident's own field when it has one;
- ``scheduled_for``/``scheduled_until`` whenever set, and the component groups
  as top-level ``components`` (as ``summary.json`` carries them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generator.migrate.incident_yaml import source_of
from generator.migrate.statuspage_import import EMPTY_BODY
from generator.model.catalog import LoadedIncident
from generator.model.config import SiteConfig
from generator.site.api import ApiBuilder
from generator.site.components import site_components
from generator.site.incident import public_incidents
from generator.site.record import site_record
from generator.site.statuspage import stamp


def _provenance(path: Path) -> tuple[str | None, str | None]:
    try:
        with path.open(encoding="utf-8", errors="replace") as stream:
            return source_of(stream.read(2000))
    except OSError:
        return None, None


def _common(values: list[str | None]) -> str | None:
    distinct = {v for v in values if v}
    return distinct.pop() if len(distinct) == 1 else None


def export_statuspage(loaded: list[LoadedIncident], config: SiteConfig) -> dict[str, Any]:
    """The export document for the public incidents among ``loaded`` (internal ones are left out)."""
    sources = {item.incident.slug: _provenance(item.source) for item in loaded}
    items = public_incidents([item.incident for item in loaded])
    company = _common([item.view.company for item in items]) or config.company
    zone = _common([item.view.zone for item in items]) or config.zone
    page_config = config.model_copy(update={"company": company, "zone": zone})
    records = {item.slug: site_record(item, page_config) for item in items}
    builder = ApiBuilder(list(records.values()), site_components(list(records.values())), page_config)
    page = builder.page()
    page["id"] = _common([sources[item.slug][0] for item in items]) or page["id"]
    incidents = []
    for item in sorted(items, key=lambda i: (-i.start.timestamp(), i.slug)):
        view = item.view
        record = records[item.slug]
        document = builder.maintenance(record) if view.impact == "maintenance" or view.scheduled_for else builder.incident(record)
        incident_id = sources[item.slug][1] or item.slug
        # An export speaks for the original page: its own short link when imported, else this site's page.
        document["shortlink"] = document.pop("imported_shortlink") or document["shortlink"]
        document["id"] = incident_id
        document["page_id"] = page["id"]
        if view.resolved_at is not None:
            document["resolved_at"] = stamp(view.resolved_at)
        for key in ("scheduled_for", "scheduled_until"):
            if getattr(view, key) is not None:
                document[key] = stamp(getattr(view, key))
        for update in document["incident_updates"]:
            update["incident_id"] = incident_id
            if update["body"] == EMPTY_BODY:  # the API builder already gives bodies as a status page stores them
                update["body"] = ""
        for component in document["components"]:
            component["page_id"] = page["id"]
        incidents.append(document)
    components = builder.all_components()
    for component in components:
        component["page_id"] = page["id"]
    return {"page": page, "components": components, "incidents": incidents}


def dump_export(document: dict[str, Any]) -> bytes:
    """Sorted keys, no NaN, UTF-8, one trailing newline: the same incidents give the same bytes."""
    return json.dumps(document, sort_keys=True, allow_nan=False, ensure_ascii=False, indent=2).encode() + b"\n"
