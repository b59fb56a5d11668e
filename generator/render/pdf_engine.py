"""HTML to PDF rendering with WeasyPrint: sandboxed, reproducible, lazily imported.

Why this module exists:

* Postmortem HTML may contain text written by anyone; rendering must never read
  local files or reach the network (SSRF, metadata endpoints, file exfiltration
  through images, stylesheets, fonts or PDF attachments). Only ``data:`` URLs
  are fetched.
* The same incident must give byte-identical PDFs on every machine and run, so
  PDFs can be cached, diffed and signed. Dates come from the incident, never
  from the build clock.
* WeasyPrint is slow to import, so it is imported only when a PDF is made.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import ctypes.util
import functools
import hashlib
import logging
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["PdfMetadata", "harfbuzz_subset_available", "html_to_pdf"]

LOGGER = logging.getLogger("generator.pdf")

# Not a filesystem path (so WeasyPrint never turns it into file://) but
# hierarchical, so relative URLs such as "x.png" or "/etc/passwd" are resolved
# to absolute URLs and reach the fetcher, which refuses them.
_BASE_URL = "https://postmortem.invalid/"
_BLOCKED_MARKER = "generator.pdf blocked"
_HARFBUZZ_SUBSET_SONAME = "libharfbuzz-subset.so.0"

_setup_lock = threading.Lock()
_setup_done = False
_fetcher_class: type[URLFetcher] | None = None


@dataclass(frozen=True, kw_only=True)
class PdfMetadata:
    """Document information written into the PDF (Info dictionary and /Lang).

    Keyword-only because ``created`` and ``modified`` have the same type and
    must not be swapped silently. Dates must be timezone-aware and come from
    the incident so output does not depend on when or where it is built.
    """

    title: str
    author: str  # company
    subject: str
    keywords: tuple[str, ...] = ()
    created: datetime
    modified: datetime
    lang: str = "en"

    def __post_init__(self) -> None:
        for name in ("created", "modified"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"PdfMetadata.{name} must be timezone-aware")
        if isinstance(self.keywords, str):
            raise TypeError("PdfMetadata.keywords must be a tuple of strings")


@functools.lru_cache(maxsize=1)
def harfbuzz_subset_available() -> bool:
    """Tell whether HarfBuzz's subsetter can be loaded.

    Without it WeasyPrint falls back to fontTools, which is several times slower
    and does not give reproducible font subsets.
    """
    def loads(name: str | None) -> bool:
        try:
            return name is not None and bool(ctypes.CDLL(name))
        except OSError:
            return False

    # find_library runs ldconfig and gcc in subprocesses: only when the soname does not load.
    return loads(_HARFBUZZ_SUBSET_SONAME) or loads(ctypes.util.find_library("harfbuzz-subset"))


def _w3c_date(value: datetime) -> str:
    """Format as the W3C date WeasyPrint turns into a PDF date, in UTC.

    UTC avoids WeasyPrint's mishandling of offsets like -00:30; seconds are the
    finest precision a PDF date holds.
    """
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class BlockedURLError(ValueError):
    """Raised by the fetcher for any URL that is not ``data:``.

    WeasyPrint catches it, logs it and drops the resource.
    """


def _decode_data_url(url: str) -> tuple[bytes, str]:
    """Decode an RFC 2397 ``data:`` URL without going through urllib openers."""
    header, sep, payload = url[len("data:") :].partition(",")
    if not sep:
        raise ValueError("malformed data: URL")
    params = header.split(";")
    is_base64 = params[-1].strip().lower() == "base64"
    if is_base64:
        params = params[:-1]
    raw = unquote_to_bytes(payload)
    if is_base64:
        try:
            raw = base64.b64decode(raw + b"=" * (-len(raw) % 4))
        except binascii.Error as error:
            raise ValueError("bad base64 in data: URL") from error
    content_type = ";".join(params).strip() or "text/plain;charset=US-ASCII"
    return raw, content_type


def _make_fetcher_class() -> type[URLFetcher]:
    """Build the URLFetcher subclass; deferred so weasyprint loads lazily."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DataOnlyURLFetcher(URLFetcher):
        """Serve ``data:`` URLs from memory, refuse everything else.

        Never delegates to urllib: ``URLFetcher.open`` keeps a pending
        ``Request`` that a later ``super().fetch`` call would reuse.
        """

        def __init__(self) -> None:
            # The base __init__ sets private attributes weasyprint.urls.fetch
            # reads (``_fail_on_errors``); keep it and restrict protocols too.
            super().__init__(allowed_protocols=("data",), fail_on_errors=False)

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url[:5].lower() != "data:":
                LOGGER.warning("Blocked fetch of %.200s (only data: URLs allowed)", url)
                raise BlockedURLError(f"{_BLOCKED_MARKER}: {url[:200]}")
            body, content_type = _decode_data_url(url)
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

        def open(self, url: Any, data: Any = None, timeout: Any = None) -> URLFetcherResponse:
            return self.fetch(getattr(url, "full_url", url))

    return DataOnlyURLFetcher


class _BlockedFetchFilter(logging.Filter):
    """Drop WeasyPrint's log lines about our refusals; we log them ourselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _BLOCKED_MARKER in record.getMessage():
            return False
        exc = record.exc_info[1] if record.exc_info else None
        return not (exc is not None and _BLOCKED_MARKER in str(exc))


_LOG_FILTER = _BlockedFetchFilter()


def _setup() -> type[URLFetcher]:
    """One-time work done on first render, not at import."""
    global _setup_done, _fetcher_class
    with _setup_lock:
        if not _setup_done:
            if not harfbuzz_subset_available():
                warnings.warn(
                    f"{_HARFBUZZ_SUBSET_SONAME} not found: WeasyPrint falls back to "
                    "fontTools, so PDFs are up to ~3.7x slower to make and not "
                    "byte-reproducible. Fix: apt-get install libharfbuzz-subset0",
                    RuntimeWarning,
                    stacklevel=3,
                )
            import generator.render.weasyprint_import  # noqa: F401 - first, so the library search is quick

            logging.getLogger("weasyprint").addFilter(_LOG_FILTER)
            from generator.render.svg_text import install as install_svg_text
            from generator.render.svg_values import install as install_svg_values

            install_svg_text()  # charts' labels laid out as words, not letter by letter (see svg_text)
            install_svg_values()  # lengths, colours and URLs in SVGs parsed once (see svg_values)
            _fetcher_class = _make_fetcher_class()
            _setup_done = True
    assert _fetcher_class is not None
    return _fetcher_class


_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n]?|\\(.)", re.DOTALL)


def _reusable(stylesheet: str) -> bool:
    """A stylesheet that fetches nothing and declares no font can be parsed once and shared by every render.

    Read with its escapes decoded (``\\75 rl(`` is ``url(``, ``@\\69 mport`` is ``@import``); the
    report's own escapes (a company name in ``css_string``) then still let it be shared.
    """
    decoded = _CSS_ESCAPE.sub(lambda m: chr(min(int(m[1], 16), 0x10FFFF) or 0xFFFD) if m[1] else m[2], stylesheet)
    lowered = decoded.lower()
    return not any(marker in lowered for marker in ("url(", "@import", "@font-face"))


@functools.lru_cache(maxsize=16)
def _parsed_stylesheet(text: str) -> Any:
    """``text`` parsed once per process: a build's reports share one stylesheet (its config, language and
    audience), and parsing and compiling its selectors cost WeasyPrint ~15 ms a PDF.

    Only for ``_reusable`` sheets: without ``url()``, ``@import`` or ``@font-face``, however escaped,
    parsing one touches neither the fetcher nor a font configuration, so the shared object is the same
    whichever render parsed it.
    """
    from weasyprint import CSS

    return CSS(string=text, base_url=_BASE_URL, url_fetcher=_setup()(), font_config=None)


def _identifier(html: str, metadata: PdfMetadata, stylesheets: Sequence[str]) -> bytes:
    """Stable PDF /ID: a hash of everything that determines the content."""
    digest = hashlib.sha256()
    for part in (html, repr(metadata), *stylesheets):
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:32].encode("ascii")


def html_to_pdf(
    html: str,
    metadata: PdfMetadata,
    *,
    stylesheets: Sequence[str] = (),
    uncompressed: bool = False,
) -> bytes:
    """Render a full HTML document to PDF bytes, offline and reproducibly.

    ``stylesheets`` are CSS source texts (not paths or URLs). Only ``data:``
    URLs are fetched; other resources are dropped with a warning on the
    ``generator.pdf`` logger. Attachments are never embedded. Metadata in
    the HTML head is replaced by ``metadata``. ``uncompressed`` leaves PDF
    streams readable, for tests.
    """
    fetcher_class = _setup()
    from generator.render.shared_fonts import font_configuration

    fetcher = fetcher_class()
    with font_configuration() as fonts:
        return _render(html, metadata, stylesheets, uncompressed, fetcher, fonts)


def _render(html: str, metadata: PdfMetadata, stylesheets: Sequence[str], uncompressed: bool, fetcher: Any, fonts: Any) -> bytes:
    """WeasyPrint's PDF of ``html`` with ``fonts``: metadata from ``metadata``, nothing attached."""
    from weasyprint import CSS, HTML

    css = [_parsed_stylesheet(text) if _reusable(text) else
           CSS(string=text, base_url=_BASE_URL, url_fetcher=fetcher, font_config=fonts) for text in stylesheets]
    options: dict[str, Any] = {
        "stylesheets": css,
        "optimize_images": False,
        "full_fonts": False,
        "uncompressed_pdf": uncompressed,
        "pdf_identifier": _identifier(html, metadata, stylesheets),
        # Tagged PDF: headings, lists, tables and figures (a chart's <title> as its /Alt) in the structure
        # tree, for screen readers and accessibility rules (pdfinfo: "Tagged: yes"). Its cost grows with the
        # number of tables, rows and paragraphs: +6 % to +29 % of an incident report's render time
        # (benchmarks/README.md); the bytes stay reproducible.
        "pdf_tags": True,
    }
    document = HTML(string=html, base_url=_BASE_URL, url_fetcher=fetcher).render(font_config=fonts, **options)

    info = document.metadata
    info.title = metadata.title
    info.authors = [metadata.author]
    info.description = metadata.subject
    info.keywords = list(metadata.keywords)
    info.generator = None
    info.created = _w3c_date(metadata.created)
    info.modified = _w3c_date(metadata.modified)
    info.lang = metadata.lang
    info.custom = {}
    # <link rel=attachment> and <a rel=attachment>: never embed files, not even
    # data: ones (WeasyPrint stamps those with the build clock).
    info.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]

    return document.write_pdf(**options)
