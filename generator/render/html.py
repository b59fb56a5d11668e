"""HTML status-page post renderer: always built from the public view."""

from __future__ import annotations

import re
from pathlib import Path

from generator.config import SiteConfig
from generator.model.incident import Incident
from generator.render.context import build_context
from generator.render.environment import make_environment

TEMPLATE = "status_post.html"


def render_status_post(incident: Incident, config: SiteConfig, *, templates: Path | None = None) -> str:
    env = make_environment(templates)
    html = env.get_template(TEMPLATE).render(build_context(incident, config, internal=False))
    return re.sub(r"\n{2,}", "\n", html).strip("\n") + "\n"
