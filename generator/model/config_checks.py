"""Checks on a schema-valid ``postmortem.yaml`` that need the file system or the string table.

The logo is read once here and embedded as a ``data:`` URI, so outputs never
reference a local path and the sandboxed PDF engine (data: URLs only) can show it.
Only PNG and JPEG are accepted, recognised by their bytes rather than their name:
SVG can carry scripts and external references, and sanitising it is a project
of its own.  A logo that is a symlink leading out of the config's folder is refused
unread, like an incident (``generator.load.sources``).
"""

from __future__ import annotations

import base64
import difflib
from pathlib import Path

from generator.errors import Diagnostic
from generator.load import Document

MAX_LOGO_BYTES = 256 * 1024
_SINGULAR = {"statuses": "status", "headings": "heading"}
_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def logo_media_type(data: bytes) -> str | None:
    """``image/png`` or ``image/jpeg`` from the file's magic bytes; None for anything else."""
    return next((media for magic, media in _SIGNATURES.items() if data.startswith(magic)), None)


def _logo(value: str, root: Path) -> tuple[str | None, str | None]:
    """(data URI, None) or (None, problem) for the configured logo path."""
    path = Path(value)
    if path.is_absolute() or ".." in path.parts:
        return None, f"logo {value!r} must be a path inside the config's folder"
    target = root / path
    from generator.load.sources import leads_out_of_project

    if leads_out_of_project(target, root):  # brand.png -> any PNG on the CI machine, embedded in every public page
        return None, (f"logo {value!r} is a symlink leading outside the project folder: not read. Put the image itself in the "
                      "project (a symlink within it is fine)")
    if not target.is_file():
        return None, f"logo file {value!r} not found (looked for {target})"
    size = target.stat().st_size
    if size > MAX_LOGO_BYTES:
        return None, f"logo {value!r} is {size:,} bytes; keep it under {MAX_LOGO_BYTES:,} (it is embedded in every page)"
    from generator.load.files import read_capped

    try:
        data = read_capped(target, MAX_LOGO_BYTES)
    except OSError as exc:
        return None, f"cannot read logo {value!r}: {exc.strerror or exc}"
    media = logo_media_type(data)
    if media is None:
        kind = "an SVG (which can carry scripts)" if target.suffix.lower() == ".svg" or b"<svg" in data[:1024].lower() else "not a PNG or JPEG"
        return None, f"logo {value!r} is {kind}; use a PNG or JPEG file"
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}", None


def check_config(config, document: Document, root: Path) -> tuple[list[Diagnostic], str | None]:  # type: ignore[no-untyped-def]
    """Every problem the schema cannot see, and the logo as a ``data:`` URI when there is one and it is fine."""
    from generator.i18n import LOCALES

    found: list[Diagnostic] = []
    for group in ("statuses", "headings"):
        known = list(LOCALES["en"][group])
        for key in getattr(config.labels, group):
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
                hint = f"; did you mean `{close[0]}`?" if close else f"; known: {', '.join(known)}"
                line, column = document.positions.of_key(("labels", group, key))
                found.append(Diagnostic(document.path, line, column, f"unknown {_SINGULAR[group]} label `{key}`{hint}"))
    uri = None
    if config.logo is not None:
        uri, problem = _logo(config.logo, root)
        if problem:
            line, column = document.positions.of_value(("logo",))
            found.append(Diagnostic(document.path, line, column, problem))
    return found, uri
