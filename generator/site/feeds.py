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
from generator.i18n import strings
from generator.model.config import SiteConfig
from generator.site.addresses import absolute, entry_id, feed_id, incident_path
from generator.site.components import SiteComponent
from generator.site.incident import EPOCH
from generator.site.record import SiteRecord


def _link(config: SiteConfig, path: str, *, root: str) -> str:
    """Absolute URL of a site path when the site has an address, else relative to the feed."""
    return absolute(config, path) or root + (path + "index.html" if path.endswith("/") or not path else path)


FEED_ENTRIES = 50  # the whole history is on the site and in the JSON API; readers poll feeds for what changed


def latest_updated(records: list[SiteRecord]) -> list[SiteRecord]:
    """The ``FEED_ENTRIES`` most recently updated incidents, latest update first (ties by id).

    A postmortem posted days after an incident updates it, so it comes back to the top of the feed.
    """
    return sorted(records, key=lambda record: (-record.updated.timestamp(), record.slug))[:FEED_ENTRIES]


def _generator(config: SiteConfig, path: str, title: str, subtitle: str, root: str, records: list[SiteRecord],
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
    feed.updated(max((record.updated for record in records), default=EPOCH).astimezone(UTC))
    for record in latest_updated(records):
        key = (record.slug, root)
        if key not in entries:  # an entry is built once and shared by every feed with the same root
            entries[key] = _entry(config, record, root)
        feed.add_entry(entries[key], order="append")
    return feed


def _entry(config: SiteConfig, record: SiteRecord, root: str) -> Any:
    from feedgen.entry import FeedEntry

    entry = FeedEntry()
    identifier = entry_id(config, record.slug)
    entry.id(identifier)
    entry.guid(identifier, permalink=identifier.startswith(("http://", "https://")))
    entry.title(record.title)
    entry.link(href=_link(config, incident_path(record.slug), root=root), rel="alternate")
    entry.updated(record.updated.astimezone(UTC))
    entry.published(record.created.astimezone(UTC))
    entry.category(term=record.impact)
    if record.sentence:  # plain text; escaped and typed html because RSS readers treat <description> as HTML
        entry.summary(html.escape(record.sentence, quote=False), type="html")
    if record.feed_content:  # the sanitised HTML of the summary (or the newest update's body)
        entry.content(record.feed_content, type="html")
    return entry


def render_history_feeds(records: list[SiteRecord], config: SiteConfig) -> dict[str, bytes]:
    """``history.atom`` and ``history.rss``: every public incident, newest first."""
    text = strings(config.locale, config.labels.model_dump())["site"]
    title = text["feed_title"].format(company=config.company)
    entries: dict[tuple[str, str], Any] = {}
    atom = _generator(config, "history.atom", title, text["history"], "", records, entries)
    rss = _generator(config, "history.rss", title, text["history"], "", records, entries)
    return {"history.atom": atom.atom_str(pretty=True), "history.rss": rss.rss_str(pretty=True)}


def render_component_feed(component: SiteComponent, config: SiteConfig) -> tuple[str, bytes]:
    """``components/<slug>/history.atom``: the component's incidents, newest first."""
    text = strings(config.locale, config.labels.model_dump())["site"]
    path = f"components/{component.slug}/history.atom"
    title = text["component_feed_title"].format(company=config.company, component=component.display_name)
    feed = _generator(config, path, title, component.display_name, "../../", component.incidents, {})
    return path, feed.atom_str(pretty=True)
