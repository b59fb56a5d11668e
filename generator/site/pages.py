"""HTML pages of the site: home (history by month), incident permalinks, component pages, 404.

Every internal link is relative and names ``index.html`` explicitly, so the
folder works from any sub-path and from ``file://``; only canonical/Open Graph
URLs are absolute, and only when the site config has a ``base_url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment

from generator.clock import source_date
from generator.i18n import strings
from generator.model.availability import describe
from generator.model.config import SiteConfig
from generator.render import formatting
from generator.render.context import build_context
from generator.render.picture import picture_context
from generator.render.status_post import updates_html
from generator.site.addresses import absolute, base_url, incident_path
from generator.site.components import SiteComponent
from generator.site.incident import SiteIncident, newest_first, span_range
from generator.site.record import ListEntry, SiteRecord, list_entry
from generator.site.status import PageStatus
from generator.site.uptime import DAYS, NARROW_DAYS, UptimeBar, uptime_bars


@dataclass(frozen=True)
class Month:
    """One month of the history list."""
    key: str
    heading: str
    entries: list[ListEntry]


def _text(config: SiteConfig) -> dict[str, Any]:
    return strings(config.locale, config.labels.model_dump())


def months(records: list[SiteRecord], config: SiteConfig, text: dict[str, Any]) -> list[Month]:
    """Newest first, grouped by the month the impact started in, in the site's zone."""
    groups: dict[str, Month] = {}
    for record in newest_first(records):
        when: datetime = formatting.local(record.start, config.zone)
        key = f"{when.year:04d}-{when.month:02d}"
        if key not in groups:
            heading = text["site"]["month_heading"].format(month=text["site"]["month_names"][when.month - 1], year=when.year)
            groups[key] = Month(key, heading, [])
        groups[key].entries.append(record.entry)
    return list(groups.values())


def _common(config: SiteConfig, text: dict[str, Any], *, root: str, title: str, description: str, canonical: str | None) -> dict[str, Any]:
    return {
        "config": config,
        "t": text,
        "site": text["site"],
        "site_status": text["status_page"],
        "company": config.company,
        "root": root,
        "page_title": title,
        "og_title": title,
        "og_type": "website",
        "description": description,
        "canonical": canonical,
    }


def _render(env: Environment, name: str, context: dict[str, Any]) -> bytes:
    return env.get_template(name).render(context).strip("\n").encode() + b"\n"


LINK_ORDER = ("md", "pdf", "html")  # the order the "other formats" links appear in


def linked_formats(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The per-incident files the build writes next to the site, so a page links only to files that exist."""
    return tuple(fmt for fmt in LINK_ORDER if fmt in formats)


def render_incident_page(item: SiteIncident, components: list[SiteComponent], config: SiteConfig, env: Environment,
                         formats: tuple[str, ...]) -> bytes:
    """One incident's permalink page; ``components`` are the incident's own, with their site slugs."""
    text = _text(config)
    view = item.view
    context = build_context(view, config, internal=False)
    context.update(_common(config, text, root="../../", title=f"{view.title} · {config.company}",
                           description=item.sentence or view.title, canonical=absolute(config, incident_path(item.slug))))
    context.update(
        og_title=view.title,
        og_type="article",
        entry=list_entry(item, config, text),
        impact_label=text["impacts"][view.impact],
        incident_components=components,
        formats=linked_formats(formats),
    )
    context["updates_html"] = updates_html(env, context)
    context.update(picture_context(context))
    return _render(env, "site/incident.html", context)


@dataclass(frozen=True)
class OpenItem:
    """An active incident or a maintenance, as the home page lists it above the history."""

    entry: ListEntry
    status: str  # the status word of its latest update
    window: str  # a maintenance's scheduled window, else ""


def _open_item(record: SiteRecord, config: SiteConfig, text: dict[str, Any]) -> OpenItem:
    window = ""
    if record.scheduled_for is not None:
        range_text = span_range(record.scheduled_for, record.scheduled_until, config.zone, text["months"], text["fields"]["ongoing"])
        window = text["status_page"]["scheduled_window"].format(window=range_text)
    return OpenItem(record.entry, text["statuses"][record.status], window)


def _uptime_rows(bars: list[UptimeBar], status: PageStatus, config: SiteConfig, text: dict[str, Any]) -> list[dict[str, Any]]:
    """What the template prints for each component: its status, its bar's cells with their texts, the uptime figure."""
    words = text["status_page"]
    rows = []
    for bar in bars:
        component = bar.component
        current = status.components.get((component.group, component.name), "operational")
        cells = []
        for day in bar.days:
            date_text = text["date_format"].format(mon=text["months"][day.day.month - 1], day=day.day.day, year=day.day.year)
            label = f"{date_text}: {words['levels'][day.level]}"
            if day.titles:
                label += " – " + "; ".join(day.titles[:3]) + (" …" if len(day.titles) > 3 else "")
            cells.append({"level": day.level, "label": label, "iso": day.day.isoformat()})
        rows.append({
            "component": component, "status": current, "status_label": words["components"][current], "cells": cells,
            "uptime": words["uptime"].format(percent=f"{bar.availability:.2f}"),
            "affected": words["days_affected"].format(count=bar.affected_days, days=DAYS),
            "narrow_uptime": words["uptime"].format(percent=f"{bar.narrow_availability:.2f}"),
            "narrow_affected": words["days_affected"].format(count=bar.narrow_affected_days, days=NARROW_DAYS),
            "label": words["uptime_label"].format(component=component.display_name, days=DAYS),
        })
    return rows


def render_home_pages(records: list[SiteRecord], components: list[SiteComponent], config: SiteConfig, env: Environment,
                      status: PageStatus) -> dict[str, bytes]:
    """The pages that list every incident or component: home (a status page) and 404."""
    text = _text(config)
    site, words = text["site"], text["status_page"]
    title = words["title"].format(company=config.company)
    home = _common(config, text, root="", title=title, description=f"{status.description} · {site['history']}",
                   canonical=absolute(config, ""))
    # A host serves 404.html at any depth, where relative links would break: use the absolute root when known.
    missing = _common(config, text, root=base_url(config) or "", title=f"{site['not_found_title']} · {config.company}",
                      description=site["not_found_body"], canonical=None)
    now_text = formatting.stamp(status.now, config.zone, text["months"], date_format=text["date_format"], stamp_format=text["stamp_format"])
    index = {
        **home, "months": months(records, config, text), "components": components, "status": status,
        "banner": words["indicators"][status.indicator], "now_iso": status.now.isoformat(),
        # No incident and no SOURCE_DATE_EPOCH: the site describes no moment, so it claims none (not "As of Jan 01, 1970").
        "now_text": words["as_of"].format(when=now_text) if records or source_date() is not None else "",
        "active_incidents": [_open_item(r, config, text) for r in status.incidents],
        "active_maintenances": [_open_item(r, config, text) for r in status.active_maintenances],
        "upcoming_maintenances": [_open_item(r, config, text) for r in status.upcoming_maintenances],
        "uptime": _uptime_rows(uptime_bars(components, status.now, config.zone, config.availability), status, config, text),
        "days": DAYS, "levels": words["levels"],
        # Every availability figure names the policy it was computed with, as the report's do.
        "uptime_policy": describe(config.availability, text["period_report"]),
    }
    return {
        "index.html": _render(env, "site/index.html", index),
        "404.html": _render(env, "site/404.html", missing),
    }


def render_component_page(component: SiteComponent, config: SiteConfig, env: Environment) -> tuple[str, bytes]:
    """One component's page: its incidents by month, and a link to its feed."""
    text = _text(config)
    site = text["site"]
    heading = site["component_incidents"].format(component=component.display_name)
    page = _common(config, text, root="../../", title=f"{component.display_name} · {config.company}", description=heading,
                   canonical=absolute(config, f"components/{component.slug}/"))
    feed_title = site["component_feed_title"].format(company=config.company, component=component.display_name)
    return f"components/{component.slug}/index.html", _render(
        env, "site/component.html",
        {**page, "component": component, "heading": heading, "feed_title": feed_title, "months": months(component.incidents, config, text)},
    )
