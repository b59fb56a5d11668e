"""Names the output folder uses for the site itself, which no incident id may take.

An incident ``<id>`` writes ``<id>.md``/``.html``/``.pdf`` at the top of the output
folder; an id equal to the stem of a site file or folder (``index`` → ``index.html``,
``404``, ``api``…) would clash with the site, so ``validate`` refuses it as ``build`` would.
``tests/test_render_contexts.py`` checks this list against what the site really writes.
"""

from __future__ import annotations

SITE_FILES = ("index.html", "404.html", "history.atom", "history.rss", "maintenance.ics", "sitemap.xml")
SITE_FOLDERS = ("api", "components", "incidents")
RESERVED_IDS = frozenset({name.split(".", 1)[0] for name in SITE_FILES} | set(SITE_FOLDERS))
