"""PDF renders and their extracted text, shared between tests that need the same ones.

A PDF render takes WeasyPrint 0.3-1.5 s, and pypdf takes about as long again to extract its text; many tests
render the same incident with the same settings only to read it. Both are pure functions of their inputs (the
PDF engine fetches nothing but ``data:`` URLs, and its bytes are reproducible: tests/test_pdf_engine.py), so:

- in tests marked ``shared_pdfs`` (and in the commands they fork), ``html_to_pdf`` keeps each PDF in a folder
  shared by every xdist worker, keyed by a digest of all of its inputs (HTML, metadata, stylesheets, options):
  the first test that needs a PDF renders it, the others read those bytes. A render that logged anything is not
  kept, so a test that looks at the engine's warnings always gets a real render. Tests that compare two renders
  (reproducibility) and tests of the engine itself are not marked, and always render;
- ``page_texts(pdf)`` is each page's ``extract_text()``, extracted once per test process.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pypdf import PdfReader

_folder: Path | None = None
_enabled: bool | str = False  # True: share; "render": always render for real, and keep the result for the others
_real: Any = None


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _key(html: str, metadata: object, stylesheets: Sequence[str], uncompressed: bool) -> str:
    digest = hashlib.sha256()
    for part in (html, repr(metadata), *stylesheets, repr(uncompressed)):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def _shared_html_to_pdf(html: str, metadata: Any, *, stylesheets: Sequence[str] = (), uncompressed: bool = False) -> bytes:
    if not _enabled or _folder is None:
        return _real(html, metadata, stylesheets=stylesheets, uncompressed=uncompressed)
    path = _folder / _key(html, metadata, stylesheets, uncompressed)
    if _enabled != "render":
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
    recorder = _Recorder()
    loggers = [logging.getLogger(name) for name in ("generator", "weasyprint")]
    for logger in loggers:
        logger.addHandler(recorder)
    try:
        data = _real(html, metadata, stylesheets=stylesheets, uncompressed=uncompressed)
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)
    if not recorder.records:
        handle, temporary = tempfile.mkstemp(dir=_folder)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)  # whole or absent: another worker may read it at any moment
    return data


def install(folder: Path) -> None:
    """Route ``html_to_pdf`` through the shared renders in ``folder`` (used only while a test enables it)."""
    global _folder, _real
    from generator.render import pdf_engine

    folder.mkdir(parents=True, exist_ok=True)
    _folder = folder
    if _real is None:
        _real = pdf_engine.html_to_pdf
        pdf_engine.html_to_pdf = _shared_html_to_pdf


@contextmanager
def sharing(enabled: bool | str) -> Iterator[None]:
    """Share renders (or not, or ``"render"``: render and keep) for a test; commands forked meanwhile inherit the choice."""
    global _enabled
    before, _enabled = _enabled, enabled
    try:
        yield
    finally:
        _enabled = before


@functools.lru_cache(maxsize=64)
def page_texts(pdf: bytes) -> tuple[str, ...]:
    """``page.extract_text()`` of every page of ``pdf`` (``""`` for a page without text)."""
    return tuple(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
