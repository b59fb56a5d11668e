"""What every command shares: how problems are reported, the site config, and the common options.

Input problems are printed as ``path:line:col: error: message`` on stderr and end
the command with exit 1; other failures (a template error, a locked or unsafe
output folder, a disk error) are one ``error:`` line and exit 1, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from generator.errors import Diagnostic, InputError

if TYPE_CHECKING:
    from generator.model.config import SiteConfig

T = TypeVar("T")

config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                             help="Site config file (default: ./postmortem.yaml if present).")
templates_option = click.option("--templates", type=click.Path(file_okay=False, exists=True, path_type=Path),
                                help="Folder of templates searched before the built-in ones.")


def fail(diagnostics: list[Diagnostic]) -> NoReturn:
    """Print every problem and a count, then exit 1."""
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    fatal_warnings = " (warnings are fatal with --strict)" if warnings and not errors else ""
    click.echo(f"{errors} error(s), {warnings} warning(s){fatal_warnings}", err=True)
    sys.exit(1)


def error(message: str) -> NoReturn:
    """One ``error:`` line on stderr, then exit 1."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def load_site_config(path: Path | None) -> tuple[SiteConfig, Path]:
    """The site config and the project root (its folder); a bad config ends the command with its problems."""
    from generator.model.config import load_config

    try:
        return load_config(path)
    except InputError as exc:
        fail(exc.diagnostics)


def check_source_date() -> None:
    """A malformed ``SOURCE_DATE_EPOCH`` (the site's "now") is a usage error, found before anything is read or written."""
    from generator.clock import SourceDateError, source_date

    try:
        source_date()
    except SourceDateError as exc:
        raise click.UsageError(str(exc)) from None


def warn_if_pdfs_are_slow() -> None:
    """WeasyPrint without libharfbuzz-subset0 is slower and not reproducible: say so once, before rendering."""
    from generator.render.pdf_engine import harfbuzz_subset_available

    if not harfbuzz_subset_available():
        click.echo(
            "warning: libharfbuzz-subset0 is missing: PDFs are about 3.7x slower and not reproducible "
            "(apt-get install libharfbuzz-subset0)",
            err=True,
        )


def reporting_errors(action: Callable[[], T]) -> T:
    """Run ``action``; input, template and output errors become clean messages and exit 1, not tracebacks."""
    try:
        return action()
    except InputError as exc:
        fail(exc.diagnostics)
    except Exception as exc:
        message = _known_error(exc)
        if message is None:
            raise
        error(message)


def _known_error(exc: Exception) -> str | None:
    """The message of an error the user can act on, or None for a bug (the classes are imported only when one is raised)."""
    from jinja2 import TemplateError, TemplateSyntaxError

    from generator.builder.output_folder import BuildLockedError, OutputClashError, UnsafeOutputError
    from generator.render.context import InternalIncidentError

    if isinstance(exc, TemplateSyntaxError):
        return f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}"
    if isinstance(exc, TemplateError):
        return f"template error: {exc}"
    if isinstance(exc, InternalIncidentError | BuildLockedError | OutputClashError | UnsafeOutputError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"cannot write output: {exc}"
    return None
