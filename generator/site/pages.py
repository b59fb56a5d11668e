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
from generator.model.metrics import compute_metrics
from generator.render import formatting
from generator.render.context import build_context
from generator.site.model import SiteComponent, SiteIncident, absolute, base_url, date_range, incident_path, newest_first


@dataclass(frozen=True)
class ListEntry:
    """One incident as a line of a history list."""

    slug: str
    title: str
    impact: str
    impact_label: str
    range: str
    start_iso: str
    duration: str
    sentence: str


@dataclass(frozen=True)
class Month:
    key: str
    heading: str
    entries: list[ListEntry]


def _text(config: SiteConfig) -> dict[str, Any]:
    return strings(config.locale, config.labels.model_dump())


def list_entry(item: SiteIncident, config: SiteConfig, text: dict[str, Any]) -> ListEntry:
    view = item.view
    zone_name = view.zone or config.zone
    span = compute_metrics(view).duration
    return ListEntry(
        slug=item.slug,
        title=view.title,
        impact=view.impact,
        impact_label=text["impacts"][view.impact],
        range=date_range(item, zone_name, text["months"], text["fields"]["ongoing"]),
        start_iso=item.start.isoformat(),
        duration=formatting.duration(span) if span is not None else "",
        sentence=item.sentence,
    )


def months(items: list[SiteIncident], config: SiteConfig, text: dict[str, Any]) -> list[Month]:
    """Newest first, grouped by the month the impact started in, in the site's zone."""
    groups: dict[str, Month] = {}
    for item in newest_first(items):
        when: datetime = formatting.local(item.start, config.zone)
        key = f"{when.year:04d}-{when.month:02d}"
        if key not in groups:
            heading = text["site"]["month_heading"].format(month=text["site"]["month_names"][when.month - 1], year=when.year)
            groups[key] = Month(key, heading, [])
        groups[key].entries.append(list_entry(item, config, text))
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
    return _render(env, "site/incident.html", context)


def incident_components(item: SiteIncident, components: list[SiteComponent]) -> list[SiteComponent]:
    by_key = {(c.group, c.name): c for c in components}
    return [by_key[(c.group, c.name)] for c in item.view.components]


def render_index_pages(items: list[SiteIncident], components: list[SiteComponent], config: SiteConfig, env: Environment) -> dict[str, bytes]:
    """Every page but the incident permalinks: home, component pages, 404."""
    text = _text(config)
    site = text["site"]
    history = f"{site['history']} · {config.company}"
    files: dict[str, bytes] = {}

    home = _common(config, text, root="", title=history, description=history, canonical=absolute(config, ""))
    files["index.html"] = _render(env, "site/index.html", {**home, "months": months(items, config, text), "components": components})

    for component in components:
        heading = site["component_incidents"].format(component=component.display_name)
        page = _common(config, text, root="../../", title=f"{component.display_name} · {config.company}", description=heading,
                       canonical=absolute(config, f"components/{component.slug}/"))
        feed_title = site["component_feed_title"].format(company=config.company, component=component.display_name)
        files[f"components/{component.slug}/index.html"] = _render(
            env, "site/component.html",
            {**page, "component": component, "heading": heading, "feed_title": feed_title, "months": months(component.incidents, config, text)},
        )

    # A host serves 404.html at any depth, where relative links would break: use the absolute root when known.
    missing = _common(config, text, root=base_url(config) or "", title=f"{site['not_found_title']} · {config.company}",
                      description=site["not_found_body"], canonical=None)
    files["404.html"] = _render(env, "site/404.html", missing)
    return files
