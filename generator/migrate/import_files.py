"""Decide where each imported incident goes and write it without destroying anyone's edits.

A file is found again by the status-page id in its header, so a renamed
incident keeps its file and a second import of the same export writes nothing.
A file whose YAML no longer matches the digest the import recorded has been
edited by a person: it is skipped unless ``--force``.  Every file is validated
in memory before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Diagnostic
from generator.load.files import read_capped
from generator.load.sources import find_incident_files, leads_out_of_project
from generator.migrate.incident_yaml import dump_body, incident_file, source_of, unedited
from generator.migrate.statuspage_import import ImportedIncident
from generator.model.catalog import check_incident_text
from generator.model.config import SiteConfig
from generator.model.ids import MAX_ID_CHARS, slugify
from generator.write import write_file_atomically


@dataclass
class ImportResult:
    """What an import did (or would do), file by file."""

    new: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def existing_files(out_dir: Path) -> tuple[dict[str, Path], set[str]]:
    """Imported files by status-page incident id, and every incident id (file stem) in use."""
    by_source: dict[str, Path] = {}
    stems: set[str] = set()
    if not out_dir.is_dir():
        return by_source, stems
    for path in find_incident_files(out_dir):
        stems.add(path.stem.casefold())
        if leads_out_of_project(path, out_dir, out_dir):  # the folder as its own project, even when it is a link
            continue  # a link leading out of the folder is never read (nor taken for an earlier import)
        try:
            head = read_capped(path).decode("utf-8", errors="replace")[:2000]
        except OSError:
            continue
        _page, incident = source_of(head)
        if incident:
            by_source.setdefault(incident, path)
    return by_source, stems


def choose_paths(items: list[ImportedIncident], out_dir: Path) -> dict[str, Path]:
    """A stable, collision-free path per source id: its earlier file, else ``<date>-<slug>``."""
    by_source, stems = existing_files(out_dir)
    wanted: dict[str, int] = {}
    for item in items:
        if item.source_id not in by_source:
            key = f"{item.day}-{item.slug}".casefold()
            wanted[key] = wanted.get(key, 0) + 1
    paths: dict[str, Path] = {}
    for item in sorted(items, key=lambda i: (i.day, i.source_id)):
        if item.source_id in by_source:
            paths[item.source_id] = by_source[item.source_id]
            continue
        name = f"{item.day}-{item.slug}"
        if name.casefold() in stems or wanted[name.casefold()] > 1:
            suffix = slugify(item.source_id, 20)  # the id stays within its 80 characters: the title's slug gives way
            name = f"{item.day}-{slugify(item.slug, MAX_ID_CHARS - len(item.day) - len(suffix) - 2)}-{suffix}"
        stems.add(name.casefold())
        paths[item.source_id] = out_dir / f"{name}.yaml"
    return paths


def write_import(items: list[ImportedIncident], out_dir: Path, config: SiteConfig, *, force: bool = False, dry_run: bool = False) -> ImportResult:
    """Write every incident that is new or changed; leave edited files alone unless forced.

    Each file is checked in memory first, as ``validate`` will read it in this project (``config``).
    """
    result = ImportResult()
    paths = choose_paths(items, out_dir)
    seen: set[str] = set()
    for item in items:
        if item.source_id in seen:
            result.skipped.append((paths[item.source_id], f"incident {item.source_id} appears more than once in the export; kept the first"))
            continue
        seen.add(item.source_id)
        path = paths[item.source_id]
        text = incident_file(dump_body(item.data), page_id=item.page_id, incident_id=item.source_id, backfilled=item.backfilled)
        _incident, problems = check_incident_text(text, path, config)
        result.diagnostics.extend(problems)
        if any(d.severity == "error" for d in problems):
            result.skipped.append((path, "the converted incident does not validate"))
            continue
        try:
            current = path.read_text(encoding="utf-8") if path.exists() else None
        except (OSError, UnicodeDecodeError) as exc:
            result.skipped.append((path, f"cannot read the existing file ({exc})"))
            continue
        if current == text:
            result.unchanged.append(path)
            continue
        if current is not None and not force and not unedited(current):
            result.skipped.append((path, "edited since it was imported; use --force to overwrite"))
            continue
        (result.new if current is None else result.changed).append(path)
        if not dry_run:
            write_file_atomically(path, text.encode("utf-8"))
    return result
