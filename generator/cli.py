"""The ``postmortem`` command: a thin click layer; heavy modules load only when needed."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import NoReturn

import click

from generator import __version__
from generator.errors import Diagnostic, InputError

FORMAT_CHOICE = click.Choice(["md", "html", "pdf", "txt"])


def _fail(diagnostics: list[Diagnostic]) -> NoReturn:
    for diagnostic in diagnostics:
        click.echo(diagnostic.format(), err=True)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    fatal_warnings = " (warnings are fatal with --strict)" if warnings and not errors else ""
    click.echo(f"{errors} error(s), {warnings} warning(s){fatal_warnings}", err=True)
    sys.exit(1)


def _error(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _load_config(path: Path | None):  # type: ignore[no-untyped-def]
    from generator.config import load_config

    try:
        return load_config(path)
    except InputError as exc:
        _fail(exc.diagnostics)


def _warn_harfbuzz() -> None:
    from generator.render.pdf_engine import harfbuzz_subset_available

    if not harfbuzz_subset_available():
        click.echo(
            "warning: libharfbuzz-subset0 is missing: PDFs are about 3.7x slower and not reproducible "
            "(apt-get install libharfbuzz-subset0)",
            err=True,
        )


def _template_guard(action):  # type: ignore[no-untyped-def]
    """Run ``action``; turn template and write errors into clean messages, not tracebacks."""
    from jinja2 import TemplateError, TemplateSyntaxError

    from generator.render.context import InternalIncidentError
    from generator.write import BuildLockedError
    from generator.write.tree import OutputClashError, UnsafeOutputError

    try:
        return action()
    except InputError as exc:
        _fail(exc.diagnostics)
    except TemplateSyntaxError as exc:
        _error(f"{exc.filename or exc.name}:{exc.lineno}: template error: {exc.message}")
    except TemplateError as exc:
        _error(f"template error: {exc}")
    except (InternalIncidentError, BuildLockedError, OutputClashError, UnsafeOutputError) as exc:
        _error(str(exc))
    except OSError as exc:
        _error(f"cannot write output: {exc}")


common_config = click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path),
                             help="Site config file (default: ./postmortem.yaml if present).")
common_templates = click.option("--templates", type=click.Path(file_okay=False, exists=True, path_type=Path),
                                help="Folder of templates searched before the built-in ones.")


# Commands that live in their own modules, imported only when invoked (MkDocs-style lazy CLI).
LAZY_COMMANDS: dict[str, str] = {
    "new": "generator.commands.new:new",
    "update": "generator.commands.update:update",
    "serve": "generator.commands.serve:serve",
    "schema": "generator.commands.schema:schema",
    "import": "generator.commands.migrate:import_command",
    "export": "generator.commands.migrate:export_command",
}


class LazyGroup(click.Group):
    """A click group whose extra commands are imported on first use; Ctrl-C ends any command with one line and exit 130."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            click.echo("interrupted", err=True)
            sys.exit(130)

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = [name for name, target in LAZY_COMMANDS.items() if _module_exists(target)]
        return sorted([*super().list_commands(ctx), *available])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and _module_exists(LAZY_COMMANDS[cmd_name]):
            import importlib

            module_name, attribute = LAZY_COMMANDS[cmd_name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, cmd_name)


def _module_exists(target: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(target.split(":")[0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="postmortem")
def main() -> None:
    """Turn structured incident records into postmortems, status-page posts and PDF reports."""


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@common_config
def validate(files: tuple[Path, ...], strict: bool, output_format: str, config_path: Path | None) -> None:
    """Check incident files; print every problem as path:line:col and exit 1 if any."""
    from generator.build import collect_sources
    from generator.model.catalog import load_incidents

    config, root = _load_config(config_path)
    sources = collect_sources(files, config, root)
    _loaded, diagnostics = load_incidents(sources, config)
    ordered = sorted(set(diagnostics))
    failed = any(d.severity == "error" or strict for d in ordered)
    if output_format == "json":
        click.echo(json.dumps({"valid": not failed, "files": len(sources), "diagnostics": [d.as_dict() for d in ordered]}, indent=2))
        sys.exit(1 if failed else 0)
    if failed:
        _fail(ordered)
    for diagnostic in ordered:
        click.echo(diagnostic.format(), err=True)
    click.echo(f"{len(sources)} file(s) valid", err=True)


@main.command()
@click.argument("incident_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-f", "--format", "fmt", type=FORMAT_CHOICE, required=True, help="Output format.")
@click.option("-o", "--output", type=str, default=None, help="Output file, or - for stdout (default: output/<id>.<format>).")
@click.option("--internal", is_flag=True, help="Include internal fields (Markdown and PDF only).")
@click.option("--fragment", is_flag=True, help="HTML only: the post without doctype or head, its CSS scoped under .pm-post, to paste into a CMS.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@common_config
@common_templates
def render(incident_file: Path, fmt: str, output: str | None, internal: bool, fragment: bool, strict: bool,
           config_path: Path | None, templates: Path | None) -> None:
    """Render one incident as Markdown, an HTML status-page post, or a PDF report."""
    from generator.build import BuildOptions, load_valid, renderer

    if fragment and fmt != "html":
        raise click.UsageError("--fragment applies to -f html only")
    if internal and fmt == "html":
        raise click.UsageError("the HTML status-page post is public; --internal applies to md and pdf")
    if internal and fmt == "txt":
        raise click.UsageError("the plain-text post is public; --internal applies to md and pdf")
    if output == "-" and fmt == "pdf" and sys.stdout.isatty():
        raise click.UsageError("refusing to write a PDF to a terminal; redirect stdout or use -o FILE")
    config, _root = _load_config(config_path)
    if fmt == "pdf":
        _warn_harfbuzz()

    def run() -> None:
        from generator.write import write_output_file

        loaded, diagnostics = load_valid([incident_file], config, strict=strict)
        for diagnostic in diagnostics:
            click.echo(diagnostic.format(), err=True)
        options = BuildOptions(config=config, out_dir=Path("output"), formats=(fmt,), internal=internal, templates=templates)
        incident = loaded[0].incident
        if not internal and incident.visibility != "public":
            _error(f"incident {incident.slug!r} is internal; use --internal for an internal report")
        if fragment:
            from generator.render.fragment import render_status_fragment

            data = render_status_fragment(incident, config, templates=templates).encode()
        else:
            data = renderer(fmt, options)(incident)
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        target = Path(output) if output else Path("output") / f"{incident.slug}.{fmt}"
        inputs = {Path(os.path.realpath(p)) for p in (incident_file, *([config_path] if config_path else []))}
        if Path(os.path.realpath(target)) in inputs:
            _error(f"refusing to write to {target}: it is an input of this render")
        write_output_file(target, data)
        click.echo(f"wrote {target}", err=True)

    _template_guard(run)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="Output folder.")
@click.option("--format", "formats", default="md,html,pdf", show_default=True, help="Comma-separated formats.")
@click.option("--internal", is_flag=True, help="Build internal Markdown and PDF reports (never for a public site).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: number of CPUs).")
@click.option("--force", is_flag=True, help="Ignore the build cache and render everything again.")
@common_config
@common_templates
def build(files: tuple[Path, ...], out_dir: Path, formats: str, internal: bool, strict: bool, quiet: bool, jobs: int | None, force: bool,
          config_path: Path | None, templates: Path | None) -> None:
    """Build every incident (or the given files) into the output folder, all or nothing.

    Only what changed is rendered again (cache: .postmortem-cache/ beside the config).
    """
    started = time.perf_counter()
    from generator.build import FORMATS, BuildOptions, collect_sources, default_jobs
    from generator.build import build as run_build
    from generator.cache import CACHE_DIR
    from generator.progress import Progress

    chosen = tuple(dict.fromkeys(part.strip() for part in formats.split(",") if part.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from md, html, pdf", param_hint="--format")
    from generator.clock import SourceDateError, source_date

    try:
        source_date()  # the site's "now"; checked before anything is read or written
    except SourceDateError as exc:
        raise click.UsageError(str(exc)) from None
    config, root = _load_config(config_path)
    if "pdf" in chosen:
        _warn_harfbuzz()
    sources = collect_sources(files, config, root)
    from generator.write.tree import STATE_DIR

    protected = (root, root / config.incidents_dir, *([config_path] if config_path else []), *([templates] if templates else []))
    options = BuildOptions(config=config, out_dir=out_dir, formats=chosen, internal=internal, strict=strict, templates=templates,
                           cache_dir=root / CACHE_DIR, state_dir=root / STATE_DIR, protected=protected, force=force, jobs=jobs or default_jobs())
    from generator.write.tree import check_output_folder

    _template_guard(lambda: check_output_folder(out_dir, protected))  # before anything is written, the cache included
    progress = Progress.for_terminal(quiet)
    result = _template_guard(lambda: run_build(sources, options, progress))
    for notice in result.notices:
        click.echo(f"warning: {notice}", err=True)
    if not quiet:
        for warning in result.warnings:
            click.echo(warning.format(), err=True)
    result.seconds = time.perf_counter() - started
    progress.summary(result.summary())


def run() -> None:
    """The ``postmortem`` command: ``main``, then exit without tearing the interpreter down.

    Freeing every object of a large build one by one at interpreter exit cost
    ~60 ms of a 0.5 s rebuild.  By then every command has closed its files,
    pools and cache store, so only the standard streams need flushing.
    """
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if isinstance(stop.code, str):
            sys.stderr.write(stop.code + "\n")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            code = code or 1
    os._exit(code)
