"""WeasyPrint is imported without running ldconfig or gcc, loads the same libraries, and still falls back."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick library search is Linux's")

# Runs in a fresh interpreter: records every subprocess started while WeasyPrint is imported, and which
# shared libraries the process has loaded afterwards.
PROBE = textwrap.dedent("""
    import json, subprocess, sys
    started = []
    real_popen_init = subprocess.Popen.__init__
    def recording_init(self, args, *rest, **options):
        started.append(args if isinstance(args, str) else " ".join(map(str, args)))
        real_popen_init(self, args, *rest, **options)
    subprocess.Popen.__init__ = recording_init
""")
AFTER = textwrap.dedent("""
    libraries = sorted({line.split()[-1] for line in open("/proc/self/maps") if ".so" in line})
    print(json.dumps({"started": started, "libraries": libraries, "ffi": "weasyprint.text.ffi" in sys.modules}))
""")

# The loader refuses Pango's soname while find_library answers "not found", as on a system where the
# libraries are found only through gcc's or ld's search paths.
SONAME_REFUSED = textwrap.dedent("""
    import cffi, ctypes.util
    real_dlopen = cffi.FFI.dlopen
    def dlopen(self, name, flags=0):
        if ctypes.util.find_library.__name__ == "_not_found" and "pango-1.0" in str(name):
            raise OSError("refused for the test")
        return real_dlopen(self, name, flags)
    cffi.FFI.dlopen = dlopen
""")


def probe(import_statement: str, setup: str = "") -> tuple[dict[str, object], str]:
    code = "\n".join([PROBE, setup, import_statement, AFTER])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    *printed, last = done.stdout.splitlines()
    return json.loads(last), "\n".join(printed)


def test_the_import_starts_no_process_and_loads_the_same_libraries_as_weasyprint_alone() -> None:
    ours, printed = probe("import generator.render.weasyprint_import")
    alone, _ = probe("import weasyprint")
    assert ours["ffi"] and not printed
    assert ours["started"] == [], ours["started"]
    assert alone["started"], "control: WeasyPrint alone asks ldconfig or gcc (else this test proves nothing)"
    assert ours["libraries"] == alone["libraries"]


def test_libraries_the_loader_cannot_open_by_soname_are_found_the_usual_way_and_nothing_is_printed() -> None:
    ours, printed = probe("import generator.render.weasyprint_import", setup=SONAME_REFUSED)
    assert ours["ffi"]
    assert ours["started"], "the retry uses the real find_library"
    assert printed == ""  # WeasyPrint's install instructions from the first attempt are not shown
    assert any("libpango-1.0" in library for library in ours["libraries"])  # type: ignore[attr-defined]
