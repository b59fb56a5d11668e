"""Publish a whole output tree atomically, under a lock, keeping the user's own files.

The new tree is assembled out of sight beside the output folder and swapped in
with one ``renameat2(RENAME_EXCHANGE)`` call, so a reader (or a build killed
with SIGKILL) sees either the old tree or the new one, never a mix.  A manifest
records which files the tool wrote; any other file in the output folder belongs
to the user and is carried over untouched.

Double buffering: the tree that a swap replaces is not deleted but kept as the
*spare* (``.<name>.spare`` beside the output folder).  The next publish brings
the spare up to date in place and exchanges it with the output folder again, so
in steady state no directory is created or removed and only changed files get
new inodes.  Creating and freeing inodes is what costs here: ext4 without a
journal makes every new inode scan past the ones freed in the last minutes.
The spare only ever holds a tree that was already published (the previous
public output and the user's files), so nothing new can leak through it.

Files are never modified in place: the two trees share inodes through hard
links, so a file is replaced by a new inode (or a link) renamed over it.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import itertools
import json
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

MANIFEST = ".postmortem-manifest.json"
LOCK_WAIT_VARIABLE = "POSTMORTEM_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 60.0
# Test-only: pause (seconds) at a named step so a test can SIGKILL a build at a known moment.
_PAUSE_VARIABLE = "POSTMORTEM_TEST_PAUSE"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_TEMPORARY = ".postmortem-new-"  # prefix of a file being placed in the spare (a stray if a build was killed)
_counter = itertools.count()
_BAD_PARTS = frozenset({"", ".", ".."})

Stamp = list[int]  # [st_ino, st_size, st_mtime_ns]: an inode that still has it still holds the same bytes


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


def spare_folder(out_dir: Path) -> Path:
    """Where the previous tree waits to become the next one (beside ``out_dir``, so renames stay on one filesystem)."""
    return out_dir.parent / f".{out_dir.name}.spare"


def stamp_of(status: os.stat_result) -> Stamp:
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def _remove_leftovers(out_dir: Path) -> None:
    """Delete staging and backup folders left by a build that was killed (called under the lock; not the spare)."""
    backups = sorted(out_dir.parent.glob(f".{out_dir.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if backups and not out_dir.exists() and backups[-1].is_dir():
        backups[-1].rename(out_dir)  # killed between the two renames of the fallback swap: restore the old tree
    for prefix in (f".{out_dir.name}.staging-", f".{out_dir.name}.old-"):
        for leftover in out_dir.parent.glob(prefix + "*"):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)


def _discard(path: Path) -> None:
    """Remove whatever is at ``path`` without following a symlink out of it."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(FileNotFoundError):
            os.unlink(path)


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
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and wait_seconds > 0:
                    print(f"waiting for another build to finish writing to {out_dir} (lock {lock_path})", file=sys.stderr, flush=True)
                    told = True
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


def _check_name(name: str) -> None:
    """Refuse any output name that could escape the output folder (or that a path would spell differently)."""
    if "\\" in name or "\0" in name or any(part in _BAD_PARTS for part in name.split("/")):
        raise UnsafeOutputError(f"refusing to write outside the output folder: {name!r}")


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


@dataclass
class _Walk:
    """A tree's entries by relative POSIX name (one ``os.scandir`` per folder, no ``Path`` objects)."""

    files: dict[str, os.DirEntry[str]]  # regular files
    dirs: list[str]
    others: list[str]  # symlinks, sockets, ...: never followed, never wanted


def _walk(root: str) -> _Walk:
    """Every entry under ``root``; symlinks are listed, not followed, so a walk never leaves the tree."""
    found = _Walk({}, [], [])
    pending = [("", root)]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    found.dirs.append(name)
                    pending.append((name + "/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    found.files[name] = entry
                else:
                    found.others.append(name)
    return found


def _parents(names: Iterable[str], into: set[str]) -> set[str]:
    """Add every folder that ``names`` need (``a`` and ``a/b`` for ``a/b/c``) to ``into``."""
    for name in names:
        cut = name.rfind("/")
        while cut > 0 and name[:cut] not in into:
            into.add(name[:cut])
            cut = name.rfind("/", 0, cut)
    return into


@dataclass
class _Plan:
    """What the published tree must hold: the tool's files, then the user's files from the output folder."""

    files: Mapping[str, bytes]
    names: list[str]  # sorted
    tool: set[str]  # the same names, to look up without touching ``files`` (which may read bytes to answer ``in``)
    manifest: bytes
    user: dict[str, os.DirEntry[str]]  # the user's files in the output folder, by name
    dirs: set[str]  # every folder the tree needs
    reuse: Callable[[str], Path | None] | None


def _plan(out_dir: Path, files: Mapping[str, bytes], reuse: Callable[[str], Path | None] | None) -> _Plan:
    """Find the user's files: those in the output folder that the previous manifest does not name.

    A user file never replaces a tool file, nor a folder the tool needs, nor sits below a tool file.
    """
    names = sorted(files)
    tool = set(names)
    tool_dirs = _parents(names, set())
    user: dict[str, os.DirEntry[str]] = {}
    if out_dir.is_dir():
        ours = set(read_manifest(out_dir))
        for name, entry in _walk(str(out_dir)).files.items():
            if name in tool or name in ours or name == MANIFEST or name in tool_dirs:
                continue
            if any(name[:cut] in tool for cut in range(len(name)) if name[cut] == "/"):
                continue
            user[name] = entry
    manifest = (json.dumps({"files": names}, indent=1) + "\n").encode()
    return _Plan(files, names, tool, manifest, user, _parents(user, tool_dirs), reuse)


def _link(source: str | Path, target: str) -> bool:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        return False
    return True


def _temporary(folder: str) -> str:
    return f"{folder}/{_TEMPORARY}{os.getpid()}-{next(_counter)}"


def _replace_with_bytes(folder: str, target: str, data: bytes) -> None:
    """Give ``target`` a new inode holding ``data`` (written beside it, then renamed over it)."""
    temporary = _temporary(folder)
    try:
        with open(temporary, "xb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except FileExistsError:
        _replace_with_bytes(folder, target, data)  # a stray of the same name: try the next one
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _replace_with_link(folder: str, target: str, source: str | Path) -> bool:
    """Make ``target`` another name of ``source``'s inode; False when it cannot be linked."""
    while True:
        temporary = _temporary(folder)
        try:
            os.link(source, temporary, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:
            return False
        break
    os.replace(temporary, target)
    with suppress(FileNotFoundError):
        os.unlink(temporary)  # rename() does nothing when both names are already links to one inode
    return True


def _stage(staging: str, plan: _Plan) -> dict[str, Stamp]:
    """Write the whole tree into a new, empty folder (hard-linking what ``plan.reuse`` names)."""
    for folder in sorted(plan.dirs):
        os.mkdir(f"{staging}/{folder}")
    stamps: dict[str, Stamp] = {}
    for index, name in enumerate(plan.names):
        target = f"{staging}/{name}"
        source = plan.reuse(name) if plan.reuse is not None else None
        if source is None or not _link(source, target):
            with open(target, "xb") as stream:
                stream.write(plan.files[name])
        stamps[name] = stamp_of(os.lstat(target))
        if index == 0:
            _test_pause("staging")
    with open(f"{staging}/{MANIFEST}", "xb") as stream:
        stream.write(plan.manifest)
    stamps[MANIFEST] = stamp_of(os.lstat(f"{staging}/{MANIFEST}"))
    for name, entry in plan.user.items():
        if not _link(entry.path, f"{staging}/{name}"):
            shutil.copy2(entry.path, f"{staging}/{name}")
    return stamps


def _refresh_spare(spare: str, plan: _Plan, holds: Callable[[str, Stamp], bool]) -> dict[str, Stamp]:
    """Bring the spare up to date in place: drop what is not wanted, keep what ``holds`` vouches for, place the rest.

    Why a build killed half-way through cannot make the next one trust a wrong
    file: the spare's recorded state stays on disk while it is being changed,
    but it is only a list of claims "a file with this stamp (inode, size,
    mtime) holds these bytes".  No inode is rewritten here; a name is removed,
    or renamed over by a new file (whose stamp no claim has) or by a link to
    an output file whose own claim was just checked.  So every claim that
    still matches a stamp is still true, a file changed here fails its old
    check next time and is placed again, and what it left in the way (strays,
    temporaries) is removed because nothing wants it.
    """
    tree = _walk(spare)
    for name in tree.others:
        os.unlink(f"{spare}/{name}")
    for name in tree.files:
        if name not in plan.tool and name not in plan.user and name != MANIFEST:
            os.unlink(f"{spare}/{name}")
    for folder in sorted(tree.dirs, reverse=True):  # children before their parents
        if folder not in plan.dirs:
            os.rmdir(f"{spare}/{folder}")
    for folder in sorted(plan.dirs.difference(tree.dirs)):
        os.mkdir(f"{spare}/{folder}")
    stamps: dict[str, Stamp] = {}
    for index, name in enumerate(plan.names):
        target = f"{spare}/{name}"
        entry = tree.files.get(name)
        if entry is not None and holds(name, stamp := stamp_of(entry.stat(follow_symlinks=False))):
            stamps[name] = stamp
        else:
            source = plan.reuse(name) if plan.reuse is not None else None
            if source is None or not _replace_with_link(spare, target, source):
                _replace_with_bytes(spare, target, plan.files[name])
            stamps[name] = stamp_of(os.lstat(target))
        if index == 0:
            _test_pause("staging")
    entry = tree.files.get(MANIFEST)
    if entry is not None and entry.stat(follow_symlinks=False).st_size == len(plan.manifest) and _read(entry.path) == plan.manifest:
        stamps[MANIFEST] = stamp_of(entry.stat(follow_symlinks=False))
    else:
        _replace_with_bytes(spare, f"{spare}/{MANIFEST}", plan.manifest)
        stamps[MANIFEST] = stamp_of(os.lstat(f"{spare}/{MANIFEST}"))
    for name, theirs in plan.user.items():
        entry = tree.files.get(name)
        if entry is not None and _same_inode(entry.stat(follow_symlinks=False), theirs.stat(follow_symlinks=False)):
            continue
        if not _replace_with_link(spare, f"{spare}/{name}", theirs.path):
            temporary = _temporary(spare)
            shutil.copy2(theirs.path, temporary)
            os.replace(temporary, f"{spare}/{name}")
    return stamps


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _same_inode(a: os.stat_result, b: os.stat_result) -> bool:
    return a.st_ino == b.st_ino and a.st_dev == b.st_dev


def _swap(new: Path, out_dir: Path) -> Path:
    """Put ``new`` at ``out_dir`` in one step; return where the old tree now is."""
    if _exchange(new, out_dir):
        return new
    backup = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    out_dir.rename(backup)  # no renameat2: a build killed between these renames is repaired by _remove_leftovers
    new.rename(out_dir)
    return backup


@dataclass
class Published:
    """What a publish left: the stamps of the tool's files in the output folder, and whether a swap happened."""

    stamps: dict[str, Stamp]
    swapped: bool  # the previous tree is now the spare (False: first build, nothing was there)


def publish_tree(out_dir: Path, files: Mapping[str, bytes], *, lock_wait: float | None = None,
                 reuse: Callable[[str], Path | None] | None = None,
                 spare_holds: Callable[[str, Stamp], bool] | None = None) -> Published:
    """Replace the tool's files in ``out_dir`` with ``files`` in one atomic step.

    ``reuse(name)``, called under the lock, may name an existing file that
    already holds exactly ``files[name]``; it is hard-linked instead of written,
    and ``files[name]`` is then never read (so ``files`` may load lazily).
    ``spare_holds(name, stamp)`` says whether the spare's file ``name``, whose
    stamp is ``stamp``, holds exactly ``files[name]``; without it the spare's
    contents are unknown, so a fresh tree is staged and the spare is replaced.
    """
    for name in files:
        _check_name(name)
    out_dir = out_dir.absolute()
    _check_output_folder(out_dir)
    spare = spare_folder(out_dir)
    with output_lock(out_dir, lock_wait):
        _remove_leftovers(out_dir)
        plan = _plan(out_dir, files, reuse)
        if spare_holds is not None and out_dir.exists() and _is_folder(spare):
            try:
                stamps = _refresh_spare(str(spare), plan, spare_holds)
            except OSError:
                pass  # an odd spare (unwritable folder, ...): stage a fresh tree and replace the spare after the swap
            else:
                os.chmod(spare, 0o755)
                _test_pause("staged")
                old = _swap(spare, out_dir)
                _test_pause("swapped")
                if old != spare:
                    with suppress(OSError):  # published already; a backup left behind is removed next time
                        old.rename(spare)
                return Published(stamps, swapped=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
        try:
            stamps = _stage(str(staging), plan)
            os.chmod(staging, 0o755)
            _test_pause("staged")
            if not out_dir.exists():
                staging.rename(out_dir)
                return Published(stamps, swapped=False)
            staging = _swap(staging, out_dir)
            _test_pause("swapped")
            _discard(spare)  # only after the swap: freeing inodes slows down creating them for a while
            with suppress(OSError):  # published already; without a spare the next build stages a fresh tree
                staging.rename(spare)
            return Published(stamps, swapped=True)
        finally:
            _discard(staging)


def _is_folder(path: Path) -> bool:
    """A real folder (not a symlink to one)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


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
