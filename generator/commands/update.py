"""``postmortem update INCIDENT --status monitoring "text"``: post an update, stamped now."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from generator.cli import _error, _fail, _load_config, common_config
from generator.errors import Diagnostic, InputError

UPDATE_STATUSES = ["investigating", "identified", "update", "monitoring", "resolved", "postmortem",
                   "scheduled", "in_progress", "verifying", "completed"]


def _find(incident: str, folder: Path) -> Path:
    """A file path as given, or an incident id looked up in the incidents folder."""
    given = Path(incident)
    if given.is_file():
        return given
    for suffix in (".yaml", ".yml"):
        candidate = folder / f"{incident}{suffix}"
        if candidate.is_file():
            return candidate
    raise click.BadParameter(f"no incident file {incident!r} (nor {folder / incident}.yaml)", param_hint="INCIDENT")


def _validate_text(text: str, path: Path, config) -> list[Diagnostic]:  # type: ignore[no-untyped-def]
    """Every problem the edited text would have, checked before anything is written."""
    from generator.load import read_yaml_text
    from generator.model.catalog import _apply_defaults
    from generator.model.checks import check_incident
    from generator.model.incident import Incident
    from generator.model.validate import validate_document

    try:
        document = read_yaml_text(text, str(path))
    except InputError as exc:
        return exc.diagnostics
    _apply_defaults(document, config)
    incident, diagnostics = validate_document(document, Incident)
    if incident is None:
        return diagnostics
    return check_incident(incident, document.path, document.positions)


@click.command()
@click.argument("incident")
@click.argument("text")
@click.option("-s", "--status", type=click.Choice(UPDATE_STATUSES), required=True, help="Status word of the update.")
@click.option("--at", "at", default=None, metavar="ISO",
              help="Posting time instead of now, e.g. 2021-09-13T16:53 (incident zone) or with an offset.")
@common_config
def update(incident: str, text: str, status: str, at: str | None, config_path: Path | None) -> None:
    """Append a posted update to INCIDENT (a file or an id); TEXT is Markdown, or - to read stdin."""
    from generator.clock import ClockError, iso, now_in
    from generator.edit import EditError, add_update
    from generator.load import read_yaml_text
    from generator.load.files import read_capped
    from generator.model.types import _zone
    from generator.write import write_file_atomically

    config, root = _load_config(config_path)
    path = _find(incident, root / config.incidents_dir)
    body = sys.stdin.read() if text == "-" else text
    if not body.strip():
        raise click.BadParameter("the update text is empty", param_hint="TEXT")
    try:
        original = read_capped(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _error(f"cannot read {path}: {exc}")

    try:  # the zone comes from the file itself; the strict reader reports a broken file properly
        data = read_yaml_text(original, str(path)).data
    except InputError as exc:
        _fail(exc.diagnostics)
    zone_text = data.get("zone") if isinstance(data, dict) else None
    try:
        zone_name = _zone(zone_text) if isinstance(zone_text, str) else config.zone
    except ValueError:
        zone_name = config.zone  # validation below reports the bad zone at its line and column
    try:
        posted_at = now_in(zone_name, at)
    except ClockError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None

    try:
        result = add_update(original, status, posted_at, body)
    except EditError as exc:
        _error_out(path, str(exc))
    diagnostics = _validate_text(result.text, path, config)
    if any(d.severity == "error" for d in diagnostics):
        click.echo(f"error: {path} was not changed: the update would leave it invalid", err=True)
        _fail(sorted(set(diagnostics)))
    if not result.layout_kept:
        click.echo(f"warning: {path}: the file's indentation could not be kept exactly; check the diff", err=True)
    write_file_atomically(path, result.text.encode("utf-8"))
    for diagnostic in sorted(set(diagnostics)):
        click.echo(diagnostic.format(), err=True)
    changed = f"; status {result.old_status} -> {status}" if result.old_status and result.old_status != status and status != "update" else ""
    click.echo(f"{path}: posted {status} update at {iso(posted_at)}{changed}", err=True)


def _error_out(path: Path, message: str) -> NoReturn:
    click.echo(f"{path}:1:1: error: {message}", err=True)
    sys.exit(1)
