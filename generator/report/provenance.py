"""Provenance: what a report was built from (the source commit) and when (SOURCE_DATE_EPOCH, never the clock)."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from generator.clock import source_date


@dataclass(frozen=True)
class Provenance:
    commit: str | None  # None: the incidents are not in a git work tree (or git is not installed)
    dirty: bool  # the incidents folder has changes not committed
    build_date: datetime | None  # SOURCE_DATE_EPOCH; None when unset


def _git(folder: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None or not folder.is_dir():
        return None
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    try:
        result = subprocess.run([git, "-C", str(folder), *args], capture_output=True, text=True, timeout=20, env=env,
                                check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def provenance(incidents_folder: Path) -> Provenance:
    """The commit checked out where the incidents live, whether they differ from it, and the build date.

    Raises ``generator.clock.SourceDateError`` for a malformed SOURCE_DATE_EPOCH (a usage error).
    """
    built = source_date()
    commit = _git(incidents_folder, "rev-parse", "--verify", "HEAD")
    if commit is None:
        return Provenance(None, False, built)
    changes = _git(incidents_folder, "status", "--porcelain", "--untracked-files=all", "--", ".")
    return Provenance(commit, bool(changes), built)
