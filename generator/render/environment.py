"""The Jinja environment: user templates first, built-ins after, built-ins also under ``builtin/``.

A user file named like a built-in replaces it, and can still extend the
original with ``{% extends "builtin/status_post.html" %}`` (Pelican's approach).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)

from generator.render import filters


def builtin_templates() -> Path:
    """The built-in templates: inside the wheel, or at the repository root in a checkout."""
    here = Path(__file__).resolve().parent.parent
    packaged = here / "templates"
    return packaged if packaged.is_dir() else here.parent / "templates"


class MarkdownSafe(str):
    """Text already made safe for a Markdown document."""


def _finalize_markdown(value: object) -> object:
    """Autoescaping for Markdown templates: plain text cannot start Markdown structure."""
    if isinstance(value, (MarkdownSafe, int, float)):
        return value
    return filters.md_inline(value)


def make_environment(user_templates: Path | None = None, markdown: bool = False) -> Environment:
    """The environment for HTML/XML or Markdown templates: one per folder and kind, however it is asked for.

    (``lru_cache`` keys ``f(x)`` and ``f(x, markdown=False)`` apart: the build gave one of them the
    sealed bytecode cache and compiled its templates while the renderers used the other, so every
    build compiled every template from source again.)
    """
    return _environment(user_templates, markdown)


@lru_cache(maxsize=8)
def _environment(user_templates: Path | None, markdown: bool) -> Environment:
    """Build the environment; ``.css`` templates are autoescaped too, so a value placed in CSS
    without its ``css_*`` filter still cannot close the ``<style>`` block it is included into.
    """
    builtin = FileSystemLoader(str(builtin_templates()))
    loaders = [FileSystemLoader(str(user_templates))] if user_templates else []
    loader = ChoiceLoader([*loaders, builtin, PrefixLoader({"builtin": builtin})])
    env = Environment(
        loader=loader,
        undefined=StrictUndefined,
        autoescape=False if markdown else select_autoescape(enabled_extensions=("html", "xml", "svg", "css"), default_for_string=True),
        finalize=_finalize_markdown if markdown else None,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    filters.register(env, MarkdownSafe)
    return env
