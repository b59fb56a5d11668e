"""``sitemap.xml``: written only when the site has a ``base_url``, since sitemaps need absolute URLs."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment

from generator.model.config import SiteConfig
from generator.site.addresses import absolute, incident_path
from generator.site.components import SiteComponent
from generator.site.incident import newest_first
from generator.site.record import SiteRecord
from generator.site.statuspage import stamp


@dataclass(frozen=True)
class SitemapUrl:
    """One ``<url>`` of the sitemap."""
    loc: str
    lastmod: str | None


def render_sitemap(items: list[SiteRecord], components: list[SiteComponent], config: SiteConfig, env: Environment) -> dict[str, bytes]:
    """``sitemap.xml`` (only with a ``base_url``: a sitemap lists absolute URLs)."""
    root = absolute(config, "")
    if root is None:
        return {}
    latest = max((item.updated for item in items), default=None)
    urls = [SitemapUrl(root, stamp(latest))]
    urls += [SitemapUrl(f"{root}{incident_path(item.slug)}", stamp(item.updated)) for item in newest_first(items)]
    urls += [
        SitemapUrl(f"{root}components/{c.slug}/", stamp(max(item.updated for item in c.incidents)))
        for c in components
    ]
    xml = env.get_template("site/sitemap.xml").render(urls=urls)
    return {"sitemap.xml": xml.strip("\n").encode() + b"\n"}
