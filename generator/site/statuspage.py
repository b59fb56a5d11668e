"""One incident in the shape of the status-page v2 API, the same for the site's JSON API and ``postmortem export``.

Field names follow a real export (``incidents.json``): ids are stable
12-character codes derived from names, times are UTC with milliseconds and a
``Z`` offset as the real API writes them.  Update bodies are the sanitised HTML
of the incident's Markdown, so raw HTML and unsafe links never reach the JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from generator.model.config import SiteConfig
from generator.model.incident import CLOSING_STATUSES, OPEN_STATUSES
from generator.render.markdown import map_text_outside_pre, markdown_to_html
from generator.site.addresses import absolute, component_code, incident_path, short_id
from generator.site.incident import SiteIncident, component_of


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
        final = [at for at, status in posts if status in CLOSING_STATUSES and (last_open is None or at >= last_open)]
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
    chronological = view.updates_in_order  # the order the site shows them in, oldest first
    seen: dict[tuple[str, str], int] = {}
    updates = []
    # Statuspage has no "update" status: a post that changes nothing carries the status in force (the page shows
    # it as "Update"); clients that check the value against the documented list would refuse ours.
    in_force = "scheduled" if view.is_maintenance else "investigating"
    for update in chronological:
        if update.status not in {"update", "postmortem"}:
            in_force = update.status
        key = (update.posted_at.isoformat(), update.status)
        seen[key] = seen.get(key, -1) + 1
        transitions = [
            {"code": component_code(c.group, c.name), "name": c.name, "old_status": t.old_status, "new_status": t.new_status}
            for t in update.components if (c := component_of(view, t.component)) is not None
        ]
        when = stamp(update.posted_at)
        updates.append({
            "id": short_id("update", item.slug, *key, str(seen[key])),
            "status": in_force if update.status == "update" else update.status, "body": statuspage_html(update.body),
            "incident_id": item.slug,
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


