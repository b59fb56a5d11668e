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
from generator.render.environment import make_environment
from generator.site.api import render_api
from generator.site.feeds import render_feeds
from generator.site.model import public_incidents, site_components
from generator.site.pages import render_pages
from generator.site.sitemap import render_sitemap

__all__ = ["render_site"]


def render_site(incidents: list[Incident], config: SiteConfig, *, templates: Path | None = None) -> dict[str, bytes]:
    """Every site file, by POSIX path relative to the output folder."""
    items = public_incidents(incidents)
    components = site_components(items)
    env = make_environment(templates)
    files: dict[str, bytes] = {}
    files.update(render_pages(items, components, config, env))
    files.update(render_feeds(items, components, config))
    files.update(render_api(items, components, config))
    files.update(render_sitemap(items, components, config, env))
    return dict(sorted(files.items()))
