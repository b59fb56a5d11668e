"""PDF renders and their extracted text, shared between tests that need the same ones.

A PDF render takes WeasyPrint 0.3-1.5 s; many tests render the same incident with the same settings only to
read it. A render and its text are pure functions of their inputs (the PDF engine fetches nothing but ``data:``
URLs, and its bytes are reproducible: tests/test_pdf_engine.py), so:

- in tests marked ``shared_pdfs`` (and in the commands they fork), ``html_to_pdf`` keeps each PDF in a folder
  shared by every xdist worker, keyed by a digest of all of its inputs (HTML, metadata, stylesheets, options):
  the first test that needs a PDF renders it, the others read those bytes. A render that logged anything is not
  kept, so a test that looks at the engine's warnings always gets a real render. Tests that compare two renders
  (reproducibility) and tests of the engine itself are not marked, and always render;
- ``page_texts(pdf)`` is the text of every page, extracted once per test process by poppler's ``pdftotext -raw``
  (scripts/setup installs poppler-utils). In content-stream order, as pypdf's ``extract_text()`` reads it, and the
  same words: on every sample's public and internal PDF, the two agree page for page once whitespace is collapsed.
  But ``pdftotext`` takes ~0.03 s for a five-page report where pypdf took 0.25-0.3 s of CPU, ~6 s of a suite run.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pypdf import PdfReader

_folder: Path | None = None
_enabled: bool | str = False  # True: share; "render": always render for real, and keep the result for the others
_real: Any = None
_PDFTOTEXT = shutil.which("pdftotext")


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


def page_texts(pdf: bytes | os.PathLike[str]) -> tuple[str, ...]:
    """The text of every page of ``pdf`` (its bytes, or its path), in the order the page draws it; ``""`` for a page without text."""
    return _page_texts(pdf if isinstance(pdf, bytes) else Path(pdf).read_bytes())


@functools.lru_cache(maxsize=64)
def _page_texts(data: bytes) -> tuple[str, ...]:
    if _PDFTOTEXT is None:
        raise RuntimeError("pdftotext is missing: run EXTRAS=test scripts/setup (it installs poppler-utils)")
    result = subprocess.run([_PDFTOTEXT, "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, timeout=60, check=False)
    if result.returncode != 0:
        raise ValueError(f"pdftotext could not read the PDF: {result.stderr.decode('utf-8', 'replace').strip()}")
    pages = result.stdout.decode("utf-8").split("\f")  # a form feed ends every page
    assert pages[-1] == "" and len(pages) - 1 == len(PdfReader(io.BytesIO(data)).pages), "pdftotext did not give one text per page"
    return tuple(pages[:-1])


def pdf_text(pdf: bytes | os.PathLike[str]) -> str:
    """Every word of ``pdf``, one space between words (pages included): for tests that look for a phrase anywhere."""
    return " ".join(" ".join(page_texts(pdf)).split())
