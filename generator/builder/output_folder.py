"""The output folder's guards: the lock that keeps two builds apart, and the checks on what may be written.

The lock is an ``flock`` on the output folder's parent folder: a lock file would sit beside the
output folder and be published with it. The checks refuse an output folder that holds the
project itself and any output name that could escape the folder.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_WAIT_VARIABLE = "POSTMORTEM_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 60.0
_BAD_PARTS = frozenset({"", ".", ".."})


def lock_wait_seconds() -> float:
    """How long a build waits for another build's lock: ``$POSTMORTEM_LOCK_WAIT`` or 60 s."""
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_VARIABLE, DEFAULT_LOCK_WAIT)))
    except ValueError:
        return DEFAULT_LOCK_WAIT


def real_folder(out_dir: Path) -> Path:
    """``out_dir`` made absolute with symlinks followed: a symlinked output folder is written through, never replaced."""
    return Path(os.path.realpath(out_dir))


class BuildLockedError(Exception):
    """Another build holds the lock on the same output folder."""


@contextmanager
def output_lock(out_dir: Path, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock so two builds into one folder cannot interleave.

    The lock is an ``flock`` on the parent folder itself: a lock file would sit
    beside the output folder and be published with it.
    """
    wait_seconds = lock_wait_seconds() if wait_seconds is None else wait_seconds
    parent = real_folder(out_dir).parent
    parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        deadline = time.monotonic() + wait_seconds
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and wait_seconds > 0:
                    print(f"waiting for another build to finish writing to {out_dir}", file=sys.stderr, flush=True)
                    told = True
                if time.monotonic() >= deadline:
                    raise BuildLockedError(
                        f"another build is writing to {out_dir}; gave up after waiting {wait_seconds:g} s "
                        f"(set {LOCK_WAIT_VARIABLE} to wait longer)"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


class UnsafeOutputError(OSError):
    """An output name or folder that would write outside, or replace, what it should not."""


def check_name(name: str) -> None:
    """Refuse any output name that could escape the output folder (or that a path would spell differently)."""
    if "\\" in name or "\0" in name or any(part in _BAD_PARTS for part in name.split("/")):
        raise UnsafeOutputError(f"refusing to write outside the output folder: {name!r}")


class OutputClashError(Exception):
    """Files the user put in the output folder stand where this build's outputs must go."""


def check_output_folder(out_dir: Path, protected: Iterable[Path] = (), private: Iterable[Path] = ()) -> None:
    """The whole folder is swapped, so it must not be, nor contain, the working folder or a protected path.

    ``protected`` names what the project is made of (its root, ``incidents/``,
    the config, templates), so the guard holds whatever the working folder is.
    ``private`` names the build's own state (the cache, with every validated
    incident, internal fields included, and ``.postmortem-state/`` with the key):
    the output folder, which gets published, must not be nor lie inside them.
    """
    resolved = real_folder(out_dir)
    for path in private:
        real = real_folder(path)
        if resolved == real or real in resolved.parents:
            raise UnsafeOutputError(f"refusing to use {out_dir} as the output folder: it is inside {path}, the build's private "
                                    "state, which must never be published; choose a folder such as output/")
    for path in [Path.cwd(), *protected]:
        real = real_folder(path)
        if resolved == real or resolved in real.parents:
            what = "the working folder" if path == Path.cwd() else str(path)
            raise UnsafeOutputError(f"refusing to use {out_dir} as the output folder: it contains {what}; choose a subfolder such as output/")
