"""The status post as a fragment to paste into a CMS: no doctype or head, CSS scoped under one class.

Every selector of the post's stylesheet is re-written to apply only inside
``<div class="pm-post">`` (``:root``, ``html`` and ``body`` become the wrapper
itself), so pasting the fragment restyles nothing else on the host page.  The
stylesheet is parsed with tinycss2 (the CSS parser WeasyPrint uses), so commas
inside functions such as ``:nth-child()`` never split a selector.
"""

from __future__ import annotations

from pathlib import Path

import tinycss2
from markupsafe import Markup
from tinycss2 import ast

from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.render.context import build_context
from generator.render.environment import make_environment
from generator.render.picture import picture_context
from generator.render.status_post import updates_html

SCOPE = "pm-post"
TEMPLATE = "status_post_fragment.html"
STYLESHEET = "status_post.css"
_ROOTS = {":root", "html", "body"}


def _split_selectors(prelude: list[ast.Node]) -> list[str]:
    """The comma-separated selectors of a rule's prelude (commas inside functions stay put)."""
    selectors, current = [], []
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            selectors.append(tinycss2.serialize(current).strip())
            current = []
        else:
            current.append(token)
    selectors.append(tinycss2.serialize(current).strip())
    return [s for s in selectors if s]


def _scoped_selector(selector: str) -> str:
    first, _, rest = selector.partition(" ")
    if first in _ROOTS:
        return f".{SCOPE}" + (f" {rest}" if rest else "")
    return f".{SCOPE} {selector}"


def scope_css(css: str) -> str:
    """``css`` with every rule limited to ``.pm-post`` and what is inside it."""
    out = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "qualified-rule":
            selectors = ", ".join(_scoped_selector(s) for s in _split_selectors(rule.prelude))
            out.append(f"{selectors} {{{tinycss2.serialize(rule.content)}}}")
        elif rule.type == "at-rule" and rule.lower_at_keyword == "media" and rule.content is not None:
            inner = scope_css(tinycss2.serialize(rule.content))
            out.append(f"@media {tinycss2.serialize(rule.prelude).strip()} {{\n{inner}}}")
        # other at-rules (@import, @font-face, …) could reach outside the fragment: dropped
    return "".join(line + "\n" for line in out)


def render_status_fragment(incident: Incident, config: SiteConfig, *, templates: Path | None = None) -> str:
    """The post's article and its scoped stylesheet inside one ``<div class="pm-post">``."""
    env = make_environment(templates)
    context = build_context(incident, config, internal=False)
    context["updates_html"] = updates_html(env, context)
    if config.status_post_timeline:
        context.update(picture_context(context))
    # The stylesheet is template text and validated config values, never incident text; "</" is
    # escaped anyway so nothing in it can close the <style> element.
    context["scoped_css"] = Markup(scope_css(env.get_template(STYLESHEET).render(context)).replace("</", "<\\/"))
    context["scope"] = SCOPE
    return env.get_template(TEMPLATE).render(context).strip("\n") + "\n"
