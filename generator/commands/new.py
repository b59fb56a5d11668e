"""``postmortem new "Title"``: scaffold ``incidents/<date>-<slug>.yaml`` with every section."""

from __future__ import annotations

import os
from pathlib import Path

import click

from generator.commands.common import config_option, error, load_site_config

SCHEMA_PATH = Path("schemas") / "incident.schema.json"


@click.command()
@click.argument("title")
@click.option("--at", "at", default=None, metavar="ISO",
              help="Impact start instead of now, e.g. 2021-09-13T16:53 (read in the incident's zone; the file stores it "
                   "with its offset, which a time typed into the file needs) or 2021-09-13T16:53+01:00.")
@click.option("--zone", default=None, help="IANA zone of the incident (default: the site zone).")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into (default: the config's incidents folder).")
@config_option
def new(title: str, at: str | None, zone: str | None, folder: Path | None, config_path: Path | None) -> None:
    """Write a new incident file holding every section, ready to fill in."""
    from generator.clock import ClockError, now_in
    from generator.commands.scaffold import file_name as make_file_name
    from generator.commands.scaffold import scaffold
    from generator.load.sources import leads_out_of_project
    from generator.model.catalog import check_incident_text, load_incident
    from generator.model.types import MAX_LINE_CHARS, check_single_line, check_zone

    config, root = load_site_config(config_path)
    try:
        title = check_single_line(title)
        zone_name = check_zone(zone) if zone else config.zone
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    if len(title) > MAX_LINE_CHARS:
        error(f"the title is {len(title):,} characters; the limit is {MAX_LINE_CHARS:,} (a headline, one line); nothing written")
    try:
        started = now_in(zone_name, at)
    except ClockError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None

    target_dir = folder if folder is not None else _shorter(root / config.incidents_dir)
    if leads_out_of_project(target_dir, root):  # an incidents/ planted as a symlink: never written through
        error(f"{target_dir} is a symlink leading outside the project folder; nothing written. Keep the incidents "
              "inside the project, or name a folder elsewhere with --dir by its own path")
    target = target_dir / make_file_name(title, started)
    schema_file = root / SCHEMA_PATH
    schema_ref = Path(os.path.relpath(schema_file.resolve(), target_dir.resolve())).as_posix()
    text = scaffold(title, started, zone_name, schema_ref, target.as_posix())
    problems = [d for d in check_incident_text(text, target, config)[1] if d.severity == "error"]
    if problems:  # whatever the title or time, never write a file that does not validate
        for diagnostic in problems:
            click.echo(diagnostic.format(), err=True)
        error(f"{target} would not validate; nothing written")

    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as handle:  # "x": never replace a file created meanwhile
            handle.write(text)
    except FileExistsError:
        error(f"{target} already exists; not overwriting it (edit it, or choose another title)")
    except OSError as exc:
        error(f"cannot write {target}: {exc}")
    _incident, diagnostics = load_incident(target, config)
    for diagnostic in diagnostics:  # the scaffold is tested to validate; this guards odd titles
        click.echo(diagnostic.format(), err=True)
    if not schema_file.exists():
        click.echo(f"hint: editors complete and check this file once {SCHEMA_PATH} exists: "
                   f"postmortem schema incident > {SCHEMA_PATH}", err=True)
    if at is not None:  # a bare local time was read in the zone: say which moment that is, as the file stores it
        from generator.clock import iso

        click.echo(f"impact start: {iso(started)} ({zone_name})", err=True)
    click.echo(str(target))


def _shorter(path: Path) -> Path:
    """``path`` relative to the working folder when it lies inside it (friendlier messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path
