"""``postmortem render``: one incident as one document, to a file or to stdout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from generator.commands.common import config_option, error, fail, load_site_config, reporting_errors, templates_option, warn_if_pdfs_are_slow
from generator.render.formats import FORMATS, INTERNAL_FORMATS


@click.command()
@click.argument("incident_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-f", "--format", "fmt", type=click.Choice(list(FORMATS)), required=True, help="Output format.")
@click.option("-o", "--output", type=str, default=None, help="Output file, or - for stdout (default: output/<id>.<format>).")
@click.option("--internal", is_flag=True, help="Include internal fields (Markdown and PDF only).")
@click.option("--fragment", is_flag=True, help="HTML only: the post without doctype or head, its CSS scoped under .pm-post, to paste into a CMS.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@config_option
@templates_option
def render(incident_file: Path, fmt: str, output: str | None, internal: bool, fragment: bool, strict: bool,
           config_path: Path | None, templates: Path | None) -> None:
    """Render one incident as Markdown, an HTML status-page post, or a PDF report."""
    from generator.model.catalog import load_valid
    from generator.render.formats import RenderSettings, render_document

    if fragment and fmt != "html":
        raise click.UsageError("--fragment applies to -f html only")
    if internal and fmt not in INTERNAL_FORMATS:
        raise click.UsageError(f"the {FORMATS[fmt].label} is public; --internal applies to {' and '.join(INTERNAL_FORMATS)}")
    if output == "-" and fmt == "pdf" and sys.stdout.isatty():
        raise click.UsageError("refusing to write a PDF to a terminal; redirect stdout or use -o FILE")
    config, root = load_site_config(config_path)
    if fmt == "pdf":
        warn_if_pdfs_are_slow()

    def run() -> None:
        from generator.load.sources import leads_out_of_project, outside_project
        from generator.write import write_output_file

        if leads_out_of_project(incident_file, root):  # incidents/x.yaml -> /home/runner/.ssh/...: never read
            fail([outside_project(incident_file)])
        loaded, diagnostics = load_valid([incident_file], config, strict=strict, in_site=False)  # names its own company
        for diagnostic in diagnostics:
            click.echo(diagnostic.format(), err=True)
        incident = loaded[0].incident
        if not internal and incident.visibility != "public":
            error(f"incident {incident.slug!r} is internal; use --internal for an internal report")
        source = None
        if fmt == "pdf":  # what the PDF states it was built from: asked of git only once the file is valid
            from generator.render.provenance import file_provenance

            source = file_provenance([incident_file], root)[incident_file]
        data = render_document(incident, fmt, RenderSettings(config, internal, templates, fragment=fragment, provenance=source))
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            return
        target = Path(output) if output else Path("output") / f"{incident.slug}.{fmt}"
        inputs = {Path(os.path.realpath(p)) for p in (incident_file, *([config_path] if config_path else []))}
        if Path(os.path.realpath(target)) in inputs:
            error(f"refusing to write to {target}: it is an input of this render")
        write_output_file(target, data)
        click.echo(f"wrote {target}", err=True)

    reporting_errors(run)
