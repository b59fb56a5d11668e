"""Where the site puts things and what it calls them: URLs, feed ids and status-page style ids.

Every internal link is relative; an absolute URL exists only when the site
config has a ``base_url``.  Ids are derived from names, never random, so the
same input always gives the same feeds and API.
"""

from __future__ import annotations

import hashlib
from uuid import NAMESPACE_URL, uuid5

from generator.model.config import SiteConfig


def base_url(config: SiteConfig) -> str | None:
    """The site's absolute root with one trailing slash, or None when the site has no address."""
    return config.base_url.rstrip("/") + "/" if config.base_url else None


def absolute(config: SiteConfig, path: str) -> str | None:
    """``path`` (relative to the site root, ``""`` for the root) as an absolute URL, if the site has one."""
    root = base_url(config)
    return root + path if root else None


def incident_path(slug: str) -> str:
    """The permalink folder of an incident (absolute URLs use the folder, links use ``index.html``)."""
    return f"incidents/{slug}/"


def page_path(slug: str) -> str:
    """The file of an incident's permalink page in the output folder."""
    return f"{incident_path(slug)}index.html"


def entry_id(config: SiteConfig, slug: str) -> str:
    """A stable id for feeds: the permalink when the site has an address, else a name-based UUID."""
    url = absolute(config, incident_path(slug))
    return url or f"urn:uuid:{uuid5(NAMESPACE_URL, f'postmortem:{config.company}:incident:{slug}')}"


def feed_id(config: SiteConfig, path: str) -> str:
    """A stable id for a feed: its absolute URL, else a name-based UUID."""
    url = absolute(config, path)
    return url or f"urn:uuid:{uuid5(NAMESPACE_URL, f'postmortem:{config.company}:feed:{path}')}"


def short_id(*parts: str) -> str:
    """A stable 12-character id in the style of status-page ids, derived from ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    number = int.from_bytes(digest[:10], "big")
    chars = []
    for _ in range(12):
        number, rest = divmod(number, 36)
        chars.append(alphabet[rest])
    return "".join(chars)


def component_code(group: str | None, name: str) -> str:
    """The stable status-page style id of the component ``(group, name)``."""
    return short_id("component", group or "", name)
