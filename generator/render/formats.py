"""The formats one incident can be rendered in, and the one function that renders any of them.

``postmortem render``, the preview, builds and their pool workers all call
``render_document``, so a format means the same bytes wherever it is made.
Each renderer module is imported only when its format is rendered (the PDF
one pulls in WeasyPrint).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.model.config import SiteConfig
    from generator.model.incident import Incident
    from generator.render.provenance import FileProvenance


@dataclass(frozen=True)
class RenderSettings:
    """What every render needs besides the incident; small and picklable (it crosses into pool workers)."""

    config: SiteConfig
    internal: bool = False  # the internal variant (formats that have one): every field, the confidentiality label
    templates: Path | None = None
    linked: tuple[str, ...] = ()  # the other per-incident files beside this one, which site pages link to
    in_site: bool = False  # a build: the post sits beside the site's index.html and feeds, and links back to them
    fragment: bool = False  # the HTML post without doctype or head, its CSS scoped, to paste into a CMS
    provenance: FileProvenance | None = None  # the incident file's source, which its PDF states (a build sets it per incident)


def _markdown(incident: Incident, settings: RenderSettings) -> bytes:
    from generator.render.postmortem import render_markdown

    return render_markdown(incident, settings.config, internal=settings.internal, templates=settings.templates).encode()


def _status_post(incident: Incident, settings: RenderSettings) -> bytes:
    if settings.fragment:
        from generator.render.fragment import render_status_fragment

        return render_status_fragment(incident, settings.config, templates=settings.templates).encode()
    from generator.render.status_post import render_status_post

    return render_status_post(incident, settings.config, templates=settings.templates, site_links=settings.in_site).encode()


def _report(incident: Incident, settings: RenderSettings) -> bytes:
    from generator.render.report import render_pdf

    return render_pdf(incident, settings.config, internal=settings.internal, templates=settings.templates, provenance=settings.provenance)


def _text_post(incident: Incident, settings: RenderSettings) -> bytes:
    from generator.render.text_post import render_text

    return render_text(incident, settings.config).encode()


@dataclass(frozen=True)
class Format:
    """One output format: its file suffix, who may read it, and its renderer."""

    name: str
    label: str  # what it is, in messages
    suffix: str
    media_type: str
    has_internal_variant: bool  # False: always rendered from the public view (``--internal`` is refused)
    built: bool  # ``postmortem build`` writes it for every incident (else only ``render`` and the preview make it)
    renderer: Callable[[Incident, RenderSettings], bytes]


FORMATS: dict[str, Format] = {
    "md": Format("md", "Markdown postmortem", ".md", "text/plain; charset=utf-8", True, True, _markdown),
    "html": Format("html", "HTML status-page post", ".html", "text/html; charset=utf-8", False, True, _status_post),
    "pdf": Format("pdf", "PDF report", ".pdf", "application/pdf", True, True, _report),
    "txt": Format("txt", "plain-text post", ".txt", "text/plain; charset=utf-8", False, False, _text_post),
}
BUILD_FORMATS = tuple(name for name, spec in FORMATS.items() if spec.built)  # what a build writes by default: md, html, pdf
INTERNAL_FORMATS = tuple(name for name, spec in FORMATS.items() if spec.has_internal_variant)  # md, pdf


def render_document(incident: Incident, fmt: str, settings: RenderSettings) -> bytes:
    """``incident`` as the bytes of format ``fmt``: the one entry point for every format and every caller."""
    try:
        spec = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}") from None
    return spec.renderer(incident, settings)
