"""Import WeasyPrint without the ~0.3 s its library search costs on Linux; importing this module imports it.

WeasyPrint finds GObject, Pango, HarfBuzz and fontconfig by trying several names per library with
cffi's ``dlopen`` (``libgobject-2.0-0``, ``gobject-2.0-0``, ``gobject-2.0``, ``libgobject-2.0.so.0``,
…). For every name the dynamic loader refuses, cffi asks ``ctypes.util.find_library``, which on Linux
runs ``ldconfig``, then ``gcc`` and ``ld`` in subprocesses: 22 lookups, about a third of WeasyPrint's
import, in every process that makes a PDF (``render -f pdf``, each PDF worker, ``serve``).

Each of WeasyPrint's lists names the library's Linux soname too, which the loader opens directly.
So while WeasyPrint is imported, ``find_library`` answers "not found" at once and the soname is what
loads: the same files (``/proc/self/maps`` lists the same libraries either way). Where the sonames
do not load (a library found only through ``gcc``'s or ``ld``'s search paths), the import is
retried with the real ``find_library``, exactly as WeasyPrint would do it alone.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import io
import sys

__all__ = ["weasyprint"]


def _not_found(_name: str) -> None:
    return None


def _import_with_loader_only() -> bool:
    """Import WeasyPrint with ``find_library`` answering "not found"; False (and nothing left imported) if that fails."""
    real = ctypes.util.find_library
    ctypes.util.find_library = _not_found
    try:
        # A failed attempt prints WeasyPrint's install instructions to stdout (a PDF may be going there).
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint  # noqa: F401
        return True
    except OSError:
        for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
            del sys.modules[name]
        return False
    finally:
        ctypes.util.find_library = real


if "weasyprint" not in sys.modules and sys.platform.startswith("linux"):
    _import_with_loader_only()
import weasyprint  # noqa: E402 - already imported, or the real search if the loader alone found nothing
