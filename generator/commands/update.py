"""``postmortem update INCIDENT --status monitoring "text"``: post an update, stamped now."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from generator.commands.common import config_option, error, fail, load_site_config
from generator.errors import InputError
from generator.model.incident import UPDATE_STATUSES

if TYPE_CHECKING:
    from generator.commands.edit import Transition



def _find(incident: str, folder: Path) -> Path:
    """A file path as given, or an incident id looked up in the incidents folder."""
    given = Path(incident)
    if given.is_file():
        return given
    for suffix in (".yaml", ".yml"):
        candidate = folder / f"{incident}{suffix}"
        if candidate.is_file():
            return candidate
    hint = _did_you_mean(incident, folder)
    raise click.BadParameter(f"no incident file {incident!r} (nor {folder / incident}.yaml){hint}", param_hint="INCIDENT")


def _did_you_mean(incident: str, folder: Path) -> str:
    """``; did you mean 2025-10-25-payments-api-errors?``: ids that end with the name given, else close ones."""
    import difflib

    try:
        ids = sorted({p.stem for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file()})
    except OSError:
        return ""
    name = Path(incident).name.removesuffix(".yaml").removesuffix(".yml")
    found = [i for i in ids if i.endswith(f"-{name}")] or difflib.get_close_matches(name, ids, n=3, cutoff=0.6)
    if not found:
        undated = {i.split("-", 3)[-1]: i for i in ids if i[:4].isdigit()}  # ``payment-api-errors`` vs the dated id
        found = [undated[m] for m in difflib.get_close_matches(name, list(undated), n=3, cutoff=0.6)]
    return f"; did you mean {' or '.join(found)}?" if found else ""


def _transitions(given: tuple[str, ...], original_data: object) -> tuple[Transition, ...]:
    """``--component NAME=STATUS`` options, checked against the incident's components and the status words."""
    import difflib
    from typing import get_args

    from generator.commands.edit import Transition
    from generator.model.incident import ComponentStatus

    statuses = get_args(ComponentStatus)
    listed = original_data.get("components") if isinstance(original_data, dict) else None
    names = [str(c["name"]) for c in listed or [] if isinstance(c, dict) and c.get("name")]
    found: list[Transition] = []
    for option in given:
        name, equals, status = option.rpartition("=")
        name, status = name.strip(), status.strip()
        if not equals or not name or not status:
            raise click.BadParameter(f"{option!r}: write NAME=STATUS, e.g. \"API=partial_outage\"", param_hint="--component")
        if status not in statuses:
            close = difflib.get_close_matches(status, statuses, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise click.BadParameter(f"{option!r}: unknown status {status!r}{hint}; use one of {', '.join(statuses)}", param_hint="--component")
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1) or [n for n in names if n.casefold() == name.casefold()]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            listing = f"this incident lists {', '.join(repr(n) for n in names)}" if names else "this incident lists no components yet"
            raise click.BadParameter(f"{option!r}: unknown component {name!r}{hint}; {listing}; add it under `components` first",
                                     param_hint="--component")
        if any(t.component == name for t in found):
            raise click.BadParameter(f"{option!r}: component {name!r} is given twice", param_hint="--component")
        found.append(Transition(name, status))
    return tuple(found)


@click.command()
@click.argument("incident")
@click.argument("text")
@click.option("-s", "--status", type=click.Choice(UPDATE_STATUSES), required=True, help="Status word of the update.")
@click.option("--at", "at", default=None, metavar="ISO",
              help="Posting time instead of now, e.g. 2021-09-13T16:53 (read in the incident's zone; the file stores it "
                   "with its offset, which a time typed into the file needs) or 2021-09-13T16:53+01:00.")
@click.option("-c", "--component", "components", multiple=True, metavar="NAME=STATUS",
              help="A component's new status announced with this update (repeatable), e.g. API=partial_outage.")
@config_option
def update(incident: str, text: str, status: str, at: str | None, components: tuple[str, ...], config_path: Path | None) -> None:
    """Append a posted update to INCIDENT (a file or an id); TEXT is Markdown, or - to read stdin.

    A resolved update (completed, for a maintenance) also records `resolved_at`, and a
    monitoring update `mitigated_at`, unless the file already gives them.
    """
    from generator.clock import ClockError, iso, now_in
    from generator.commands.edit import EditError, add_update
    from generator.load import read_yaml_text
    from generator.load.files import read_capped
    from generator.model.catalog import check_incident_text
    from generator.model.incident import incident_keys
    from generator.model.types import check_zone
    from generator.write import write_file_atomically

    config, root = load_site_config(config_path)
    path = _find(incident, root / config.incidents_dir)
    from generator.load.sources import leads_out_of_project, outside_project

    if leads_out_of_project(path, root, None if path == Path(incident) else root / config.incidents_dir):
        fail([outside_project(path)])  # never read, nor written through
    body = sys.stdin.read() if text == "-" else text
    if not body.strip():
        raise click.BadParameter("the update text is empty", param_hint="TEXT")
    try:
        original = read_capped(path).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        error(f"cannot read {path}: {exc}")

    try:  # the zone comes from the file itself; the strict reader reports a broken file properly
        data = read_yaml_text(original, str(path), known_keys=incident_keys()).data
    except InputError as exc:
        fail(exc.diagnostics)
    zone_text = data.get("zone") if isinstance(data, dict) else None
    try:
        zone_name = check_zone(zone_text) if isinstance(zone_text, str) else config.zone
    except ValueError:
        zone_name = config.zone  # validation below reports the bad zone at its line and column
    transitions = _transitions(components, data)
    try:
        posted_at = now_in(zone_name, at)
    except ClockError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None

    try:
        result = add_update(original, status, posted_at, body, transitions)
    except EditError as exc:
        _error_out(path, str(exc))
    _incident, diagnostics = check_incident_text(result.text, path, config)
    if any(d.severity == "error" for d in diagnostics):
        click.echo(f"error: {path} was not changed: the update would leave it invalid", err=True)
        fail(sorted(set(diagnostics)))
    if not result.layout_kept:
        click.echo(f"warning: {path}: the file's indentation could not be kept exactly; check the diff", err=True)
    write_file_atomically(path, result.text.encode("utf-8"))
    for diagnostic in sorted(set(diagnostics)):
        click.echo(diagnostic.format(), err=True)
    changed = f"; status {result.old_status} -> {status}" if result.old_status and result.old_status != status and status != "update" else ""
    recorded = "".join(f"; {key} set to {iso(posted_at)}" for key in result.moments_set)
    click.echo(f"{path}: posted {status} update at {iso(posted_at)}{changed}{recorded}", err=True)


def _error_out(path: Path, message: str) -> NoReturn:
    click.echo(f"{path}:1:1: error: {message}", err=True)
    sys.exit(1)
