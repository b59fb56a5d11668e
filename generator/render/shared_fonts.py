"""One WeasyPrint font configuration per process, for every PDF that declares no font of its own.

A ``FontConfiguration`` is Pango's font map and fontconfig's configuration: the fonts loaded, their
shaping caches, the line struts measured. A fresh one for every PDF loads and measures the same
system fonts again: a build's second and later reports render about a quarter faster with one shared
configuration (benchmarks/README.md), and give the same bytes (tests/test_shared_fonts.py).

What must not be shared is a font a document declares itself (``@font-face`` in a template override's
stylesheet or in an SVG's ``<style>``): fontconfig would keep it and offer it to every later document.
So the shared configuration notes when a render adds a font face, and is then dropped, never handed
out again. The check is on what WeasyPrint does (``add_font_face``), not on the document's text,
which could hide ``@font-face`` in escapes or in a base64 ``data:`` image. A render in another thread
while the shared one is in use (``serve`` renders one PDF at a time; builds use processes) gets a
configuration of its own.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["font_configuration"]

_lock = threading.Lock()
_shared: Any = None


@functools.cache
def _shared_class() -> type:
    """WeasyPrint's ``FontConfiguration``, noting whether a document added a font face of its own."""
    from weasyprint.text.fonts import FontConfiguration

    class SharedFontConfiguration(FontConfiguration):
        declared_fonts = False

        def add_font_face(self, rule_descriptors: Any, url_fetcher: Any) -> Any:
            self.declared_fonts = True
            return super().add_font_face(rule_descriptors, url_fetcher)

    return SharedFontConfiguration


@contextmanager
def font_configuration() -> Iterator[Any]:
    """The font configuration for one render: the shared one when it is free, else a fresh one."""
    global _shared
    if not _lock.acquire(blocking=False):
        from weasyprint.text.fonts import FontConfiguration

        yield FontConfiguration()
        return
    try:
        if _shared is None:
            _shared = _shared_class()()
        yield _shared
    finally:
        if _shared is not None and _shared.declared_fonts:  # this document's own fonts must not reach the next one
            _shared = None
        _lock.release()


def forget() -> None:
    """Drop the shared configuration (tests and benchmarks that measure a first render)."""
    global _shared
    with _lock:
        _shared = None
