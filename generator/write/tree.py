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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

MANIFEST = ".postmortem-manifest.json"
LOCK_WAIT_VARIABLE = "POSTMORTEM_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 60.0
# Test-only: pause (seconds) at a named step so a test can SIGKILL a build at a known moment.
_PAUSE_VARIABLE = "POSTMORTEM_TEST_PAUSE"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def lock_wait_seconds() -> float:
    """How long a build waits for another build's lock: ``$POSTMORTEM_LOCK_WAIT`` or 60 s."""
    try:
        return max(0.0, float(os.environ.get(LOCK_WAIT_VARIABLE, DEFAULT_LOCK_WAIT)))
    except ValueError:
        return DEFAULT_LOCK_WAIT


def _test_pause(step: str) -> None:
    """``POSTMORTEM_TEST_PAUSE=step:seconds`` announces the step on stderr, then sleeps."""
    wanted, _, seconds = os.environ.get(_PAUSE_VARIABLE, "").partition(":")
    if wanted == step:
        os.write(2, f"paused at {step}\n".encode())
        time.sleep(float(seconds or 30))


def _remove_leftovers(out_dir: Path) -> None:
    """Delete staging and backup folders left by a build that was killed (called under the lock)."""
    backups = sorted(out_dir.parent.glob(f".{out_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if backups and not out_dir.exists() and backups[-1].is_dir():
        backups[-1].rename(out_dir)  # killed between the two renames of the fallback swap: restore the old tree
    for prefix in (f".{out_dir.name}.staging-", f".{out_dir.name}.old-"):
        for leftover in out_dir.parent.glob(prefix + "*"):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)


class BuildLockedError(Exception):
    """Another build holds the lock on the same output folder."""


@contextmanager
def output_lock(out_dir: Path, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock so two builds into one folder cannot interleave."""
    wait_seconds = lock_wait_seconds() if wait_seconds is None else wait_seconds
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
                    raise BuildLockedError(
                        f"another build is writing to {out_dir}; gave up after waiting {wait_seconds:g} s "
                        f"(lock {lock_path}; set {LOCK_WAIT_VARIABLE} to wait longer)"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class UnsafeOutputError(OSError):
    """An output name or folder that would write outside, or replace, what it should not."""


def _safe_relative(name: str) -> PurePosixPath:
    """Refuse any output name that could escape the output folder."""
    relative = PurePosixPath(name)
    if "\\" in name or "\0" in name or any(part in {"", ".", ".."} for part in name.split("/")):
        raise UnsafeOutputError(f"refusing to write outside the output folder: {name!r}")
    return relative


def _check_output_folder(out_dir: Path) -> None:
    """The whole folder is swapped, so it must not be the working folder or one of its parents."""
    here = Path.cwd().resolve()
    resolved = out_dir.resolve()
    if resolved == here or resolved in here.parents:
        raise UnsafeOutputError(f"refusing to use {out_dir} as the output folder: it contains the working folder; choose a subfolder such as output/")


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


def _link_reused(reuse: Callable[[str], Path | None] | None, name: str, target: Path) -> bool:
    """Hard-link a file that already holds the wanted bytes (cheaper than writing it again)."""
    source = reuse(name) if reuse is not None else None
    if source is None:
        return False
    try:
        os.link(source, target)
    except OSError:
        return False
    return True


def publish_tree(out_dir: Path, files: Mapping[str, bytes], *, lock_wait: float | None = None,
                 reuse: Callable[[str], Path | None] | None = None) -> None:
    """Replace the tool's files in ``out_dir`` with ``files`` in one atomic step.

    ``reuse(name)``, called under the lock, may name an existing file that
    already holds exactly ``files[name]``; it is hard-linked instead of written,
    and ``files[name]`` is then never read (so ``files`` may load lazily).
    """
    checked = {str(_safe_relative(name)): name for name in files}
    out_dir = out_dir.absolute()
    _check_output_folder(out_dir)
    with output_lock(out_dir, lock_wait):
        _remove_leftovers(out_dir)
        previous = set(read_manifest(out_dir))
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
        try:
            for index, name in enumerate(sorted(checked)):
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                if not _link_reused(reuse, name, target):
                    target.write_bytes(files[checked[name]])
                if index == 0:
                    _test_pause("staging")
            manifest = {"files": sorted(checked)}
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", "utf-8")
            _carry_over_user_files(out_dir, staging, previous | set(checked))
            os.chmod(staging, 0o755)
            _test_pause("staged")
            if out_dir.exists():
                if not _exchange(staging, out_dir):
                    backup = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
                    out_dir.rename(backup)
                    staging.rename(out_dir)
                    staging = backup
                _test_pause("swapped")
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
