"""Which incident files a command reads: the ones named on its command line, or its incidents folder.

Kept apart from the load pipeline (``generator.model.catalog``) because every build needs it, a
no-op build included, and the pipeline imports the incident models and the Markdown parser.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def collect_sources(paths: Iterable[Path], incidents_dir: Path) -> list[Path]:
    """The files named on the command line (folders searched), or every incident under ``incidents_dir``."""
    chosen = list(paths)
    if chosen:
        files: list[Path] = []
        for path in chosen:
            files.extend(find_incident_files(path) if path.is_dir() else [path])
        return files
    return find_incident_files(incidents_dir)


def find_incident_files(folder: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` entry under ``folder`` but folders, in a stable order.

    A FIFO, device or broken symlink is listed too, so that reading it gives a
    clear error (it is never read: see ``generator.load.files``) instead of being skipped.
    """
    return sorted(p for p in folder.rglob("*") if p.suffix in {".yaml", ".yml"} and not p.is_dir())
