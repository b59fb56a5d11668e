"""Swap a whole output tree in atomically, under a lock, keeping the user's own files.

The new tree is assembled out of sight and swapped in with one
``renameat2(RENAME_EXCHANGE)`` call, so a reader (or a build killed with
SIGKILL) sees either the old tree or the new one, never a mix.

Nothing but the outputs is ever placed in or beside the output folder, because
whatever is there may be published with it (``-o site/status`` with ``site/``
deployed).  The build's private state lives in the project's state folder
(``.postmortem-state/<profile>/``, mode 0700): the list of files the tool wrote
(the manifest), the spare tree and the staging folders.  Any other file,
symlink or folder in the output folder belongs to the user and is carried
over untouched; a user's file where an output must go is an error, never
overwritten.  The lock is an ``flock`` on the output folder's parent folder.

Double buffering: the tree that a swap replaces is not deleted but kept as the
*spare* in the state folder (it must be on the output folder's file system,
else no spare is kept and the old tree is deleted right after the swap).  The
next publish brings the spare up to date in place and exchanges it with the
output folder again, so in steady state no directory is created or removed and
only changed files get new inodes.  Creating and freeing inodes is what costs
here: ext4 without a journal makes every new inode scan past the ones freed in
the last minutes.

Files are never modified in place: the two trees share inodes through hard
links, so a file is replaced by a new inode (or a link) renamed over it.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import itertools
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from generator.builder.output_folder import (
    OutputClashError,
    UnsafeOutputError,
    check_name,
    check_output_folder,
    output_lock,
    real_folder,
)
from generator.write.files import default_mode, write_file_atomically

MANIFEST = ".postmortem-manifest.json"  # where earlier versions kept the manifest (inside the output folder): read once, then dropped
STATE_DIR = ".postmortem-state"  # beside the config: the manifest, spare and staging folders of each output folder
# Test-only: pause (seconds) at a named step so a test can SIGKILL a build at a known moment.
_PAUSE_VARIABLE = "POSTMORTEM_TEST_PAUSE"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_TEMPORARY = ".postmortem-new-"  # prefix of a file being placed in the spare (a stray if a build was killed)
_STATE_MANIFEST = "manifest.json"
_counter = itertools.count()

Stamp = list[int]  # [st_ino, st_size, st_mtime_ns]: an inode that still has it still holds the same bytes


def _test_pause(step: str) -> None:
    """``POSTMORTEM_TEST_PAUSE=step:seconds`` announces the step on stderr, then sleeps."""
    wanted, _, seconds = os.environ.get(_PAUSE_VARIABLE, "").partition(":")
    if wanted == step:
        os.write(2, f"paused at {step}\n".encode())
        time.sleep(float(seconds or 30))


def state_folder(state_dir: Path, out_dir: Path) -> Path:
    """The private folder of one output folder (by its real path) under the project's state folder."""
    return state_dir / hashlib.sha256(str(real_folder(out_dir)).encode("utf-8", "surrogateescape")).hexdigest()[:16]


pause_for_tests = _test_pause  # the same hook for other stages (a test interrupts a build while workers render)


def spare_folder(out_dir: Path, state_dir: Path) -> Path:
    """Where the previous tree waits to become the next one."""
    return state_folder(state_dir, out_dir) / "spare"


def stamp_of(status: os.stat_result) -> Stamp:
    """The stamp (inode, size, mtime) that identifies a file's bytes while it is not replaced."""
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def _remove_leftovers(out_dir: Path, work: Path | None) -> None:
    """Under the lock: restore a tree a killed fallback swap left aside, then delete staging, backup and legacy folders.

    Earlier versions kept the spare and the lock beside the output folder, where
    they were published along with it: they are removed here too.
    """
    places = [(out_dir.parent, f".{out_dir.name}.")] + ([(work, "")] if work is not None else [])
    backups = sorted((p for folder, prefix in places for p in folder.glob(f"{prefix}old-*") if _is_folder(p)), key=lambda p: p.stat().st_mtime)
    if backups and not out_dir.exists():
        backups[-1].rename(out_dir)  # killed between the two renames of the fallback swap: restore the old tree
    for folder, prefix in places:
        for pattern in ("staging-*", "old-*"):
            for leftover in folder.glob(prefix + pattern):
                if _is_folder(leftover):
                    shutil.rmtree(leftover, ignore_errors=True)
    legacy_spare, legacy_lock = out_dir.parent / f".{out_dir.name}.spare", out_dir.parent / f".{out_dir.name}.lock"
    if _is_folder(legacy_spare):
        shutil.rmtree(legacy_spare, ignore_errors=True)
    with suppress(OSError):
        if stat.S_ISREG(os.lstat(legacy_lock).st_mode):
            os.unlink(legacy_lock)


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


def read_manifest(out_dir: Path, work: Path | None) -> tuple[set[str] | None, set[str] | None]:
    """(the names the tool wrote into ``out_dir`` as far as anything records them, the state folder's own record); None if unknown.

    The state folder's record comes first; an earlier version's manifest
    inside the output folder is read once more, for the build that drops it.
    """
    recorded: set[str] | None = None
    if work is not None:
        try:
            data = json.loads((work / _STATE_MANIFEST).read_bytes())
            if data.get("out_dir") == str(out_dir) and isinstance(data.get("files"), list):
                recorded = {str(name) for name in data["files"]}
        except (OSError, ValueError, AttributeError):
            pass
    try:
        legacy = json.loads((out_dir / MANIFEST).read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return recorded, recorded
    return {*(recorded or ()), *(str(name) for name in legacy if isinstance(name, str))}, recorded


def _write_manifest(work: Path | None, out_dir: Path, names: set[str], recorded: set[str] | None) -> None:
    """Record ``names`` as the tool's files in ``out_dir`` (unless that is already the record)."""
    if work is not None and names != recorded:
        write_file_atomically(work / _STATE_MANIFEST, json.dumps({"out_dir": str(out_dir), "files": sorted(names)}).encode(), mode=0o600)


@dataclass
class _Walk:
    """A tree's entries by relative POSIX name (one ``os.scandir`` per folder, no ``Path`` objects)."""

    files: dict[str, os.DirEntry[str]]  # regular files
    dirs: dict[str, os.DirEntry[str]]
    others: dict[str, os.DirEntry[str]]  # symlinks, FIFOs, sockets, ...: never followed


def _walk(root: str) -> _Walk:
    """Every entry under ``root``; symlinks are listed, not followed, so a walk never leaves the tree."""
    found = _Walk({}, {}, {})
    pending = [("", root)]
    while pending:
        prefix, folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    found.dirs[name] = entry
                    pending.append((name + "/", entry.path))
                elif entry.is_file(follow_symlinks=False):
                    found.files[name] = entry
                else:
                    found.others[name] = entry
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
    """What the published tree must hold: the tool's files, then the user's entries from the output folder."""

    files: Mapping[str, bytes]
    names: list[str]  # sorted
    tool: set[str]  # the same names, to look up without touching ``files`` (which may read bytes to answer ``in``)
    user: dict[str, os.DirEntry[str]]  # the user's files, symlinks and other entries in the output folder, by name
    dirs: set[str]  # every folder the tree needs: the tool's, and the user's (empty ones included)
    modes: dict[str, int]  # permission bits to keep: "" for the output folder, and its folders by name
    previous: dict[str, os.DirEntry[str]]  # the tool's files already in the output folder (their bits are kept)
    reuse: Callable[[str], Path | None] | None


def _plan(out_dir: Path, files: Mapping[str, bytes], reuse: Callable[[str], Path | None] | None, ours: set[str] | None) -> _Plan:
    """Sort what is in the output folder: the tool's earlier files (``ours``) go, everything else is the user's and stays.

    A user's entry never gives way to a tool file, nor to a folder the tool
    needs, nor sits below a tool file: that is an error.  When no record of
    earlier builds exists (``ours`` is None), a file already holding exactly
    the bytes the tool wants there is taken as the tool's own.
    """
    names = sorted(files)
    tool = set(names)
    tool_dirs = _parents(names, set())
    user: dict[str, os.DirEntry[str]] = {}
    user_dirs: set[str] = set()
    modes: dict[str, int] = {}
    previous: dict[str, os.DirEntry[str]] = {}
    clashes: list[str] = []
    if out_dir.is_dir():
        ours_dirs = _parents(ours or (), set())
        tree = _walk(str(out_dir))
        modes[""] = stat.S_IMODE(out_dir.stat().st_mode)
        for name, entry in [*tree.files.items(), *tree.others.items()]:
            if name == MANIFEST or (ours is not None and name in ours):
                if name in tool:
                    previous[name] = entry
                continue
            if name in tool or name in tool_dirs or _below(name, tool):
                if ours is None and name in tool and entry.is_file(follow_symlinks=False) and _read(entry.path) == files[name]:
                    previous[name] = entry
                    continue
                clashes.append(name)
                continue
            user[name] = entry
        for name, entry in tree.dirs.items():
            if name in tool_dirs:
                modes[name] = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
            elif name in ours_dirs:
                continue  # the tool's own folder, no longer needed (what the user put in it is checked above)
            elif name in tool or _below(name, tool):
                clashes.append(name + "/")
            else:
                user_dirs.add(name)
                modes[name] = stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode)
    if clashes:
        shown = ", ".join(sorted(clashes)[:5]) + (f" and {len(clashes) - 5} more" if len(clashes) > 5 else "")
        unknown = " (no earlier build into this folder is on record; if they are old outputs, delete them)" if ours is None else ""
        raise OutputClashError(f"refusing to replace what no build wrote in {out_dir}: {shown}{unknown}; "
                               "an incident's output or a site page needs that name: move the file or rename the incident")
    dirs = _parents(user, tool_dirs) | _parents(sorted(user_dirs), set(user_dirs))
    return _Plan(files, names, tool, user, dirs, modes, previous, reuse)


def _below(name: str, tool: set[str]) -> bool:
    """True when a folder above ``name`` is one of the tool's file names."""
    return any(name[:cut] in tool for cut in range(len(name)) if name[cut] == "/")


def _apply_modes(root: str, plan: _Plan) -> None:
    """Give the new tree the permission bits the output folder and its folders had (new folders: the umask's)."""
    default = default_mode(0o777)
    for name in ["", *sorted(plan.dirs)]:
        path = f"{root}/{name}" if name else root
        wanted = plan.modes.get(name, default)
        if stat.S_IMODE(os.lstat(path).st_mode) != wanted:
            os.chmod(path, wanted)


def _keep_mode(path: str, name: str, plan: _Plan) -> None:
    """A tool file written anew keeps the permission bits its predecessor had (a report chmod 600 stays 600).

    Only a regular file's: a symlink put in its place has the bits 777 of every link, which a published file
    must never take."""
    before = plan.previous.get(name)
    if before is None or not before.is_file(follow_symlinks=False):
        return
    wanted = stat.S_IMODE(before.stat(follow_symlinks=False).st_mode)
    if stat.S_IMODE(os.lstat(path).st_mode) != wanted:
        os.chmod(path, wanted)


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
            _keep_mode(target, name, plan)
        stamps[name] = stamp_of(os.lstat(target))
        if index == 0:
            _test_pause("staging")
    for name, entry in plan.user.items():
        _carry(entry, f"{staging}/{name}")
    _apply_modes(staging, plan)
    return stamps


def _carry(entry: os.DirEntry[str], target: str) -> None:
    """Put the user's entry at ``target``: the same inode when possible, else an exact copy (a symlink stays a symlink)."""
    if _link(entry.path, target):
        return
    if entry.is_symlink():
        os.symlink(os.readlink(entry.path), target)
    else:
        shutil.copy2(entry.path, target, follow_symlinks=False)


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
        os.unlink(f"{spare}/{name}")  # the user's symlinks and the like are placed again below
    for name in tree.files:
        if name not in plan.tool and name not in plan.user:
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
                _keep_mode(target, name, plan)
            stamps[name] = stamp_of(os.lstat(target))
        if index == 0:
            _test_pause("staging")
    for name, theirs in plan.user.items():
        entry = tree.files.get(name)
        if entry is not None and _same_inode(entry.stat(follow_symlinks=False), theirs.stat(follow_symlinks=False)):
            continue
        if not _replace_with_link(spare, f"{spare}/{name}", theirs.path):
            temporary = _temporary(spare)
            _carry(theirs, temporary)
            os.replace(temporary, f"{spare}/{name}")
    _apply_modes(spare, plan)
    return stamps


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _same_inode(a: os.stat_result, b: os.stat_result) -> bool:
    return a.st_ino == b.st_ino and a.st_dev == b.st_dev


def _swap(new: Path, out_dir: Path, aside: Path) -> Path:
    """Put ``new`` at ``out_dir`` in one step; return where the old tree now is."""
    if _exchange(new, out_dir):
        return new
    backup = aside / (f"old-{os.getpid()}" if aside != out_dir.parent else f".{out_dir.name}.old-{os.getpid()}")
    out_dir.rename(backup)  # no renameat2: a build killed between these renames is repaired by _remove_leftovers
    new.rename(out_dir)
    return backup


@dataclass
class Published:
    """What a publish left: the stamps of the tool's files in the output folder, and whether the old tree is now the spare."""

    stamps: dict[str, Stamp]
    swapped: bool  # the previous tree is now the spare (False: first build, or no spare can be kept)


def _work_folder(state_dir: Path | None, out_dir: Path) -> Path | None:
    """The output folder's private state folder (made if needed), or None when there is none."""
    if state_dir is None:
        return None
    work = state_folder(state_dir, out_dir)
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        work.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return work


def _same_device(work: Path, out_dir: Path) -> bool:
    """Whether trees can be renamed between ``work`` and the output folder's place (one file system)."""
    try:
        return os.stat(work).st_dev == os.stat(out_dir.parent).st_dev
    except OSError:
        return False


def swap_in_tree(out_dir: Path, files: Mapping[str, bytes], *, state_dir: Path | None = None, protected: Iterable[Path] = (),
                 lock_wait: float | None = None, reuse: Callable[[str], Path | None] | None = None,
                 spare_holds: Callable[[str, Stamp], bool] | None = None) -> Published:
    """Replace the tool's files in ``out_dir`` with ``files`` in one atomic step.

    ``state_dir`` is the project's private state folder (None: remember
    nothing, keep no spare).  ``reuse(name)``, called under the lock, may name
    an existing file that already holds exactly ``files[name]``; it is
    hard-linked instead of written, and ``files[name]`` is then never read (so
    ``files`` may load lazily).  ``spare_holds(name, stamp)`` says whether the
    spare's file ``name``, whose stamp is ``stamp``, holds exactly
    ``files[name]``; without it the spare's contents are unknown, so a fresh
    tree is staged and the spare is replaced.
    """
    for name in files:
        check_name(name)
    requested = out_dir
    out_dir = real_folder(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UnsafeOutputError(f"refusing to use {requested} as the output folder: it is not a folder")
    check_output_folder(out_dir, protected)
    with output_lock(out_dir, lock_wait):
        work = _work_folder(state_dir, out_dir)
        local = work if work is not None and _same_device(work, out_dir) else None  # where trees can be staged and kept
        _remove_leftovers(out_dir, local)
        ours, recorded = read_manifest(out_dir, work)
        plan = _plan(out_dir, files, reuse, ours)
        claimed = (ours or set()) | plan.tool  # both trees' names are ours while either may be published
        _write_manifest(work, out_dir, claimed, recorded)
        spare = local / "spare" if local is not None else None
        if spare is not None and spare_holds is not None and out_dir.exists() and _is_folder(spare):
            try:
                stamps = _refresh_spare(str(spare), plan, spare_holds)
            except OSError:
                pass  # an odd spare (unwritable folder, ...): stage a fresh tree and replace the spare after the swap
            else:
                _test_pause("staged")
                old = _swap(spare, out_dir, spare.parent)
                _test_pause("swapped")
                _write_manifest(work, out_dir, plan.tool, claimed)
                if old != spare:
                    with suppress(OSError):  # published already; a backup left behind is removed next time
                        old.rename(spare)
                return Published(stamps, swapped=True)
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=local) if local is not None else
                       tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
        try:
            stamps = _stage(str(staging), plan)
            _test_pause("staged")
            if not out_dir.exists():
                staging.rename(out_dir)
                _write_manifest(work, out_dir, plan.tool, claimed)
                return Published(stamps, swapped=False)
            staging = _swap(staging, out_dir, local or out_dir.parent)
            _test_pause("swapped")
            _write_manifest(work, out_dir, plan.tool, claimed)
            if spare is None:
                return Published(stamps, swapped=False)  # the old tree is deleted below: nothing is kept beside the output
            _discard(spare)  # only after the swap: freeing inodes slows down creating them for a while
            try:
                staging.rename(spare)
            except OSError:
                return Published(stamps, swapped=False)  # published already; the next build stages a fresh tree
            return Published(stamps, swapped=True)
        finally:
            _discard(staging)


def _is_folder(path: Path) -> bool:
    """A real folder (not a symlink to one)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False
