"""PDF report renderer: the report template through the sandboxed WeasyPrint engine."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.render.context import build_context
from generator.render.environment import make_environment
from generator.render.markdown import first_sentence
from generator.render.picture import as_pdf_image, picture_context

if TYPE_CHECKING:
    from generator.render.provenance import FileProvenance

TEMPLATE = "report.html"


def report_html(incident: Incident, config: SiteConfig, *, internal: bool = False, templates: Path | None = None,
                provenance: FileProvenance | None = None) -> str:
    """The HTML that becomes the PDF (useful for previews and tests); ``provenance`` adds its "Built from" lines."""
    context = build_context(incident, config, internal=internal)
    context["paper"] = config.paper
    context.update(picture_context(context))
    context["timeline_svg"] = as_pdf_image(context)
    context["header_right"] = context["confidential"] if internal else context["report_for"]  # report.css escapes it for CSS
    context["built_from"] = None
    if provenance is not None:  # what the PDF was built from, in the report's language
        context["built_from"] = provenance.sentence(context["t"]["report"]["provenance"])
    return make_environment(templates).get_template(TEMPLATE).render(context)


def _document_dates(incident: Incident) -> tuple[datetime, datetime]:
    """Created: the first known moment of the incident; modified: its last update."""
    moments = [u.posted_at for u in incident.updates]
    for moment in (incident.impact_start, incident.resolved_at):
        if moment is not None:
            moments.append(moment)
    return min(moments), max(moments)


def render_pdf(incident: Incident, config: SiteConfig, *, internal: bool = False, templates: Path | None = None,
               provenance: FileProvenance | None = None) -> bytes:
    """The PDF report: the report template through the sandboxed WeasyPrint engine, with metadata from the incident."""
    from generator.render.pdf_engine import PdfMetadata, html_to_pdf  # imports WeasyPrint lazily

    html = report_html(incident, config, internal=internal, templates=templates, provenance=provenance)
    view = build_context(incident, config, internal=internal)["incident"]
    created, modified = _document_dates(view)
    metadata = PdfMetadata(
        title=view.title,
        author=view.company or config.company,
        subject=first_sentence(view.summary) or view.title,
        keywords=(view.impact, view.status, *(c.name for c in view.components)),
        created=created,
        modified=modified,
        lang=config.locale,
    )
    return html_to_pdf(html, metadata)
