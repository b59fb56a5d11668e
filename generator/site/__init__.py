"""The static incident-history site as a pure function of the incidents and the site config.

``render_site`` returns every site file by POSIX path; it reads no clock and
no file besides templates, and only ever sees public views of incidents, so
the same input gives the same bytes and nothing internal can reach the site.
The per-incident ``<id>.md``/``.html``/``.pdf`` files are written by the core
build; the site's pages link to them.
"""

from __future__ import annotations

from pathlib import Path

from generator.config import SiteConfig
from generator.model.incident import Incident
from generator.model.visibility import public_view
from generator.render.context import InternalIncidentError
from generator.render.environment import make_environment
from generator.site import pages
from generator.site.api import render_api
from generator.site.feeds import render_feeds
from generator.site.model import SiteComponent, SiteIncident, natural_components, public_incidents, site_components, site_incident
from generator.site.sitemap import render_sitemap

__all__ = ["render_incident_page", "render_site", "render_site_index"]
ALL_FORMATS = ("md", "html", "pdf")


def render_site(incidents: list[Incident], config: SiteConfig, *, templates: Path | None = None,
                formats: tuple[str, ...] = ALL_FORMATS) -> dict[str, bytes]:
    """Every site file, by POSIX path relative to the output folder.

    ``formats`` are the per-incident files the build writes beside the site; pages link only to those.
    """
    items = public_incidents(incidents)
    components = site_components(items)
    env = make_environment(templates)
    files = render_site_index(items, components, config, templates=templates)
    for item in items:
        files[page_path(item.slug)] = pages.render_incident_page(item, pages.incident_components(item, components), config, env, formats)
    return dict(sorted(files.items()))


def render_site_index(items: list[SiteIncident], components: list[SiteComponent], config: SiteConfig, *,
                      templates: Path | None = None) -> dict[str, bytes]:
    """Every site file except the incident pages: home, component pages, 404, feeds, API, sitemap.

    These list every incident, so a build renders them again whenever any incident changed;
    each incident's own page is cached on its own (``render_incident_page``).
    """
    env = make_environment(templates)
    files: dict[str, bytes] = {}
    files.update(pages.render_index_pages(items, components, config, env))
    files.update(render_feeds(items, components, config))
    files.update(render_api(items, components, config))
    files.update(render_sitemap(items, components, config, env))
    return files


def page_path(slug: str) -> str:
    return f"incidents/{slug}/index.html"


def render_incident_page(incident: Incident, config: SiteConfig, *, templates: Path | None = None, formats: tuple[str, ...] = ALL_FORMATS,
                         components: list[SiteComponent] | None = None) -> bytes:
    """One public incident's permalink page.

    ``components`` are the incident's components with their site-wide slugs
    (``site_components``); by default each gets the slug of its own name, which
    is its site-wide slug unless another component's name gives the same one.
    """
    view = public_view(incident)
    if view is None:
        raise InternalIncidentError(f"incident {incident.slug!r} is internal; it has no public output")
    item = site_incident(view)
    chosen = natural_components(item) if components is None else components
    return pages.render_incident_page(item, chosen, config, make_environment(templates), formats)
