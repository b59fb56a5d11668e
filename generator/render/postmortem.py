"""Markdown postmortem renderer (public by default; ``internal=True`` adds internal fields)."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import TemplateError

from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.render.context import build_context
from generator.render.environment import make_environment
from generator.render.filters import ESCAPE_ALL
from generator.render.markdown import is_safe_document

TEMPLATE = "postmortem.md"


def render_markdown(incident: Incident, config: SiteConfig, *, internal: bool = False, templates: Path | None = None) -> str:
    """The postmortem as Markdown, checked as a whole document.

    Each value is escaped for Markdown, but values meet in one document (a definition
    in one field, a link in another); so the result is read again as a Markdown
    viewer that allows HTML would read it.  Should it carry raw HTML or an unsafe
    link, every value is escaped as plain text instead; a template that is unsafe
    even then is an error.
    """
    env = make_environment(templates, markdown=True)
    template = env.get_template(TEMPLATE)
    context = build_context(incident, config, internal=internal)
    text = _tidy(template.render(context))
    if not is_safe_document(text):
        text = _tidy(template.render({**context, ESCAPE_ALL: True}))
        if not is_safe_document(text):
            raise TemplateError(f"{TEMPLATE} makes raw HTML or an unsafe link out of incident {incident.slug!r}; "
                                "use the md_* filters for every value")
    return text


def _tidy(text: str) -> str:
    text = re.sub(r"(?m)^[ \t]+$", "", text)  # a whitespace-only line is a blank line; leave none behind
    text = re.sub(r"\n{3,}", "\n\n", text)  # templates stay readable; output stays tidy
    return text.strip("\n") + "\n"
