"""Markdown postmortem renderer (public by default; ``internal=True`` adds internal fields)."""

from __future__ import annotations

import re
from pathlib import Path

from generator.config import SiteConfig
from generator.model.incident import Incident
from generator.render.context import build_context
from generator.render.environment import make_environment

TEMPLATE = "postmortem.md"


def render_markdown(incident: Incident, config: SiteConfig, *, internal: bool = False, templates: Path | None = None) -> str:
    env = make_environment(templates, markdown=True)
    text = env.get_template(TEMPLATE).render(build_context(incident, config, internal=internal))
    text = re.sub(r"\n{3,}", "\n\n", text)  # templates stay readable; output stays tidy
    return text.strip("\n") + "\n"
