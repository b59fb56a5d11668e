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
STYLESHEET = "report.css"


def report_html(incident: Incident, config: SiteConfig, *, internal: bool = False, templates: Path | None = None,
                provenance: FileProvenance | None = None) -> str:
    """The HTML that becomes the PDF, its stylesheet inline (for previews and tests); ``provenance`` adds its "Built from" lines."""
    return make_environment(templates).get_template(TEMPLATE).render(_report_context(incident, config, internal, provenance))


def _report_context(incident: Incident, config: SiteConfig, internal: bool, provenance: FileProvenance | None) -> dict:
    context = build_context(incident, config, internal=internal)
    context["paper"] = config.paper
    context.update(picture_context(context))
    context["timeline_svg"] = as_pdf_image(context)
    context["header_right"] = context["confidential"] if internal else context["report_for"]  # report.css escapes it for CSS
    context["built_from"] = None
    if provenance is not None:  # what the PDF was built from, in the report's language
        context["built_from"] = provenance.sentence(context["t"]["report"]["provenance"])
    return context


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

    context = _report_context(incident, config, internal, provenance)
    environment = make_environment(templates)
    # The stylesheet goes to the engine on its own, not in a <style>: it is the same for every report of a
    # build (config, language, audience), so the engine parses it once (``pdf_engine._parsed_stylesheet``).
    html = environment.get_template(TEMPLATE).render({**context, "inline_css": False})
    stylesheet = environment.get_template(STYLESHEET).render(context)
    view = context["incident"]
    created, modified = _document_dates(view)
    metadata = PdfMetadata(
        title=view.title,
        author=context["company"],  # the name the report prints: the incident's own, else the site's
        subject=first_sentence(view.summary) or view.title,
        keywords=(view.impact, view.status, *(c.name for c in view.components)),
        created=created,
        modified=modified,
        lang=config.locale,
    )
    return html_to_pdf(html, metadata, stylesheets=(stylesheet,))
