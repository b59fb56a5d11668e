"""The preview HTTP server: stdlib ``ThreadingHTTPServer`` plus a ``watchfiles`` thread.

Routes: ``/`` (the site index, or a plain list), any other site file, and per incident
``/<id>.html`` (post), ``/<id>.md``, ``/<id>.txt``, ``/<id>.pdf`` (rendered on request),
plus ``/<id>.internal.md`` and ``/<id>.internal.pdf`` for the internal report.
Nothing is written to disk; every response comes from the current snapshot.
"""

from __future__ import annotations

import ipaddress
import logging
import posixpath
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.preview import pages
from generator.preview.state import PreviewState, Snapshot
from generator.render.formats import FORMATS, INTERNAL_FORMATS, RenderSettings, render_document

LOGGER = logging.getLogger("postmortem.serve")
_TYPES = {
    ".html": "text/html; charset=utf-8", ".md": "text/plain; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf", ".css": "text/css; charset=utf-8", ".xml": "application/xml; charset=utf-8",
    ".json": "application/json", ".atom": "application/atom+xml; charset=utf-8", ".rss": "application/rss+xml; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
}
_PDF_LOCK = threading.Lock()  # one WeasyPrint render at a time
MAX_URL = 4096  # longer request targets get 414: no page of the preview needs more
REQUEST_TIMEOUT = 30.0  # seconds a connection may sit idle: a client that never finishes its request cannot hold a thread for ever


@dataclass(frozen=True)
class Response:
    """One HTTP response of the preview."""
    status: int
    content_type: str
    body: bytes


def _render_error(exc: Exception) -> str:
    """A one-line reason for a failed render (template bugs, internal incidents)."""
    from jinja2 import TemplateSyntaxError

    if isinstance(exc, TemplateSyntaxError):
        return f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


def _site(snapshot: Snapshot, templates: Path | None) -> dict[str, bytes] | None:
    """The static site's files, when the site renderer is installed."""
    try:
        from generator.site import render_site
    except ImportError:
        return None
    if snapshot.config is None:
        return None
    with snapshot.cache_lock:
        if snapshot.site_files is None:
            incidents = [item.incident for item in snapshot.incidents.values()]
            snapshot.site_files = render_site(incidents, snapshot.config, templates=templates)
        return snapshot.site_files


def _incident_output(snapshot: Snapshot, slug: str, fmt: str, internal: bool, templates: Path | None, state_internal: bool,
                     trusted: bool) -> Response | None:
    item = snapshot.incidents.get(slug)
    if item is None or snapshot.config is None:
        return None
    if not internal and item.incident.visibility != "public":
        hint = (f"Try {slug}.internal.md or {slug}.internal.pdf." if state_internal
                else "Start <code>postmortem serve --internal</code> to preview its internal report.")
        return Response(404, _TYPES[".html"], pages.page("Internal incident", f"<main><p>{pages.escape(slug)} is internal: it has no public "
                        f"output. {hint}</p></main>", snapshot.generation))
    settings = RenderSettings(snapshot.config, internal, templates)

    def make() -> bytes:
        if fmt == "pdf":
            with _PDF_LOCK:
                return render_document(item.incident, fmt, settings)
        return render_document(item.incident, fmt, settings)

    body = snapshot.cached(f"{slug}:{fmt}:{internal}", make)
    if fmt == "html":
        body = pages.decorate(body, snapshot.diagnostics, snapshot.generation, trusted=trusted)
    return Response(200, FORMATS[fmt].media_type, body)


def respond(state: PreviewState, raw_path: str, *, trusted: bool = True) -> Response:
    """The response for one GET; never raises (failures become an error page).

    ``trusted``: error pages and banners may quote the incident files' lines and the values in
    their messages.  They hold internal fields too, so only the machine's own browser gets them, or
    everyone with ``--internal``; other viewers get each problem's position and its words only.
    """
    snapshot = state.snapshot
    try:
        target = urlsplit(raw_path).path
    except ValueError:
        return Response(400, "text/plain; charset=utf-8", b"Bad request\n")
    path = posixpath.normpath(unquote(target)).lstrip("/")
    if path in {"", "."}:
        path = "index.html"
    if path == pages.GENERATION_PATH.lstrip("/"):
        return Response(200, "text/plain; charset=utf-8", str(snapshot.generation).encode())
    try:
        return _route(state, snapshot, path, trusted)
    except Exception as exc:  # a render failure must reach the browser, not kill the server
        LOGGER.exception("render of /%s failed", path)
        reason = _render_error(exc) if trusted else "the reason is on the terminal that runs postmortem serve"  # it may quote a value
        return Response(500, _TYPES[".html"], pages.page("Render failed", pages.errors_block(snapshot.errors, trusted=trusted) +
                        f"<main><h1>Render failed</h1><pre>{pages.escape(reason)}</pre></main>", snapshot.generation))


def _route(state: PreviewState, snapshot: Snapshot, path: str, trusted: bool = True) -> Response:
    name, dot, suffix = path.rpartition(".")
    if "/" not in path and dot and suffix in FORMATS and name != "index":
        internal = name.endswith(".internal") and suffix in INTERNAL_FORMATS
        slug = name.removesuffix(".internal") if internal else name
        if internal and not state.internal:
            return Response(404, _TYPES[".html"], pages.page("Internal report", "<main><h1>Internal reports are not served</h1>"
                            "<p>Start <code>postmortem serve --internal</code> to preview internal reports.</p></main>", snapshot.generation))
        if snapshot.errors_for(slug):
            return Response(500, _TYPES[".html"], pages.error_page(f"{slug}: errors", snapshot.errors_for(slug), snapshot.generation,
                                                                   trusted=trusted))
        found = _incident_output(snapshot, slug, suffix, internal, state.templates, state.internal, trusted)
        if found is not None:
            return found
    site = _site(snapshot, state.templates)
    if site is None:
        if path == "index.html":
            return Response(200, _TYPES[".html"], pages.plain_index(sorted(snapshot.incidents.values(), key=lambda i: i.incident.slug),
                                                                    snapshot.diagnostics, snapshot.generation, trusted=trusted))
    else:
        key = path if path in site else posixpath.join(path, "index.html")
        if key in site:
            body = site[key]
            content_type = _TYPES.get(Path(key).suffix, "application/octet-stream")
            if key.endswith(".html"):
                body = pages.decorate(body, snapshot.diagnostics, snapshot.generation, trusted=trusted)
            return Response(200, content_type, body)
    if snapshot.config is None or path == "index.html":
        return Response(500, _TYPES[".html"], pages.error_page("Errors", snapshot.diagnostics, snapshot.generation, trusted=trusted))
    banner = pages.errors_block(snapshot.errors, trusted=trusted, excerpts=False)
    body = pages.page("Not found", banner + f"<main><h1>Not found</h1><p>/{pages.escape(path)}</p>"
                      '<p><a href="/">Back to the index</a></p></main>', snapshot.generation)
    return Response(404, _TYPES[".html"], body)


def host_allowed(host_header: str | None, bound_name: str) -> bool:
    """True when the Host header names this machine: an IP literal, ``localhost`` (or ``*.localhost``), or the bound name.

    DNS rebinding needs a DNS name that the attacker controls; a page that
    reached the preview through one sends that name, and is refused.
    """
    if not host_header:
        return False
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        name, rest = (host[1:end], host[end + 1:]) if end > 0 else ("", "")
    else:
        name, colon, port = host.partition(":")
        rest = colon + port
    if rest and not (rest.startswith(":") and rest[1:].isascii() and rest[1:].isdigit()):  # not '١٢٣' or '²'
        return False
    name = name.rstrip(".")
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        pass
    return name == "localhost" or name.endswith(".localhost") or (bool(name) and name == bound_name.strip("[]").lower().rstrip("."))


def from_this_machine(client: Any) -> bool:
    """Whether a request comes from a loopback address (the author's own browser, not ``--host 0.0.0.0``'s network)."""
    try:
        address = ipaddress.ip_address(str(client[0]).split("%")[0])
    except (ValueError, IndexError, TypeError):
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 on a dual-stack socket
    return (mapped or address).is_loopback


def _refusal(status: int, text: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", f"{text}\n".encode())


def make_handler(state: PreviewState, log: Callable[[str], None], bound_name: str = "127.0.0.1") -> type[BaseHTTPRequestHandler]:
    """The request handler class, bound to the preview's state and log."""
    class Handler(BaseHTTPRequestHandler):
        server_version = "postmortem-preview"
        timeout = REQUEST_TIMEOUT  # on every read and write of the connection
        default_request_version = "HTTP/1.0"  # a malformed request line still gets a status line (HTTP/0.9 answers have none)

        def do_GET(self) -> None:
            self._send(head=False)

        def do_HEAD(self) -> None:
            self._send(head=True)

        def _checked(self) -> Response | None:
            """A refusal for a request that must not reach the pages, else None."""
            if len(self.path) > MAX_URL:
                return _refusal(414, "URI too long")
            if not self.path.startswith("/") or any(ord(c) < 0x21 or ord(c) == 0x7F for c in self.path):
                return _refusal(400, "Bad request")
            if len(self.headers.get_all("Host") or []) > 1 or not host_allowed(self.headers.get("Host"), bound_name):
                return _refusal(403, "Forbidden: this preview answers only to localhost (DNS rebinding protection)")
            return None

        def _send(self, *, head: bool) -> None:
            refusal = self._checked()
            response = refusal or respond(state, self.path, trusted=state.internal or from_this_machine(self.client_address))
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            if refusal is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if not head:
                self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:
            """One line per request; a malformed request (no path yet) is logged too, never a traceback."""
            path = getattr(self, "path", None)
            if path == pages.GENERATION_PATH:
                return
            shown = (path or "(malformed request)")[:200].encode("unicode_escape").decode("ascii")  # no control characters in the log
            status = args[1] if format.startswith('"%s" %s') and len(args) > 1 else (args[0] if args else "")
            log(f"{self.command or '-'} {shown} -> {status}")

    return Handler


def _watch_filter(state: PreviewState) -> Callable[[object, str], bool]:
    """Reload only for files the preview reads (``PreviewState.reads``), never for editors' temporary files."""
    from watchfiles import DefaultFilter

    default = DefaultFilter()
    return lambda change, path: default(change, path) and state.reads(path)  # type: ignore[arg-type]


def watch(state: PreviewState, stop: threading.Event, log: Callable[[str], None], paths: list[Path], ready: threading.Event) -> None:
    """Reload on every change under ``paths`` until ``stop`` is set; ``ready`` is set once the watch is in place."""
    from watchfiles import watch as watch_changes

    for changes in watch_changes(*paths, watch_filter=_watch_filter(state), stop_event=stop, debounce=400, step=50,
                                 rust_timeout=200, yield_on_timeout=True, raise_interrupt=False):
        if not ready.is_set():  # the first timeout proves the OS watch is registered; catch edits made before it
            if not changes:
                state.reload()
            ready.set()  # after the catch-up reload: a client that reads the generation once ready sees it move only for its edits
        if not changes:
            continue
        snapshot = state.reload()
        changed = ", ".join(sorted({Path(p).name for _, p in changes}))
        errors = len(snapshot.errors)
        log(f"changed: {changed}; {len(snapshot.incidents)} incident(s), {errors} error(s)")
        for diagnostic in snapshot.errors:
            log(diagnostic.format())
