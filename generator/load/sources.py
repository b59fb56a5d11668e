"""Which incident files a command reads: the ones named on its command line, or its incidents folder.

Kept apart from the load pipeline (``generator.model.catalog``) because every build needs it, a
no-op build included, and the pipeline imports the incident models and the Markdown parser.

Git stores symlinks, so a pull request can add ``incidents/x.yaml -> /home/runner/.config/gh/hosts.yml``.
A file whose path lies in the project folder must therefore also resolve inside it, or it is refused
unread (``OUTSIDE_PROJECT``): its values would come back in error messages in a CI log, and a YAML file
elsewhere on the machine could be built into a public page.  Files named on the command line by a
path outside the project are the user's own choice and are read wherever they lead.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from generator.errors import Diagnostic

OUTSIDE_PROJECT = ("a symlink leading outside the project folder: not read. Keep the project's files inside it "
                   "(a symlink within it is fine), or name a file elsewhere on the command line by its own path")


class Sources(NamedTuple):
    """The incident files to read, and the refusals (``path:1:1`` errors) of those that lead out of the project."""

    files: list[Path]
    refused: list[Diagnostic]


def collect_sources(paths: Iterable[Path], incidents_dir: Path, project: Path) -> Sources:
    """The files named on the command line (folders searched), or every incident under ``incidents_dir``.

    ``project``: the project folder (the config's folder, else the working folder).
    """
    chosen = list(paths)
    files: list[Path] = []
    refused: list[Diagnostic] = []
    for path in chosen or [incidents_dir]:
        if chosen and not path.is_dir():
            if leads_out_of_project(path, project):
                refused.append(outside_project(path))
            else:
                files.append(path)
            continue
        allowed = _allowed(path, project)
        folder_inside = _inside(Path(os.path.realpath(path)), allowed)
        for found, linked in _walk(path):
            # A file that is no symlink lies where its folder really is (the walk enters no symlinked folder): no realpath for it.
            if _inside(Path(os.path.realpath(found)), allowed) if linked else folder_inside:
                files.append(found)
            else:
                refused.append(outside_project(found))
    return Sources(files, refused)


def outside_project(path: Path | str) -> Diagnostic:
    """The refusal of ``path`` (nothing of it is read, so nothing of it is quoted)."""
    return Diagnostic(str(path), 1, 1, OUTSIDE_PROJECT)


def leads_out_of_project(path: Path, project: Path, folder: Path | None = None) -> bool:
    """True when ``path`` must not be read: it lies in the project as named but resolves outside it.

    ``folder``: the folder ``path`` was found in.  A folder named (by the config or the command line)
    by a path outside the project is the user's choice: its own tree is allowed too.  A file named on
    the command line by a path outside the project (``folder`` None) is read wherever it leads.
    """
    if folder is None and not Path(os.path.abspath(path)).is_relative_to(os.path.realpath(project)):
        return False
    return not _inside(Path(os.path.realpath(path)), _allowed(folder, project))


def _inside(real: Path, allowed: list[Path]) -> bool:
    return any(real.is_relative_to(root) for root in allowed)


def _allowed(folder: Path | None, project: Path) -> list[Path]:
    """Where files found in ``folder`` may lead: the project, and ``folder``'s own tree when it is named outside the project."""
    project = Path(os.path.realpath(project))
    if folder is not None and not Path(os.path.abspath(folder)).is_relative_to(project):
        return [project, Path(os.path.realpath(folder))]
    return [project]


def find_incident_files(folder: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` entry under ``folder`` but folders, in a stable order.

    A FIFO, device or broken symlink is listed too, so that reading it gives a
    clear error (it is never read: see ``generator.load.files``) instead of being skipped.
    """
    return [path for path, _linked in _walk(folder)]


def _walk(folder: Path) -> list[tuple[Path, bool]]:
    """``find_incident_files`` with, for each, whether it is a symlink (from the folder listing: no call per file)."""
    found: list[tuple[Path, bool]] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    path = current / entry.name
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(path)
                    elif path.suffix in {".yaml", ".yml"} and not entry.is_dir():  # a symlinked folder is neither walked nor listed
                        found.append((path, entry.is_symlink()))
        except OSError:  # a missing or unreadable folder holds nothing, as for Path.rglob
            continue
    return sorted(found)
