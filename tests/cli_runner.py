"""One way for tests to run the ``postmortem`` command of the tree under test.

``postmortem(*args)`` returns a ``subprocess.CompletedProcess`` like
``subprocess.run([sys.executable, "-m", "generator", *args], capture_output=True)``.
By default the command runs in a child *forked* from the test process, which
has already imported the package (and WeasyPrint): the child has its own pid,
working folder, environment, standard streams and exit status, exactly like a
fresh ``python -m generator``, but skips the second or so of interpreter
start-up and imports that dominated the suite's time.

``real=True`` starts a real interpreter instead.  The runner does so by itself
when the environment changes what only a new interpreter can pick up (any
``PYTHON*`` variable, such as ``PYTHONHASHSEED``).  Tests of signals, of what a
command imports, and one test per command in ``test_cli.py`` use real processes.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "generator"]

_prepared = False


def _prepare() -> None:
    """Do once, in the test process, what every child would otherwise do again: imports, and a first render.

    A first render compiles the built-in templates (cached in the Jinja environment) and sets WeasyPrint's
    fonts up: about a second per command that the children inherit instead.
    """
    global _prepared
    if _prepared:
        return
    import generator.cli
    import generator.commands.build
    from generator.model.catalog import load_incident
    from generator.model.config import SiteConfig
    from generator.render.formats import FORMATS, RenderSettings, render_document
    from generator.site import render_site

    assert Path(generator.cli.__file__).is_relative_to(ROOT), f"testing {generator.cli.__file__}, not the tree under test"
    incident, _ = load_incident(ROOT / "incidents" / "2021-09-13-campaign-reports.yaml", SiteConfig())
    assert incident is not None
    from tests.shared_pdfs import sharing

    with sharing(False):  # a real render: it sets WeasyPrint up for every child
        for fmt in FORMATS:
            for internal in (False, True):
                render_document(incident, fmt, RenderSettings(SiteConfig(), internal=internal))
    render_site([incident], SiteConfig())
    _prepared = True


def _needs_a_new_interpreter(env: dict[str, str] | None) -> bool:
    if env is None:
        return False
    names = {name for name in {*env, *os.environ} if name.startswith("PYTHON")}
    return any(env.get(name) != os.environ.get(name) for name in names)


def postmortem(*args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
               input: str | bytes | None = None, text: bool = True, timeout: float = 300,
               real: bool = False) -> subprocess.CompletedProcess:
    """Run ``postmortem ARGS`` in ``cwd`` (default: the test's working folder) and collect its exit code and output."""
    argv = [str(arg) for arg in args]
    if real or _needs_a_new_interpreter(env):
        return subprocess.run([*CLI, *argv], cwd=cwd, env=env, input=input, text=text, capture_output=True, timeout=timeout)
    _prepare()
    data = input.encode() if isinstance(input, str) else (input or b"")
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        stdin.write(data)
        stdin.seek(0)
        pid = os.fork()
        if pid == 0:  # pragma: no cover  (the child ends in os._exit)
            _child(argv, cwd, env, stdin.fileno(), stdout.fileno(), stderr.fileno())
        code = _wait(pid, timeout, argv)
        out, err = (_read(stream) for stream in (stdout, stderr))
    if text:
        return subprocess.CompletedProcess(argv, code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))
    return subprocess.CompletedProcess(argv, code, out, err)


def _read(stream: tempfile._TemporaryFileWrapper) -> bytes:  # type: ignore[type-arg]
    stream.seek(0)
    return stream.read()


def _wait(pid: int, timeout: float, argv: list[str]) -> int:
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise subprocess.TimeoutExpired(argv, timeout)
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


def _forget_the_parents_fork_server() -> None:
    """A fork server started by the test process is not this child's: a real run starts its own.

    Inherited, it makes the child's PDF pool fail (``waitpid`` on a process that is not its child).
    """
    from multiprocessing import forkserver

    server = forkserver._forkserver
    server._forkserver_pid = server._forkserver_address = server._forkserver_alive_fd = None


def _child(argv: list[str], cwd: str | os.PathLike[str] | None, env: dict[str, str] | None,
           stdin: int, stdout: int, stderr: int) -> None:
    """Become ``python -m generator ARGV``: fresh streams, folder, environment, signals and logging; never return."""
    code = 1
    try:
        for source, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
            os.dup2(source, target)
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8", line_buffering=True)
        if cwd is not None:
            os.chdir(cwd)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        time.tzset()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        logging.root.handlers.clear()  # pytest's capture handlers: a fresh interpreter prints warnings to stderr
        _forget_the_parents_fork_server()
        logging.root.setLevel(logging.WARNING)
        main = types.ModuleType("__main__")
        main.__package__ = "generator"  # click names the program "python -m generator", as a real run does
        sys.modules["__main__"] = main
        sys.argv = [str(ROOT / "generator" / "__main__.py"), *argv]
        from generator.cli import run

        run()  # ends the process with the command's exit code
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)
