"""Publishing a build's files from the cache, and skipping it when the tree is already right.

The tree is swapped in atomically by ``generator.write.publish_tree``, with
bytes read from the cache only when needed.  After each publish the stamps
(inode, size, mtime) of every file the tool wrote are remembered:

* when a build wants exactly the same files and every stamp still matches, the
  folder already is what a full build would write, and nothing is touched;
* otherwise a file whose wanted bytes did not change and whose stamp still
  matches is hard-linked from the old tree into the new one instead of being
  written again (creating a file costs ~30x more than linking one here); the
  old tree is deleted after the swap, so no file is ever shared with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from generator.cache import BuildCache
from generator.write.tree import MANIFEST


def _stamp(path: Path) -> list[int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns]


def tree_state(out_dir: Path, digests: Mapping[str, str]) -> dict[str, Any]:
    """What the output folder looks like right after a publish."""
    return {
        "out_dir": str(out_dir.absolute()),
        "files": dict(sorted(digests.items())),
        "stamps": {name: _stamp(out_dir / name) for name in [*sorted(digests), MANIFEST]},
    }


def tree_is_current(out_dir: Path, digests: Mapping[str, str], state: dict[str, Any] | None) -> bool:
    """True when the folder still holds exactly the files last published and they are untouched."""
    if not state or state.get("out_dir") != str(out_dir.absolute()) or state.get("files") != dict(sorted(digests.items())):
        return False
    stamps = state.get("stamps", {})
    return all(stamp is not None and _stamp(out_dir / name) == stamp for name, stamp in stamps.items()) and MANIFEST in stamps


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


def publish(out_dir: Path, digests: Mapping[str, str], cache: BuildCache) -> bool:
    """Make ``out_dir`` hold exactly ``digests`` (plus the user's files); False when nothing had to change."""
    if cache.enabled and tree_is_current(out_dir, digests, cache.published):
        return False
    from generator.write import publish_tree

    previous = cache.published if cache.enabled else None
    cache.set_published(None)  # if the swap fails half-way, the next build must not trust old stamps
    publish_tree(out_dir, CachedFiles(digests, cache), reuse=_unchanged_files(out_dir, digests, previous))
    cache.set_published(tree_state(out_dir, digests))
    return True


def _unchanged_files(out_dir: Path, digests: Mapping[str, str], previous: dict[str, Any] | None) -> Callable[[str], Path | None]:
    """Old output files that provably still hold the wanted bytes: same digest, untouched stamp."""
    same_dir = bool(previous) and previous.get("out_dir") == str(out_dir.absolute())  # type: ignore[union-attr]
    old_files: dict[str, str] = previous.get("files", {}) if same_dir else {}  # type: ignore[union-attr]
    old_stamps: dict[str, list[int]] = previous.get("stamps", {}) if same_dir else {}  # type: ignore[union-attr]

    def reuse(name: str) -> Path | None:
        source = out_dir / name
        if old_files.get(name) != digests.get(name) or name not in old_stamps or _stamp(source) != old_stamps[name]:
            return None
        return source

    return reuse
