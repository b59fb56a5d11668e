"""Writing single files: atomically for regular files, into FIFOs and devices as they are, never replacing them."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class UnwritableTargetError(OSError):
    """A target that cannot be written without replacing something that is not a regular file."""


def default_mode(kind: int) -> int:
    """``kind`` (0o666 for files, 0o777 for folders) with the process's umask applied."""
    mask = os.umask(0)
    os.umask(mask)
    return kind & ~mask


def write_file_atomically(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write one file through a temporary sibling and ``os.replace``.

    The file keeps the permission bits of the one it replaces; a new file gets
    ``mode``, or what the umask gives.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        keep: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        keep = mode
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, keep if keep is not None else default_mode(0o666))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_output_file(target: Path, data: bytes) -> Path:
    """Write ``data`` to what ``target`` names, the way a shell redirection would, but atomically for regular files.

    A FIFO or character device (``/dev/stdout``, a pipe) is written into; a
    symlink is followed and its target replaced atomically (the link stays); a
    folder, block device or socket is refused.  Returns the file written.
    """
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    if status is not None:
        if stat.S_ISFIFO(status.st_mode) or stat.S_ISCHR(status.st_mode):
            with open(target, "wb") as stream:
                stream.write(data)
            return target
        if not stat.S_ISREG(status.st_mode):
            kind = "a folder" if stat.S_ISDIR(status.st_mode) else "a block device" if stat.S_ISBLK(status.st_mode) else "not a regular file"
            raise UnwritableTargetError(f"refusing to write to {target}: it is {kind}")
    real = Path(os.path.realpath(target))
    write_file_atomically(real, data)
    return real
