"""Provenance: what a document was built from (the source commit), and for the period report when (SOURCE_DATE_EPOCH).

Two questions, one git runner:

* ``provenance``: the period report's source, the commit checked out where the
  incidents live and whether the folder differs from it.
* ``file_provenance``: an incident PDF's source, the last commit that changed
  *that file* and that commit's date (not HEAD: a commit that does not touch an
  incident must not change, and so re-render, its PDF).  One ``git log`` and one
  ``git status`` answer for every file of a build.

Git is input like any other: it runs without a shell, with a fixed environment
and options that make its output independent of the user's settings, no pager,
no file-system monitor, a timeout, and optional locks off (``status`` never
writes the index).  Git missing, refusing (an unsafe owner) or failing means
"not in a git repository", never an error.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from generator.clock import source_date
from generator.i18n import strings

GIT_TIMEOUT = 20  # seconds; a git that hangs (a network file system) gives "not in a git repository"
HASH_LENGTH = 12  # fixed, unlike git's %h (whose length grows with the repository: the same commit would print differently)
# Settings that change what log and status print, or run programs (fsmonitor), pinned whatever the user's config says.
_PINNED = ("-c", "core.fsmonitor=", "-c", "core.untrackedCache=false", "-c", "log.showSignature=false", "-c", "color.ui=never",
           "-c", "core.quotePath=false", "--no-pager")


@dataclass(frozen=True)
class Provenance:
    commit: str | None  # None: the incidents are not in a git work tree (or git is not installed)
    dirty: bool  # the incidents folder has changes not committed
    build_date: datetime | None  # SOURCE_DATE_EPOCH; None when unset


@dataclass(frozen=True)
class FileProvenance:
    """Where one incident file comes from, as its PDF states it."""

    path: str  # relative to the project, with forward slashes
    in_git: bool
    commit: str | None  # the last commit that changed the file (HASH_LENGTH hex digits); None: never committed or not in git
    committed: date | None  # that commit's date, in its committer's zone
    dirty: bool  # the file differs from that commit (or is not committed at all)
    # No build date: CI sets SOURCE_DATE_EPOCH anew on every run, and a PDF stating it would be rendered
    # again on every run, which would leave the build cache nothing to save.  The commit's date is the input's.

    def sentence(self, words: Mapping[str, str] | None = None) -> str:
        """``Built from incidents/x.yaml at commit 1a2b3c4d5e6f (2024-10-29)``, in ``words`` (a locale's, default English)."""
        words = words or strings("en")["report"]["provenance"]
        text = words["built_from"].format(path=self.path)
        if not self.in_git:
            return text + words["not_in_git"]
        if self.commit is not None:
            text += words["at_commit"].format(commit=self.commit, date=self.committed.isoformat() if self.committed else "?")
        return text + (words["uncommitted"] if self.dirty else "")

    def cache_key(self) -> str:
        """Everything here that the PDF prints, for the build cache's key."""
        return "\0".join((self.path, str(self.in_git), self.commit or "", str(self.committed or ""), str(self.dirty)))


def _git_environment() -> dict[str, str]:
    """The caller's environment without GIT_* variables, plus the fixed settings (the user's global config is kept: safe.directory)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_PAGER="cat", PAGER="cat", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    return env


def _git(folder: Path, *args: str, strip: bool = True) -> str | None:
    git = shutil.which("git")
    if git is None or not folder.is_dir():
        return None
    try:
        result = subprocess.run([git, *_PINNED, "-C", str(folder), *args], capture_output=True, timeout=GIT_TIMEOUT,
                                env=_git_environment(), check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    text = result.stdout.decode("utf-8", "surrogateescape")
    return text.strip() if strip else text


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


def _last_commits(log: str) -> dict[str, tuple[str, str]]:
    """Repository path -> (commit, date) of the newest commit naming it, from ``git log -z --name-only --format='%H %cs'``.

    Records are ``<hash> <date>\\n<path>\\0<path>\\0...`` separated by one more NUL; merges are left out
    (``--no-merges``), so every record names at least one path and a header is always the first token
    or the one after an empty token (a path is never empty, though it may contain a newline).
    """
    found: dict[str, tuple[str, str]] = {}
    header = True
    commit = day = ""
    for token in log.split("\0"):
        if not token:
            header = True
            continue
        if header:
            head, _, token = token.partition("\n")
            commit, _, day = head.partition(" ")
            header = False
        found.setdefault(token, (commit, day))
    return found


def _changed_paths(status: str) -> set[str]:
    """Repository paths that differ from HEAD, from ``git status --porcelain=v1 -z`` (a rename's old path follows it)."""
    changed: set[str] = set()
    tokens = iter(status.split("\0"))
    for token in tokens:
        if len(token) < 4:
            continue
        changed.add(token[3:])
        if token[0] in "RC":
            next(tokens, None)
    return changed


def _shown_path(file: Path, root: Path, top: Path | None) -> str:
    for base in (root, top):
        if base is not None:
            try:
                return file.relative_to(base).as_posix()
            except ValueError:
                pass
    return file.name


def file_provenance(files: Iterable[Path], root: Path) -> dict[Path, FileProvenance]:
    """Each file's provenance (keyed by the path as given), from one pass of git over their folders.

    ``root`` is the project folder that printed paths are relative to.
    """
    given = list(dict.fromkeys(files))
    absolute = {file: Path(os.path.abspath(file)) for file in given}
    root = Path(os.path.abspath(root))
    folders = sorted({str(path.parent) for path in absolute.values()})
    top_text = _git(Path(os.path.commonpath(folders)), "rev-parse", "--show-toplevel") if folders else None
    top = Path(os.path.abspath(top_text)) if top_text else None
    commits: dict[str, tuple[str, str]] = {}
    changed: set[str] = set()
    if top is not None:
        inside = [f for f in folders if Path(f).is_relative_to(top)]
        log = _git(top, "log", "--no-merges", "--no-renames", "--no-ext-diff", "-z", "--name-only", "--format=format:%H %cs",
                   "--", *inside, strip=False) if inside else ""
        status = _git(top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *inside, strip=False) if inside else ""
        if log is None or status is None:
            top = None
        else:
            commits, changed = _last_commits(log), _changed_paths(status)
    found: dict[Path, FileProvenance] = {}
    for file, path in absolute.items():
        shown = _shown_path(path, root, top)
        if top is None or not path.is_relative_to(top):
            found[file] = FileProvenance(shown, False, None, None, False)
            continue
        in_repository = path.relative_to(top).as_posix()
        commit, day = commits.get(in_repository, (None, None))
        committed = None
        if day:
            try:
                committed = date.fromisoformat(day)
            except ValueError:
                committed = None
        dirty = commit is None or in_repository in changed
        found[file] = FileProvenance(shown, True, commit[:HASH_LENGTH] if commit else None, committed, dirty)
    return found
