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

from generator.config import SiteConfig
from generator.i18n import strings
from generator.render import formatting
from generator.render.context import build_context
from generator.render.html import updates_html
from generator.site.model import SiteComponent, SiteIncident, absolute, base_url, incident_path, newest_first
from generator.site.record import ListEntry, SiteRecord, list_entry


@dataclass(frozen=True)
class Month:
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
    return _render(env, "site/incident.html", context)


def incident_components(record: SiteRecord, components: list[SiteComponent]) -> list[SiteComponent]:
    """The record's components with their site-wide slugs (``site_components``)."""
    by_key = {(c.group, c.name): c for c in components}
    return [by_key[key] for key in record.components]


def render_home_pages(records: list[SiteRecord], components: list[SiteComponent], config: SiteConfig, env: Environment) -> dict[str, bytes]:
    """The pages that list every incident or component: home and 404."""
    text = _text(config)
    site = text["site"]
    history = f"{site['history']} · {config.company}"
    home = _common(config, text, root="", title=history, description=history, canonical=absolute(config, ""))
    # A host serves 404.html at any depth, where relative links would break: use the absolute root when known.
    missing = _common(config, text, root=base_url(config) or "", title=f"{site['not_found_title']} · {config.company}",
                      description=site["not_found_body"], canonical=None)
    return {
        "index.html": _render(env, "site/index.html", {**home, "months": months(records, config, text), "components": components}),
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
