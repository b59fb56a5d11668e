"""Preview-only HTML: the error page, the error banner, a plain index, and the reload script.

Every value is escaped here; diagnostics quote the author's own text back, so they are shown as they are
only to a trusted viewer (this machine's browser, or anyone with ``serve --internal``).  Everyone else
gets each problem's position and its message with every value taken out (``generator.preview.redact``): the values
may be internal fields of an internal incident.
"""

from __future__ import annotations

import stat
from html import escape
from pathlib import Path

from generator.errors import Diagnostic
from generator.model.catalog import LoadedIncident

GENERATION_PATH = "/__preview/generation"
_PAGE_STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1f2933; }
main { max-width: 60rem; margin: 2rem auto; padding: 0 1.25rem; }
"""
_BANNER_STYLE = """
.preview-errors { background: #fff5f5; border-bottom: 3px solid #c53030; padding: .75rem 1.25rem; font: 14px/1.45 ui-monospace, monospace; }
.preview-errors h2 { font: bold 15px system-ui, sans-serif; color: #c53030; margin: 0 0 .4rem; }
.preview-errors p { margin: .15rem 0; white-space: pre-wrap; }
.preview-errors pre { background: #fff; border: 1px solid #f1c0c0; padding: .4rem .6rem; overflow-x: auto; margin: .25rem 0 .75rem; }
.preview-errors mark { background: #fed7d7; }
.preview-errors p.preview-note { font: italic 13px/1.45 system-ui, sans-serif; color: #6b3a3a; margin-top: .5rem; }
"""
_CONTEXT_LINES = 2
_MAX_SOURCE_BYTES = 1_000_000


def reload_script(generation: int) -> str:
    """Poll the server; reload the page when the project changed (no extra dependency)."""
    return (
        f"<script>(function(){{var g={generation:d};setInterval(function(){{fetch('{GENERATION_PATH}',{{cache:'no-store'}})"
        ".then(function(r){return r.text()}).then(function(t){if(+t!==g)location.reload()}).catch(function(){})},1000)})();</script>"
    )


def shown(diagnostic: Diagnostic, *, trusted: bool) -> str:
    """The line a viewer sees for ``diagnostic``: all of it when ``trusted``, else with its values taken out."""
    if trusted:
        return diagnostic.format()
    from generator.preview.redact import without_values

    return without_values(diagnostic).format()


def _quotable(path: Path) -> bool:
    """Only incident and config files are quoted: a regular ``.yaml``/``.yml`` file, not a symlink.

    An incident symlinked to ``/etc/passwd`` (or any other file) gets its
    diagnostics, never its lines, in the page.
    """
    try:
        status = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(status.st_mode) and path.suffix.lower() in {".yaml", ".yml"} and status.st_size <= _MAX_SOURCE_BYTES


def _excerpt(diagnostic: Diagnostic) -> str:
    """The offending line with its neighbours, the column marked."""
    path = Path(diagnostic.path)
    if not _quotable(path):
        return ""
    try:
        from generator.load.files import read_capped

        lines = read_capped(path, _MAX_SOURCE_BYTES).decode("utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    if not 1 <= diagnostic.line <= len(lines):
        return ""
    first = max(diagnostic.line - 1 - _CONTEXT_LINES, 0)
    rows = []
    for number in range(first, min(diagnostic.line + _CONTEXT_LINES, len(lines))):
        text = lines[number]
        if number + 1 == diagnostic.line:
            col = max(diagnostic.column - 1, 0)
            body = f"{escape(text[:col])}<mark>{escape(text[col:col + 1] or ' ')}</mark>{escape(text[col + 1:])}"
        else:
            body = escape(text)
        rows.append(f"{number + 1:>5} | {body}")
    return "<pre>" + "\n".join(rows) + "</pre>"


def errors_block(diagnostics: list[Diagnostic], *, trusted: bool = True, excerpts: bool = True) -> str:
    """Every diagnostic as ``path:line:col: error: message``, with source excerpts.

    Not ``trusted``: messages without their values (``redacted``) and no excerpts.
    """
    if not diagnostics:
        return ""
    errors = sum(1 for d in diagnostics if d.severity == "error")
    items = []
    for diagnostic in diagnostics:
        items.append(f"<p>{escape(shown(diagnostic, trusted=trusted))}</p>")
        if trusted and excerpts and diagnostic.severity == "error":
            items.append(_excerpt(diagnostic))
    title = f"{errors} error(s): fix the file and this page reloads" if errors else f"{len(diagnostics)} warning(s)"
    if not trusted:
        items.append('<p class="preview-note">Values from the files are shown as …: they may be internal. Open the preview on the '
                     "machine that runs <code>postmortem serve</code> (or start it with <code>--internal</code>) to see them.</p>")
    return f'<section class="preview-errors" role="alert"><h2>{escape(title)}</h2>{"".join(items)}</section>'


def page(title: str, body: str, generation: int) -> bytes:
    """A whole preview page around ``body``, reloading itself when the project changes."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_PAGE_STYLE}{_BANNER_STYLE}</style></head><body>{body}{reload_script(generation)}</body></html>\n"
    ).encode()


def error_page(title: str, diagnostics: list[Diagnostic], generation: int, *, trusted: bool = True) -> bytes:
    """A page listing the problems that stop a render (with the files' lines and values only when ``trusted``)."""
    return page(title, errors_block(diagnostics, trusted=trusted), generation)


def plain_index(incidents: list[LoadedIncident], diagnostics: list[Diagnostic], generation: int, *, trusted: bool = True) -> bytes:
    """The fallback index when the site renderer is not available."""
    rows = []
    for item in incidents if trusted else [i for i in incidents if i.incident.visibility == "public"]:
        slug = escape(item.incident.slug)
        links = " · ".join(f'<a href="{slug}{suffix}">{label}</a>' for suffix, label in
                           ((".html", "post"), (".md", "Markdown"), (".txt", "text"), (".pdf", "PDF")))
        rows.append(f"<li><strong>{escape(item.incident.title)}</strong> ({slug}, {escape(item.incident.visibility)}): {links}</li>")
    listing = "<ul>" + "".join(rows) + "</ul>" if rows else "<p>No valid incidents yet.</p>"
    return page("Preview", f"{errors_block(diagnostics, trusted=trusted)}<main><h1>Incidents</h1>{listing}</main>", generation)


def decorate(html: bytes, diagnostics: list[Diagnostic], generation: int, *, trusted: bool = True) -> bytes:
    """Add the error banner (if any) after ``<body>`` and the reload script before ``</body>``."""
    text = html.decode("utf-8", errors="replace")
    banner = errors_block([d for d in diagnostics if d.severity == "error"], trusted=trusted, excerpts=False)
    if banner:
        start = text.find("<body")
        end = text.find(">", start) + 1 if start >= 0 else 0
        text = text[:end] + f"<style>{_BANNER_STYLE}</style>" + banner + text[end:]
    script = reload_script(generation)
    index = text.rfind("</body>")
    text = text[:index] + script + text[index:] if index >= 0 else text + script
    return text.encode()
