"""HTML status-page post renderer: always built from the public view."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.model.memo import IdentityMemo
from generator.render.context import build_context
from generator.render.environment import make_environment
from generator.render.picture import picture_context

TEMPLATE = "status_post.html"
UPDATES_PARTIAL = "partials/updates.html"

# The status post and the incident's site page show the same postmortem and updates, rendered by
# the same partial from the same public view, in the same worker: it is rendered once for both.
_updates_memo: IdentityMemo[Markup] = IdentityMemo(16)


def updates_html(env: Environment, context: dict[str, Any]) -> Markup:
    """``partials/updates.html`` rendered with ``context`` (a public ``build_context``), shared by the post and the page."""
    key = (context["incident"], context["config"], env)
    cached = _updates_memo.get(*key)
    if cached is None:
        cached = _updates_memo.put(Markup(env.get_template(UPDATES_PARTIAL).render(context)), *key)
    return cached


def render_status_post(incident: Incident, config: SiteConfig, *, templates: Path | None = None, site_links: bool = False) -> str:
    """The standalone post; ``site_links`` when it sits beside the site's home page and feeds (a build), which it links back to."""
    env = make_environment(templates)
    context = build_context(incident, config, internal=False)
    context["site_links"] = site_links
    context["updates_html"] = updates_html(env, context)
    if config.status_post_timeline:
        context.update(picture_context(context))
    html = env.get_template(TEMPLATE).render(context)
    return re.sub(r"\n{2,}", "\n", html).strip("\n") + "\n"
