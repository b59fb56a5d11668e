"""The static incident-history site as a pure function of the incidents and the site config.

``render_site`` returns every site file by POSIX path; it reads no clock and
no file besides templates, and only ever sees public views of incidents, so
the same input gives the same bytes and nothing internal can reach the site.
The per-incident ``<id>.md``/``.html``/``.pdf`` files are written by the core
build; the site's pages link to them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.model.visibility import public_view
from generator.render.context import InternalIncidentError
from generator.render.environment import make_environment
from generator.render.formats import BUILD_FORMATS
from generator.site import pages
from generator.site.addresses import page_path
from generator.site.api import render_api
from generator.site.calendar import render_calendar
from generator.site.components import SiteComponent, incident_components, natural_components, site_components
from generator.site.feeds import render_component_feed, render_history_feeds
from generator.site.incident import site_incident, site_wide
from generator.site.record import SiteRecord, site_record
from generator.site.sitemap import render_sitemap
from generator.site.status import page_status, site_now

__all__ = ["InMemory", "SiteStore", "assemble_site", "page_path", "public_record", "render_component_files", "render_incident_page", "render_site",
           "render_site_wide"]
T = TypeVar("T")
# Read by Netlify and Cloudflare Pages (other hosts: see the README): status-page widgets and
# dashboards on other origins fetch the JSON API, which real Statuspage serves with this header.
HOST_HEADERS = b"""/api/*
  Access-Control-Allow-Origin: *
  Content-Type: application/json; charset=utf-8
"""


class SiteStore(Protocol[T]):
    """Where assembled site files go: kept in memory as bytes, or in a build's cache as digests."""

    def keep(self, files: dict[str, bytes]) -> dict[str, T]:
        """Store ``files``; what stands for each of them."""

    def component_files(self, component: SiteComponent, render: Callable[[], dict[str, bytes]]) -> dict[str, T]:
        """A component's page and feed: stored ones if they are current, else ``render()`` stored."""


class InMemory:
    """A ``SiteStore`` that keeps the bytes themselves and renders every component."""

    def keep(self, files: dict[str, bytes]) -> dict[str, bytes]:
        """The files themselves."""
        return files

    def component_files(self, component: SiteComponent, render: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        """The component's files, rendered now."""
        return render()


def assemble_site(records: list[SiteRecord], pages: Mapping[str, T], config: SiteConfig, store: SiteStore[T], *,
                  page_with: Callable[[SiteRecord, list[SiteComponent]], bytes], templates: Path | None = None) -> dict[str, T]:
    """Every site file, by POSIX path: the incidents' pages, then everything that lists incidents.

    ``pages`` holds each public incident's page (by id) as ``render_incident_page``
    made it, with the component slugs the incident's own names give.  When two
    components' names give the same slug, the site-wide slugs differ from those:
    the pages naming such a component are made again with ``page_with``.  The
    preview, the tests (``render_site``) and real builds all assemble the site here.
    """
    records = sorted(records, key=lambda record: (record.start, record.slug))
    components = site_components(records)
    files: dict[str, T] = {page_path(record.slug): pages[record.slug] for record in records}
    files.update(store.keep(render_site_wide(records, components, config, templates=templates)))
    for component in components:
        files.update(store.component_files(component, partial(render_component_files, component, config, templates=templates)))
    renamed = {(c.group, c.name) for c in components if c.slug != natural_components([(c.group, c.name)])[0].slug}
    for record in records:
        if renamed.intersection(record.components):
            files.update(store.keep({page_path(record.slug): page_with(record, incident_components(record, components))}))
    return dict(sorted(files.items()))


def render_site(incidents: list[Incident], config: SiteConfig, *, templates: Path | None = None,
                formats: tuple[str, ...] = BUILD_FORMATS) -> dict[str, bytes]:
    """Every site file of ``incidents``, in memory, made exactly as a build makes it (the preview and the tests use it).

    ``formats`` are the per-incident files the build writes beside the site; pages link only to those.
    """
    public: dict[str, Incident] = {}
    for incident in incidents:
        if incident.visibility == "public":
            if incident.slug in public:
                raise ValueError(f"two incidents share the id {incident.slug!r}")
            public[incident.slug] = site_wide(incident)
    pages = {slug: render_incident_page(incident, config, templates=templates, formats=formats) for slug, incident in public.items()}
    records = [public_record(incident, config) for incident in public.values()]

    def page_with(record: SiteRecord, components: list[SiteComponent]) -> bytes:
        return render_incident_page(public[record.slug], config, templates=templates, formats=formats, components=components)

    return assemble_site(records, pages, config, InMemory(), page_with=page_with, templates=templates)


def render_site_wide(records: list[SiteRecord], components: list[SiteComponent], config: SiteConfig, *,
                     templates: Path | None = None) -> dict[str, bytes]:
    """The files that list every incident: home, 404, history feeds, JSON API, sitemap.

    A build renders these again whenever any incident changed, from each
    incident's cached ``SiteRecord``; a component's files change only with its
    own incidents (``render_component_files``), and each incident's page is
    cached on its own (``render_incident_page``).
    """
    env = make_environment(templates)
    status = page_status(records, site_now(records))
    files: dict[str, bytes] = {"_headers": HOST_HEADERS}
    files.update(pages.render_home_pages(records, components, config, env, status))
    files.update(render_history_feeds(records, config))
    files.update(render_api(records, components, config, status))
    files.update(render_sitemap(records, components, config, env))
    files.update(render_calendar(records, config))
    return files


def render_component_files(component: SiteComponent, config: SiteConfig, *, templates: Path | None = None) -> dict[str, bytes]:
    """A component's page and feed, which depend only on the component and its incidents' records."""
    page_name, page = pages.render_component_page(component, config, make_environment(templates))
    feed_name, feed = render_component_feed(component, config)
    return {page_name: page, feed_name: feed}


def public_record(incident: Incident, config: SiteConfig) -> SiteRecord:
    """The site record of a public incident (what a build caches beside the incident's page)."""
    view = public_view(incident)
    if view is None:
        raise InternalIncidentError(f"incident {incident.slug!r} is internal; it has no public output")
    return site_record(site_incident(view), config)


def render_incident_page(incident: Incident, config: SiteConfig, *, templates: Path | None = None, formats: tuple[str, ...] = BUILD_FORMATS,
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
    chosen = natural_components((c.group, c.name) for c in view.components) if components is None else components
    return pages.render_incident_page(item, chosen, config, make_environment(templates), formats)
