"""The site's Atom 1.0 and RSS 2.0 feeds: required elements, stable ids, data-derived times, sitemap.

Feeds are parsed with defusedxml and checked against the elements RFC 4287 and
the RSS 2.0 specification require, and also run through feedparser, whose
``bozo`` flag reports any well-formedness problem.
"""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import feedparser
import pytest
from defusedxml import ElementTree

from generator.model.config import SiteConfig
from generator.site import render_site
from tests.test_site_support import SEED_CONFIG, canary_incident, internal_incident, seeds, synthetic

ATOM = "{http://www.w3.org/2005/Atom}"
BASE = SiteConfig(company="Dotdigital", zone="Europe/London", base_url="https://status.example.com/")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _incidents() -> list:
    start = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    return [*seeds(), synthetic("synthetic-a", start), canary_incident(), internal_incident()]


def _one(parent, tag: str):  # type: ignore[no-untyped-def]
    found = parent.findall(tag)
    assert len(found) == 1, f"{tag} must occur exactly once, found {len(found)}"
    return found[0]


def _check_atom(body: bytes) -> list:
    root = ElementTree.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert _one(root, f"{ATOM}{tag}").text
    datetime.fromisoformat(_one(root, f"{ATOM}updated").text)
    assert root.find(f"{ATOM}author/{ATOM}name").text  # feed-level author covers every entry
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert _one(entry, f"{ATOM}{tag}").text
        assert datetime.fromisoformat(_one(entry, f"{ATOM}updated").text).tzinfo is not None
        links = [link for link in entry.findall(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert len(links) == 1 and links[0].get("href")
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == len(ids)
    parsed = feedparser.parse(body)
    assert not parsed.bozo and parsed.version == "atom10"
    return entries


@pytest.mark.parametrize("config", [SEED_CONFIG, BASE], ids=["no-base-url", "base-url"])
def test_atom_feeds_are_valid(config: SiteConfig) -> None:
    files = render_site(_incidents(), config)
    atoms = [path for path in files if path.endswith(".atom")]
    assert "history.atom" in atoms and len(atoms) > 3
    for path in atoms:
        _check_atom(files[path])
    assert len(_check_atom(files["history.atom"])) == 4  # seeds, synthetic and canary; never the internal one


@pytest.mark.parametrize("config", [SEED_CONFIG, BASE], ids=["no-base-url", "base-url"])
def test_rss_feed_is_valid(config: SiteConfig) -> None:
    body = render_site(_incidents(), config)["history.rss"]
    root = ElementTree.fromstring(body)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = _one(root, "channel")
    for tag in ("title", "link", "description"):
        assert _one(channel, tag).text
    parsedate_to_datetime(_one(channel, "lastBuildDate").text)
    items = channel.findall("item")
    assert len(items) == 4
    guids = []
    for item in items:
        assert item.findtext("title") and item.findtext("link")
        guid = _one(item, "guid")
        guids.append(guid.text)
        assert guid.get("isPermaLink") == ("true" if config.base_url else "false")
        assert parsedate_to_datetime(_one(item, "pubDate").text).tzinfo is not None
    assert len(set(guids)) == len(guids)
    parsed = feedparser.parse(body)
    assert not parsed.bozo and parsed.version == "rss20"


def test_entry_ids_are_stable_and_updated_comes_from_the_data() -> None:
    files = render_site(seeds(), BASE)
    entries = {e.find(f"{ATOM}id").text: e for e in _check_atom(files["history.atom"])}
    campaign = entries["https://status.example.com/incidents/2021-09-13-campaign-reports/"]
    assert campaign.find(f"{ATOM}updated").text == "2021-09-15T12:48:00+00:00"  # the postmortem's posting time
    root = ElementTree.fromstring(files["history.atom"])
    assert root.find(f"{ATOM}updated").text == "2022-04-19T10:40:00+00:00"  # newest update of any incident
    later = render_site([*seeds(), synthetic("new-one", datetime(2025, 1, 1, tzinfo=UTC))], BASE)
    assert "https://status.example.com/incidents/2021-09-13-campaign-reports/" in later["history.atom"].decode()
    without = [e.find(f"{ATOM}id").text for e in _check_atom(render_site(seeds(), SEED_CONFIG)["history.atom"])]
    assert all(i.startswith("urn:uuid:") for i in without)
    assert without == [e.find(f"{ATOM}id").text for e in _check_atom(render_site(list(reversed(seeds())), SEED_CONFIG)["history.atom"])]


def test_feeds_carry_no_build_clock_or_library_stamp() -> None:
    body = render_site(seeds(), BASE)["history.rss"].decode()
    assert "python-feedgen" not in body
    assert str(datetime.now(UTC).year) not in body


def test_relative_feed_links_resolve_without_base_url() -> None:
    files = render_site(seeds(), SEED_CONFIG)
    for path in [p for p in files if p.endswith(".atom")]:
        for link in ElementTree.fromstring(files[path]).iter(f"{ATOM}link"):
            href = link.get("href")
            assert not href.startswith(("http:", "https:", "/"))
            assert posixpath.normpath(posixpath.join(posixpath.dirname(path), href)) in files, (path, href)


def test_component_feed_lists_only_that_components_incidents() -> None:
    start = datetime(2024, 1, 10, 8, 0, tzinfo=UTC)
    a = synthetic("only-api", start)
    b = synthetic("only-db", start + timedelta(days=1), components=[{"name": "Database"}], updates=[])
    files = render_site([a, b], BASE)
    ids = [e.find(f"{ATOM}id").text for e in _check_atom(files["components/database/history.atom"])]
    assert ids == ["https://status.example.com/incidents/only-db/"]


def test_feeds_carry_the_latest_updated_incidents_only() -> None:
    """The whole history is on the site and in the API; a feed carries the 50 latest updated incidents."""
    start = datetime(2020, 1, 1, 8, 0, tzinfo=UTC)
    incidents = [synthetic(f"inc-{n:03d}", start + timedelta(days=n)) for n in range(60)]
    late = incidents[0].model_copy(update={"updates": [  # the oldest incident, with a postmortem posted last of all
        *incidents[0].updates,
        incidents[0].updates[-1].model_copy(update={"status": "postmortem", "posted_at": start + timedelta(days=100)}),
    ]})
    files = render_site([late, *incidents[1:]], BASE)
    ids = [e.find(f"{ATOM}id").text.rsplit("/", 2)[-2] for e in _check_atom(files["history.atom"])]
    assert ids == ["inc-000", *[f"inc-{n:03d}" for n in range(59, 10, -1)]]
    assert len(feedparser.parse(files["history.rss"]).entries) == 50
    assert files["api/v2/incidents.json"].count(b'"incident_updates"') == 60


def test_sitemap_lists_absolute_urls_of_every_page() -> None:
    files = render_site(_incidents(), BASE)
    root = ElementTree.fromstring(files["sitemap.xml"])
    locs = [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]
    assert locs[0] == "https://status.example.com/"
    assert "https://status.example.com/incidents/canary-incident/" in locs
    assert all(loc.startswith("https://status.example.com/") for loc in locs)
    pages = [p for p in files if p.endswith("index.html")]
    assert len(locs) == len(pages)
    for url in root.findall(f"{SITEMAP}url"):
        assert datetime.fromisoformat(url.findtext(f"{SITEMAP}lastmod")).tzinfo is not None
