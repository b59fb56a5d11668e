"""Atom 1.0 and RSS 2.0 feeds, written with feedgen and made deterministic.

feedgen stamps the build clock (``updated``/``lastBuildDate``) and its own
name and version by default; both are overridden here, so a feed depends only
on the incident data: ``updated`` is the latest update of the newest-updated
incident (the Unix epoch for an empty feed).

Without ``base_url`` the feeds use relative links (valid in Atom, resolved
against the feed's own address; tolerated by RSS readers) and name-based
``urn:uuid:`` ids; with it, links are absolute and entry ids are permalinks.
"""

from __future__ import annotations

import html
from datetime import UTC
from typing import Any

from feedgen.feed import FeedGenerator

from generator import __version__
from generator.config import SiteConfig
from generator.i18n import strings
from generator.render.markdown import markdown_to_html
from generator.site.model import EPOCH, SiteComponent, SiteIncident, absolute, entry_id, feed_id, incident_path, newest_first


def _link(config: SiteConfig, path: str, *, root: str) -> str:
    """Absolute URL of a site path when the site has an address, else relative to the feed."""
    return absolute(config, path) or root + (path + "index.html" if path.endswith("/") or not path else path)


def _generator(config: SiteConfig, path: str, title: str, subtitle: str, root: str, items: list[SiteIncident],
               entries: dict[tuple[str, str], Any]) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(feed_id(config, path))
    feed.title(title)
    feed.subtitle(subtitle)
    feed.description(subtitle)
    feed.author({"name": config.company})
    feed.language(config.locale)
    feed.generator("postmortem", version=__version__)
    self_url = absolute(config, path)
    if self_url:
        feed.link(href=self_url, rel="self")
    feed.link(href=_link(config, "", root=root), rel="alternate")  # last: feedgen uses the last link for RSS
    feed.updated(max((item.updated for item in items), default=EPOCH).astimezone(UTC))
    for item in newest_first(items):
        key = (item.slug, root)
        if key not in entries:  # an entry (its Markdown rendering above all) is built once and shared by every feed
            entries[key] = _entry(config, item, root)
        feed.add_entry(entries[key], order="append")
    return feed


def _entry(config: SiteConfig, item: SiteIncident, root: str) -> Any:
    from feedgen.entry import FeedEntry

    view = item.view
    entry = FeedEntry()
    identifier = entry_id(config, item.slug)
    entry.id(identifier)
    entry.guid(identifier, permalink=identifier.startswith(("http://", "https://")))
    entry.title(view.title)
    entry.link(href=_link(config, incident_path(item.slug), root=root), rel="alternate")
    entry.updated(item.updated.astimezone(UTC))
    entry.published(item.created.astimezone(UTC))
    entry.category(term=view.impact)
    body = view.summary or next((u.body for u in view.updates_newest_first if u.body), None)
    if item.sentence:  # plain text; escaped and typed html because RSS readers treat <description> as HTML
        entry.summary(html.escape(item.sentence, quote=False), type="html")
    if body:
        entry.content(str(markdown_to_html(body)), type="html")
    return entry


def render_feeds(items: list[SiteIncident], components: list[SiteComponent], config: SiteConfig) -> dict[str, bytes]:
    text = strings(config.locale, config.labels.model_dump())["site"]
    title = text["feed_title"].format(company=config.company)
    files: dict[str, bytes] = {}
    entries: dict[tuple[str, str], Any] = {}
    atom = _generator(config, "history.atom", title, text["history"], "", items, entries)
    files["history.atom"] = atom.atom_str(pretty=True)
    rss = _generator(config, "history.rss", title, text["history"], "", items, entries)
    files["history.rss"] = rss.rss_str(pretty=True)
    for component in components:
        path = f"components/{component.slug}/history.atom"
        component_title = text["component_feed_title"].format(company=config.company, component=component.display_name)
        feed = _generator(config, path, component_title, component.display_name, "../../", component.incidents, entries)
        files[path] = feed.atom_str(pretty=True)
    return files
