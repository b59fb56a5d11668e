"""Hostile incident text never becomes live markup in any site file: pages, feeds, JSON API, sitemap.

Each file is read the way its consumer reads it (HTML as HTML; feed and JSON
strings as the HTML they carry) and checked for script-capable tags, event
handler attributes, HTML comments and ``javascript:`` links.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import pytest
from defusedxml import ElementTree

from generator.model.config import SiteConfig
from generator.site import render_site
from tests.test_site_support import FAVICON, SEED_CONFIG, seeds, synthetic

PAYLOAD = "Before <script>alert(1)</script> and <img src=x onerror=alert(1)> and <!-- c --> and [x](javascript:alert(1)) after."
LIVE_TAGS = frozenset({"script", "img", "iframe", "object", "embed", "svg", "base", "form"})


class LiveMarkup(HTMLParser):
    """Every piece of active markup in one HTML text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.timeline_charts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # The incident page's timeline picture: one inline <svg> of the template's own (its children and
        # attributes are still scanned below); a second one, or any other <svg>, is live markup.
        if tag == "svg" and ("class", "timeline-chart") in attrs and not self.timeline_charts:
            self.timeline_charts += 1
        elif tag in LIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            compact = "".join(ch for ch in unescape(value or "") if not unicodedata.category(ch).startswith(("C", "Z"))).lower()
            if tag == "link" and name == "href" and FAVICON.fullmatch(unquote(value or "")):
                continue  # the template's inline favicon: a circle of one #rrggbb colour, nothing else
            if name in {"href", "src", "action", "formaction"} and compact.startswith(("javascript:", "vbscript:", "data:")):
                self.found.append(f"{tag} {name}={value}")

    def handle_comment(self, data: str) -> None:
        self.found.append(f"<!--{data}-->")


def live(html: str) -> list[str]:
    scanner = LiveMarkup()
    scanner.feed(html)
    scanner.close()
    return scanner.found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def problems(path: str, body: bytes) -> list[str]:
    """Live markup in one site file, read as its consumer reads it."""
    if path.endswith(".html"):
        return live(body.decode())
    if path.endswith((".atom", ".rss", ".xml")):
        found = ["XML comment"] if b"<!--" in body else []
        for element in ElementTree.fromstring(body).iter():
            texts = [element.text or "", *element.attrib.values()]
            found += [problem for text in texts for problem in live(text)]
        return found
    if path.endswith(".json"):
        return [problem for text in _strings(json.loads(body)) for problem in live(text)]
    if path == "_headers":  # host configuration: fixed text, nothing of any incident
        from generator.site import HOST_HEADERS

        return [] if body == HOST_HEADERS else ["_headers holds more than the fixed host headers"]
    if path.endswith(".ics"):  # plain text by RFC 5545: markup could only live in an HTML alternative (X-ALT-DESC)
        from icalendar import Calendar

        return [f"{part.name} X-ALT-DESC" for part in Calendar.from_ical(body).walk() if "X-ALT-DESC" in part]
    raise AssertionError(f"unexpected site file {path}")


def hostile() -> Any:
    start = datetime(2024, 4, 2, 9, 0, tzinfo=UTC)
    return synthetic("hostile-text", start, summary=PAYLOAD, root_cause=PAYLOAD, updates=[
        {"status": "postmortem", "posted_at": start + timedelta(days=1), "body": PAYLOAD},
        {"status": "resolved", "posted_at": start + timedelta(hours=2), "body": PAYLOAD,
         "components": [{"component": "API", "old_status": "major_outage", "new_status": "operational"}]},
        {"status": "investigating", "posted_at": start + timedelta(minutes=5), "body": PAYLOAD,
         "components": [{"component": "API", "old_status": "operational", "new_status": "major_outage"}]},
    ])


@pytest.mark.parametrize("config", [SEED_CONFIG, SiteConfig(company="Example", base_url="https://status.example.com/")],
                         ids=["no-base-url", "base-url"])
def test_no_live_tag_comment_or_javascript_link_in_any_site_file(config: SiteConfig) -> None:
    start = datetime(2024, 4, 9, 21, 0, tzinfo=UTC)
    maintenance = synthetic("hostile-maintenance", start, impact="maintenance", status="scheduled",
                            scheduled_for=start, scheduled_until=start + timedelta(hours=1), resolved_at=None, summary=None,
                            updates=[{"status": "scheduled", "posted_at": start - timedelta(days=1), "body": PAYLOAD}])
    files = render_site([*seeds(config), hostile(), maintenance], config)
    assert b"alert(1)" in files["maintenance.ics"]  # there as plain text, which is what a calendar shows
    for path, body in files.items():
        assert problems(path, body) == [], path
    page = files["incidents/hostile-text/index.html"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text, not dropped silently
    feed = ElementTree.fromstring(files["history.atom"])
    contents = [element.text or "" for element in feed.iter("{http://www.w3.org/2005/Atom}content")]
    assert any("&lt;script&gt;" in text for text in contents)  # the feed's HTML shows the tag as text
    updates = next(i for i in json.loads(files["api/v2/incidents.json"])["incidents"] if i["id"] == "hostile-text")["incident_updates"]
    assert all("&lt;script&gt;alert(1)&lt;/script&gt;" in u["body"] for u in updates)
    assert any(path.startswith("components/") and path.endswith(".atom") for path in files)


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!-- c -->", '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
])
def test_the_checker_itself_finds_each_payload(payload: str) -> None:
    assert live(payload)
    assert problems("api/v2/x.json", json.dumps({"body": payload}).encode())
