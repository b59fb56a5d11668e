"""Publish a whole output tree atomically, under a lock, keeping the user's own files.

The new tree is written into a staging folder beside the output folder and
swapped in with one ``renameat2(RENAME_EXCHANGE)`` call, so a reader (or a
build killed with SIGKILL) sees either the old tree or the new one, never a
mix.  A manifest records which files the tool wrote; any other file in the
output folder belongs to the user and is carried over untouched.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

MANIFEST = ".postmortem-manifest.json"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class BuildLockedError(Exception):
    """Another build holds the lock on the same output folder."""


@contextmanager
def output_lock(out_dir: Path, wait_seconds: float = 60.0) -> Iterator[None]:
    """Hold an exclusive lock so two builds into one folder cannot interleave."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir.parent / f".{out_dir.name}.lock"
    with open(lock_path, "a+") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildLockedError(f"another build is writing to {out_dir} (lock {lock_path})") from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _safe_relative(name: str) -> PurePosixPath:
    """Refuse any output name that could escape the output folder."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or not relative.parts or any(part in {"", ".", ".."} for part in relative.parts):
        raise ValueError(f"refusing to write outside the output folder: {name!r}")
    return relative


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in {errno.EINVAL, errno.ENOSYS}:
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(a))


def read_manifest(out_dir: Path) -> list[str]:
    try:
        return list(json.loads((out_dir / MANIFEST).read_text("utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _carry_over_user_files(out_dir: Path, staging: Path, ours: set[str]) -> None:
    """Hard-link (or copy) files the tool did not write into the new tree."""
    if not out_dir.is_dir():
        return
    for path in out_dir.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        relative = path.relative_to(out_dir).as_posix()
        if relative in ours or relative == MANIFEST or (staging / relative).exists():
            continue
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


def publish_tree(out_dir: Path, files: Mapping[str, bytes], *, lock_wait: float = 60.0) -> None:
    """Replace the tool's files in ``out_dir`` with ``files`` in one atomic step."""
    checked = {str(_safe_relative(name)): data for name, data in files.items()}
    out_dir = out_dir.absolute()
    with output_lock(out_dir, lock_wait):
        previous = set(read_manifest(out_dir))
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
        try:
            for name in sorted(checked):
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(checked[name])
            manifest = {"files": sorted(checked)}
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
            _carry_over_user_files(out_dir, staging, previous | set(checked))
            os.chmod(staging, 0o755)
            if out_dir.exists():
                if not _exchange(staging, out_dir):
                    backup = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
                    out_dir.rename(backup)
                    staging.rename(out_dir)
                    staging = backup
            else:
                staging.rename(out_dir)
                return
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def write_file_atomically(path: Path, data: bytes) -> None:
    """Write one file through a temporary sibling and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
