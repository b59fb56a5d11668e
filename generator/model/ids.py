"""Incident ids: how one is made from a title, and which ones the site keeps for itself.

An incident ``<id>`` writes ``<id>.md``/``.html``/``.pdf`` at the top of the output
folder; an id equal to the stem of a site file or folder (``index`` → ``index.html``,
``404``, ``api``…) would clash with the site, so ``validate`` refuses it as ``build`` would.
``tests/test_render_contexts.py`` checks this list against what the site really writes.

Every slug (``new``'s file names, ``import``'s, component pages) comes from
python-slugify, which transliterates rather than drops what is not ASCII:
``Сбой оплаты`` gives ``sboi-oplaty``, never an empty or placeholder slug.
"""

from __future__ import annotations

from slugify import slugify as python_slugify

SITE_FILES = ("index.html", "404.html", "history.atom", "history.rss", "maintenance.ics", "sitemap.xml")
SITE_FOLDERS = ("api", "components", "incidents")
RESERVED_IDS = frozenset({name.split(".", 1)[0] for name in SITE_FILES} | set(SITE_FOLDERS))
MAX_ID_CHARS = 80  # what ``types.SLUG_PATTERN`` allows
MAX_SLUG_CHARS = 60  # a title's slug: a file name stays readable, and with the date in front it is well under an id's limit


def slugify(text: str, limit: int = MAX_SLUG_CHARS, fallback: str = "incident") -> str:
    """Lowercase ASCII words joined by hyphens, cut at a word boundary; ``fallback`` when nothing is left."""
    return python_slugify(text, max_length=limit, word_boundary=True) or fallback
