"""``postmortem build``: every incident and the site into the output folder, all or nothing."""

from __future__ import annotations

import time
from pathlib import Path

import click

from generator.commands.common import (
    check_source_date,
    config_option,
    fail,
    reporting_errors,
    templates_option,
    warn_if_pdfs_are_slow,
)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="Output folder.")
@click.option("--format", "formats", default="md,html,pdf", show_default=True, help="Comma-separated formats.")
@click.option("--internal", is_flag=True, help="Build internal Markdown and PDF reports (never for a public site).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: number of CPUs).")
@click.option("--force", is_flag=True, help="Ignore the build cache and render everything again.")
@config_option
@templates_option
def build(files: tuple[Path, ...], out_dir: Path, formats: str, internal: bool, strict: bool, quiet: bool, jobs: int | None, force: bool,
          config_path: Path | None, templates: Path | None) -> None:
    """Build every incident (or the given files) into the output folder, all or nothing.

    Only what changed is rendered again (cache: .postmortem-cache/ beside the config).
    """
    started = time.perf_counter()
    from generator.builder.cache import CACHE_DIR
    from generator.builder.options import BuildOptions, default_jobs
    from generator.builder.orchestrator import build as run_build
    from generator.builder.output_folder import check_output_folder
    from generator.builder.progress import Progress
    from generator.builder.tree import STATE_DIR
    from generator.load.sources import collect_sources
    from generator.render.formats import BUILD_FORMATS

    chosen = tuple(dict.fromkeys(part.strip() for part in formats.split(",") if part.strip()))
    unknown = [f for f in chosen if f not in BUILD_FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(BUILD_FORMATS)}", param_hint="--format")
    check_source_date()
    from generator.model.config import compares_company, load_config_or_stand_in

    config, root, config_problems = load_config_or_stand_in(config_path)
    sources, refused = collect_sources(files, root / config.incidents_dir, root)
    if config_problems:  # nothing is built; the incidents' problems are reported with the config's, as `validate` does
        from generator.model.catalog import load_incidents

        _loaded, diagnostics = load_incidents(sources, config, in_site=compares_company(config, config_problems))
        fail(sorted(set(config_problems + diagnostics + refused)))
    if "pdf" in chosen:
        warn_if_pdfs_are_slow()
    protected = (root, root / config.incidents_dir, *([config_path] if config_path else []), *([templates] if templates else []))
    options = BuildOptions(config=config, out_dir=out_dir, formats=chosen, internal=internal, strict=strict, templates=templates,
                           cache_dir=root / CACHE_DIR, state_dir=root / STATE_DIR, protected=protected, project_root=root, force=force,
                           jobs=jobs or default_jobs(), refused=tuple(refused))
    private = (root / CACHE_DIR, root / STATE_DIR)
    reporting_errors(lambda: check_output_folder(out_dir, protected, private))  # before anything is written, the cache included
    progress = Progress.for_terminal(quiet)
    result = reporting_errors(lambda: run_build(sources, options, progress))
    for notice in result.notices:
        click.echo(f"warning: {notice}", err=True)
    if not quiet:
        for warning in result.warnings:
            click.echo(warning.format(), err=True)
    result.seconds = time.perf_counter() - started
    progress.summary(result.summary())
