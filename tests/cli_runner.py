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

``spawn(*args)`` is the same forked child, started in the background like
``subprocess.Popen([sys.executable, "-m", "generator", *args])``: for tests that
read its output while it runs, kill it at some moment, or talk to a server.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "generator"]
GC_THRESHOLDS = gc.get_threshold()  # the interpreter's own, before tests/conftest.py raises them for the test process

_prepared = False


def _prepare() -> None:
    """Do once, in the test process, what every child would otherwise do again: imports, and a first render.

    A first render compiles the built-in templates (cached in the Jinja environment) and sets WeasyPrint's
    fonts up: about a second per command that the children inherit instead. Every module of the package is
    imported too, and what the PDF pools import from multiprocessing: the commands import most of theirs
    when they run, and a forked build imported ~25 modules again each time (~25 ms, and pages it then
    owns: a forked ``--version`` wrote 2,130 pages, 1,160 now).
    """
    global _prepared
    if _prepared:
        return
    import importlib
    import pkgutil

    import generator.cli

    modules = [module.name for module in pkgutil.walk_packages(generator.__path__, "generator.")]
    pools = ["multiprocessing.forkserver", "multiprocessing.popen_fork", "multiprocessing.popen_forkserver", "multiprocessing.synchronize"]
    for name in [*modules, *pools]:
        if not name.endswith(".__main__"):  # it would run the command
            importlib.import_module(name)
    from generator.model.catalog import load_incident
    from generator.model.config import SiteConfig
    from generator.render.formats import FORMATS, RenderSettings, render_document
    from generator.site import render_site

    assert Path(generator.cli.__file__).is_relative_to(ROOT), f"testing {generator.cli.__file__}, not the tree under test"
    incident, _ = load_incident(ROOT / "incidents" / "2021-09-13-campaign-reports.yaml", SiteConfig())
    assert incident is not None
    from tests.shared_pdfs import sharing

    with sharing("render"):  # a real render, which sets WeasyPrint up for every child (and is kept for tests that share PDFs)
        for fmt in FORMATS:
            for internal in (False, True) if fmt != "pdf" else (False,):  # one PDF sets WeasyPrint up; a second only costs
                render_document(incident, fmt, RenderSettings(SiteConfig(), internal=internal))
    render_site([incident], SiteConfig())
    gc.collect()
    gc.freeze()  # what the set-up made is kept for good: no later collection, here or in a child, walks it again
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


class ForkedProcess:
    """The part of ``subprocess.Popen``'s interface the tests use, for a command forked by ``spawn``."""

    def __init__(self, argv: list[str], pid: int, stdout: IO[Any] | None, stderr: IO[Any] | None):
        self.args = argv
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = _wait(self.pid, 300 if timeout is None else timeout, self.args, kill=False)
        return self.returncode

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, number)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def communicate(self, timeout: float | None = None) -> tuple[Any, Any]:
        """Read what is left of the piped streams (one after the other: enough for the tests' small outputs), then wait."""
        outputs = tuple(stream.read() if stream is not None else None for stream in (self.stdout, self.stderr))
        self.wait(timeout)
        for stream in (self.stdout, self.stderr):
            if stream is not None:
                stream.close()
        return outputs  # type: ignore[return-value]



def run_checked(cwd: str | os.PathLike[str], *args: str | os.PathLike[str], timeout: float = 120) -> subprocess.CompletedProcess:
    """``postmortem ARGS`` in ``cwd``, which must end, whatever its exit code, without a traceback."""
    result = postmortem(*args, cwd=cwd, timeout=timeout)
    assert "Traceback" not in result.stderr, result.stderr
    return result

def spawn(*args: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None,
          stdout: bool = False, stderr: bool = False, text: bool = False) -> ForkedProcess:
    """Start ``postmortem ARGS`` as a forked child and return at once; ``stdout``/``stderr``: pipe that stream (else discard it)."""
    argv = [str(arg) for arg in args]
    assert not _needs_a_new_interpreter(env), "spawn forks this interpreter: use subprocess.Popen for PYTHON* variables"
    _prepare()
    pipes = [os.pipe() if wanted else None for wanted in (stdout, stderr)]
    devnull = os.open(os.devnull, os.O_RDWR)
    pid = os.fork()
    if pid == 0:  # pragma: no cover  (the child ends in os._exit)
        for pipe in pipes:
            if pipe is not None:
                os.close(pipe[0])
        out, err = (pipe[1] if pipe is not None else devnull for pipe in pipes)
        _child(argv, cwd, env, devnull, out, err)
    os.close(devnull)
    streams: list[IO[Any] | None] = []
    for pipe in pipes:
        if pipe is None:
            streams.append(None)
            continue
        os.close(pipe[1])
        streams.append(open(pipe[0], encoding="utf-8", errors="replace") if text else open(pipe[0], "rb"))
    return ForkedProcess(argv, pid, streams[0], streams[1])


def _read(stream: tempfile._TemporaryFileWrapper) -> bytes:  # type: ignore[type-arg]
    stream.seek(0)
    return stream.read()


def _wait(pid: int, timeout: float, argv: list[str], kill: bool = True) -> int:
    """The child's exit code; past ``timeout``, TimeoutExpired (the child killed first when ``kill``, as ``subprocess.run`` does).

    A pidfd wakes this process the moment the child ends (a poll every few ms overshot by ~10 ms a command, on
    hundreds of commands); where there is none, the child is polled.
    """
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return _poll(pid, timeout, argv, kill)
    try:
        waiting = select.poll()  # not select(), which refuses a descriptor numbered over 1023
        waiting.register(pidfd, select.POLLIN)
        ended = waiting.poll(timeout * 1000)
    finally:
        os.close(pidfd)
    if not ended:
        return _poll(pid, 0, argv, kill)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _poll(pid: int, timeout: float, argv: list[str], kill: bool) -> int:
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            if kill:
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
        gc.set_threshold(*GC_THRESHOLDS)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        logging.root.handlers.clear()  # pytest's capture handlers: a fresh interpreter prints warnings to stderr
        _forget_the_parents_fork_server()
        if logging.root.level != logging.WARNING:  # setLevel clears every logger's cache, writing to their pages
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
