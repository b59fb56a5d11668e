"""Compiled templates kept between builds, sealed like every other executable thing in the cache.

Jinja's bytecode is a marshalled code object that Jinja runs as it loads it. Jinja's own
``FileSystemBytecodeCache`` checks only a version header and the checksum of the template's
source, which anyone can compute from the public templates: whoever can write the cache (a CI
cache restored from another branch's build) could run any code in the next build. So each
compiled template is stored with an HMAC made with the project's key (``BuildCache.seal``), and
one whose seal does not match, from another key or written by someone else, is never loaded: the
template is compiled again.
"""

from __future__ import annotations

import os
import stat
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2.bccache import BytecodeCache

from generator.write.files import write_file_atomically

if TYPE_CHECKING:
    from generator.builder.cache import BuildCache, Seal

SUFFIX = ".sealed"
MAX_BYTES = 8 * 1024 * 1024  # far above any compiled template; a bigger file is not read


class SealedBytecodeCache(BytecodeCache):
    """Jinja bytecode in ``folder``, one sealed file per template; a failed write is skipped."""

    def __init__(self, folder: Path, cache: BuildCache | Seal) -> None:
        self.folder, self.cache = folder, cache

    def _path(self, bucket: Any) -> Path:
        return self.folder / f"{bucket.key}{SUFFIX}"  # bucket.key is a hex digest: no path can come of it

    def load_bytecode(self, bucket: Any) -> None:
        try:  # never follow a symlink nor wait on a FIFO a restored cache put here
            handle = os.open(self._path(bucket), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):
                return
            with os.fdopen(handle, "rb", closefd=False) as stream:
                sealed = stream.read(MAX_BYTES + 1)
        except OSError:
            return
        finally:
            os.close(handle)
        data = self.cache.unseal(sealed, f"jinja:{bucket.key}") if len(sealed) <= MAX_BYTES else None
        if data is None:
            return  # not this project's: compiled again
        try:
            bucket.bytecode_from_string(data)
        except Exception:  # sealed by us, so only another Python or Jinja could make it unreadable
            bucket.reset()

    def dump_bytecode(self, bucket: Any) -> None:
        data = bucket.bytecode_to_string()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_file_atomically(self._path(bucket), self.cache.seal(data, f"jinja:{bucket.key}"))
        except OSError:  # a read-only or vanished folder: the template was compiled, it is just not kept
            pass

    def clear(self) -> None:
        for path in self.folder.glob(f"*{SUFFIX}"):
            with suppress(OSError):
                os.unlink(path)
