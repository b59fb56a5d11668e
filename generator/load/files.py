"""Reading an input file without trusting what the path names.

The size cap is checked before reading, on the opened file itself: a 3 GB
sparse file, ``/dev/zero`` or a FIFO (which would block forever) is refused
with a clear message instead of being read into memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 1_000_000


class UnreadableFileError(OSError):
    """Not a regular file, or over the size cap: a message for the author, not a traceback."""


def read_capped(path: Path | str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; raise ``UnreadableFileError`` (an ``OSError``) otherwise."""
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a FIFO opens at once instead of waiting for a writer
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableFileError(f"not a regular file ({_kind(status.st_mode)})")
        if status.st_size > limit:
            raise UnreadableFileError(f"file is {status.st_size:,} bytes; the limit is {limit:,}")
        os.set_blocking(handle, True)
        chunks, total = [], 0
        while True:
            chunk = os.read(handle, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # the file grew while it was read
                raise UnreadableFileError(f"file is over {limit:,} bytes; the limit is {limit:,}")
        return b"".join(chunks)
    finally:
        os.close(handle)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"
