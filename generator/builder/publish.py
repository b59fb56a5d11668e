"""Publishing a build's files from the cache, and skipping it when the tree is already right.

The tree is swapped in atomically by ``generator.builder.tree.swap_in_tree``, with
bytes read from the cache only when needed.  After each publish the stamps
(inode, size, mtime) of every file the tool wrote are remembered:

* when a build wants exactly the same files and every stamp still matches, the
  folder already is what a full build would write, and nothing is touched;
* otherwise the previous tree, kept beside the output folder as the *spare*,
  is brought up to date in place and swapped in: a spare file is kept when its
  recorded digest is the wanted one and its stamp still matches, else an
  output file with the wanted digest and a matching stamp is hard-linked in
  (creating a file costs far more than linking one), else the bytes are
  written.  Without a known spare a fresh tree is staged the same way.

A recorded state is a set of claims "the file with this stamp holds these
bytes".  No file is ever modified in place (a new inode is renamed over it),
so a claim whose stamp still matches is true wherever that file now is: the
output folder, the spare, or a tree half-updated by a build that was killed.
That is why neither state is dropped before publishing: a build killed at any
point leaves claims that are stale but never false, and the next build checks
every stamp.  (A new file cannot match an old claim: even if it gets a freed
inode number back, its mtime is later.  As before, an edit that keeps a file's
size and puts its mtime back is not noticed.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from generator.builder.cache import BuildCache
from generator.builder.tree import Stamp, swap_in_tree

LAYOUT = 2  # states recorded before the output folder stopped holding the manifest are not trusted


def _stamp(path: Path) -> list[int] | None:
    try:
        status = os.lstat(path)
    except OSError:
        return None
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def tree_state(out_dir: Path, digests: Mapping[str, str], stamps: Mapping[str, Stamp] | None = None) -> dict[str, Any]:
    """What the output folder looks like right after a publish (``stamps`` as the publish saw them, else read now)."""
    names = sorted(digests)
    return {
        "layout": LAYOUT,
        "out_dir": str(out_dir.absolute()),
        "files": dict(sorted(digests.items())),
        "stamps": {name: stamps.get(name) if stamps is not None else _stamp(out_dir / name) for name in names},
    }


def tree_is_current(out_dir: Path, digests: Mapping[str, str], state: dict[str, Any] | None) -> bool:
    """True when the folder still holds exactly the files last published and they are untouched."""
    if not state or state.get("layout") != LAYOUT or state.get("out_dir") != str(out_dir.absolute()) \
            or state.get("files") != dict(sorted(digests.items())):
        return False
    stamps = state.get("stamps")
    if not isinstance(stamps, dict) or set(stamps) != set(digests):
        return False
    root = str(out_dir.absolute())
    for name, stamp in stamps.items():  # string paths: a Path per file would double the cost of a no-op build's check
        try:
            status = os.lstat(f"{root}/{name}")
        except OSError:
            return False
        if [status.st_ino, status.st_size, status.st_mtime_ns] != stamp:
            return False
    return True


class CachedFiles(Mapping[str, bytes]):
    """Output names mapped to bytes read from the cache on demand (linked files are never read)."""

    def __init__(self, digests: Mapping[str, str], cache: BuildCache):
        self.digests, self.cache = digests, cache

    def __getitem__(self, name: str) -> bytes:
        return self.cache.read_object(self.digests[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self.digests)

    def __len__(self) -> int:
        return len(self.digests)


def publish(out_dir: Path, digests: Mapping[str, str], cache: BuildCache, *, state_dir: Path | None = None,
            protected: Iterable[Path] = ()) -> bool:
    """Make ``out_dir`` hold exactly ``digests`` (plus the user's files); False when nothing had to change.

    ``state_dir`` is the project's private state folder (``.postmortem-state``), ``protected`` what
    the output folder must never contain (see ``generator.builder.tree``).
    """
    if cache.enabled and tree_is_current(out_dir, digests, cache.published):
        return False
    previous = _state_for(out_dir, cache.published) if cache.enabled else None
    spare = _state_for(out_dir, cache.spare) if cache.enabled else None
    result = swap_in_tree(out_dir, CachedFiles(digests, cache), state_dir=state_dir, protected=protected,
                          reuse=_unchanged_files(out_dir, digests, previous),
                          spare_holds=None if spare is None else _spare_holds(digests, spare, previous))
    cache.set_published(tree_state(out_dir, digests, result.stamps))
    cache.set_spare(previous if result.swapped else spare)  # stamps survive the rename: the old tree's state is the spare's
    return True


def _state_for(out_dir: Path, state: dict[str, Any] | None) -> dict[str, Any] | None:
    """``state`` when it was recorded for this output folder."""
    return state if isinstance(state, dict) and state.get("layout") == LAYOUT and state.get("out_dir") == str(out_dir.absolute()) else None


def _unchanged_files(out_dir: Path, digests: Mapping[str, str], previous: dict[str, Any] | None) -> Callable[[str], Path | None]:
    """Old output files that provably still hold the wanted bytes: same digest, untouched stamp."""
    old_files: dict[str, str] = previous.get("files", {}) if previous else {}
    old_stamps: dict[str, list[int]] = previous.get("stamps", {}) if previous else {}

    def reuse(name: str) -> Path | None:
        source = out_dir / name
        if old_files.get(name) != digests.get(name) or name not in old_stamps or _stamp(source) != old_stamps[name]:
            return None
        return source

    return reuse


def _spare_holds(digests: Mapping[str, str], spare: dict[str, Any], previous: dict[str, Any] | None) -> Callable[[str, Stamp], bool]:
    """Whether a spare file (by name and current stamp) provably holds the wanted bytes.

    Any recorded claim will do: the spare's own, or the output's (a file the
    two trees share by a hard link has the output's stamp).
    """
    spare_files, spare_stamps = spare.get("files", {}), spare.get("stamps", {})
    old_files, old_stamps = (previous.get("files", {}), previous.get("stamps", {})) if previous else ({}, {})

    def holds(name: str, stamp: Stamp) -> bool:
        wanted = digests[name]
        return (spare_stamps.get(name) == stamp and spare_files.get(name) == wanted) or \
            (old_stamps.get(name) == stamp and old_files.get(name) == wanted)

    return holds
