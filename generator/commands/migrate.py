"""``postmortem import statuspage`` and ``postmortem export statuspage``: move onto and off the tool."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.commands.common import config_option, error, fail, load_site_config


@click.group("import")
def import_command() -> None:
    """Convert incidents from another tool's export into incident files."""


@click.group("export")
def export_command() -> None:
    """Write incidents in another tool's format."""


@import_command.command("statuspage")
@click.argument("export_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write incident files into (default: the config's incidents folder).")
@click.option("--zone", default=None, help="Time zone for the incidents when the export names none (or to override it).")
@click.option("--force", is_flag=True, help="Overwrite files that were edited since they were imported.")
@click.option("--dry-run", is_flag=True, help="Say what would be written; write nothing.")
@config_option
def import_statuspage(export_file: Path, out_dir: Path | None, zone: str | None, force: bool, dry_run: bool,
                      config_path: Path | None) -> None:
    """Convert a status-page API export (incidents.json, a list of incidents, or one incident) into incident files.

    Importing the same export again writes nothing; a file edited since its
    import is skipped unless --force.
    """
    from generator.errors import InputError
    from generator.load.sources import leads_out_of_project, outside_project
    from generator.migrate.import_files import write_import
    from generator.migrate.statuspage_import import convert_export
    from generator.migrate.statuspage_source import read_export

    config, root = load_site_config(config_path)
    target = out_dir if out_dir is not None else root / config.incidents_dir
    if leads_out_of_project(export_file, root):  # exports/incidents.json -> a secret JSON file: never read
        fail([outside_project(export_file)])
    try:
        export = read_export(export_file)
    except InputError as exc:
        fail(exc.diagnostics)
    items = convert_export(export, zone)
    if export.problems.errors:
        fail(sorted(set(export.problems.found)))
    try:
        result = write_import(items, target, config, force=force, dry_run=dry_run)
    except OSError as exc:
        error(f"cannot write incident files: {exc}")
    for diagnostic in [*export.problems.found, *sorted(set(result.diagnostics))]:
        click.echo(diagnostic.format(), err=True)
    verb = "would write" if dry_run else "wrote"
    for path in [*result.new, *result.changed]:
        click.echo(f"{verb} {path}", err=True)
    for path, reason in result.skipped:
        click.echo(f"skipped {path}: {reason}", err=True)
    click.echo(f"{len(result.new)} new, {len(result.changed)} changed, {len(result.unchanged)} unchanged, "
               f"{len(result.skipped)} skipped", err=True)
    if any(d.severity == "error" for d in result.diagnostics):
        sys.exit(1)


@export_command.command("statuspage")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--output", default="-", show_default=True, help="Output file, or - for stdout.")
@config_option
def export_statuspage(files: tuple[Path, ...], output: str, config_path: Path | None) -> None:
    """Write incidents (default: the incidents folder) as a status-page v2 incidents.json export (public view only)."""
    from generator.errors import InputError
    from generator.load.sources import collect_sources
    from generator.migrate.statuspage_export import dump_export, export_statuspage
    from generator.model.catalog import load_valid
    from generator.write import write_file_atomically

    config, root = load_site_config(config_path)
    sources, refused = collect_sources(files, root / config.incidents_dir, root)
    try:
        loaded, warnings = load_valid(sources, config, strict=False, refused=refused, in_site=False)  # speaks for the original page
    except InputError as exc:
        fail(exc.diagnostics)
    for warning in warnings:
        click.echo(warning.format(), err=True)
    data = dump_export(export_statuspage(loaded, config))
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        write_file_atomically(Path(output), data)
    except OSError as exc:
        error(f"cannot write {output}: {exc}")
    click.echo(f"wrote {output} ({len(loaded)} incident(s) read)", err=True)
