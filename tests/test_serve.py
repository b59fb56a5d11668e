"""``postmortem serve`` through the real command: pages, live errors in the page, clean Ctrl-C.

Plus the issue's done-when flow as a new user would run it: new, three updates,
validate, preview, break and fix the file in the browser, export the PDF.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli_runner import ForkedProcess, spawn
from tests.conftest import INCIDENTS, postmortem

SEED = "2021-09-13-campaign-reports"
WAIT = 20.0  # every wait below is bounded by this many seconds


class Server:
    """A ``postmortem serve`` process on a free port, with its stderr collected.

    Forked from the test process (tests/cli_runner.py: its own pid, folder and streams, Ctrl-C handled as in a new
    interpreter); ``real=True`` starts a new interpreter, which test_ctrl_c_stops_cleanly does once.
    """

    def __init__(self, cwd: Path, *args: str, env: dict[str, str] | None = None, real: bool = False):
        self.process: subprocess.Popen[str] | ForkedProcess
        if real:
            self.process = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--port", "0", *args],
                                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        else:
            self.process = spawn("serve", "--port", "0", *args, cwd=cwd, env=env, stderr=True, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.port = self._wait_for_port()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def _wait_for_port(self) -> int:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if match:
                return int(match.group(1))
        self.process.kill()
        raise AssertionError(f"serve did not start: {''.join(self.stderr)}")

    def get(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) of one page; error statuses are returned, not raised."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=WAIT) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read()

    def generation(self) -> int:
        return int(self.get("/__preview/generation")[2])

    def wait_for_reload(self, after: int) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.generation() > after:
                return
            time.sleep(0.1)
        raise AssertionError("the preview did not reload after the file changed")

    def wait_until(self, check: Callable[[], bool], what: str) -> None:
        """Poll until ``check()`` holds: a reload that began before an edit bumps the generation without showing it."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise AssertionError(f"the preview never showed {what}")

    def stop(self) -> tuple[int, str]:
        """Send Ctrl-C (SIGINT); return the exit code and the whole stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError("serve did not stop on SIGINT") from None
        time.sleep(0.1)
        return code, "".join(self.stderr)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "incidents").mkdir()
    shutil.copy(INCIDENTS / f"{SEED}.yaml", tmp_path / "incidents" / f"{SEED}.yaml")
    (tmp_path / "postmortem.yaml").write_text("company: Dotdigital\nzone: Europe/London\n", "utf-8")
    return tmp_path


@pytest.fixture
def server(project: Path) -> Iterator[Server]:
    running = Server(project)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(timeout=WAIT)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_serves_post_markdown_text_pdf_and_index(server: Server, project: Path) -> None:
    status, content_type, body = server.get(f"/{SEED}.html")
    assert status == 200 and content_type.startswith("text/html")
    assert b"Issue with Campaign Reports" in body and b"Posted <time" in body
    status, content_type, body = server.get(f"/{SEED}.md")
    assert status == 200 and content_type == "text/plain; charset=utf-8" and body.startswith(b"# Issue with Campaign Reports")
    status, content_type, body = server.get(f"/{SEED}.txt")
    assert status == 200 and body.startswith(b"Issue with Campaign Reports\n")
    status, content_type, body = server.get(f"/{SEED}.pdf")
    assert status == 200 and content_type == "application/pdf" and body.startswith(b"%PDF-")
    status, _type, body = server.get("/")
    assert status == 200 and b"Issue with Campaign Reports" in body
    assert server.get("/no-such-incident.html")[0] == 404
    assert server.get("/../../etc/passwd")[0] == 404
    assert not (project / "output").exists(), "serve must never write into output/"


def test_validation_error_is_shown_in_the_page_then_fixed(server: Server, project: Path) -> None:
    source = project / "incidents" / f"{SEED}.yaml"
    before = server.generation()
    _edit(source, "impact: minor", "impact: huge")
    server.wait_for_reload(before)
    server.wait_until(lambda: server.get(f"/{SEED}.html")[0] == 500, "the error")
    status, _type, body = server.get(f"/{SEED}.html")
    page = body.decode()
    assert status == 500
    line = next(n for n, text in enumerate(source.read_text("utf-8").splitlines(), 1) if text.startswith("impact:"))
    assert re.search(rf"incidents/{SEED}\.yaml:{line}:9: error: impact: &#x27;huge&#x27; is not allowed", page), page[:2000]
    assert "<mark>h</mark>uge" in page, "the source line is quoted with the column marked"
    index = server.get("/")[2].decode()
    assert f"{SEED}.yaml:{line}:9" in index, "every page carries the error banner"

    before = server.generation()
    _edit(source, "impact: huge", "impact: minor")
    server.wait_for_reload(before)
    server.wait_until(lambda: server.get(f"/{SEED}.html")[0] == 200, "the fixed page")
    status, _type, body = server.get(f"/{SEED}.html")
    assert status == 200 and b"preview-errors" not in body


def test_ctrl_c_stops_cleanly(project: Path) -> None:
    server = Server(project, real=True)  # the one serve in a new interpreter: a real Ctrl-C
    assert server.get(f"/{SEED}.html")[0] == 200
    code, stderr = server.stop()
    assert code == 0, stderr
    assert "Traceback" not in stderr and "stopped" in stderr


def test_binds_localhost_by_default(server: Server) -> None:
    assert any("http://127.0.0.1:" in line for line in server.stderr)


def test_port_in_use_is_a_clean_error(project: Path, server: Server) -> None:
    result = postmortem("serve", "--port", str(server.port), cwd=project, timeout=WAIT)
    assert result.returncode == 1 and "cannot listen" in result.stderr and "Traceback" not in result.stderr


def test_broken_config_is_shown_in_the_page(project: Path) -> None:
    (project / "postmortem.yaml").write_text("company: Dotdigital\nzone: Mars/Olympus\n", "utf-8")
    running = Server(project)
    try:
        status, _type, body = running.get("/")
        assert status == 200 and "postmortem.yaml:2:7: error: zone: unknown time zone" in body.decode()
    finally:
        code, stderr = running.stop()
    assert code == 0 and "Traceback" not in stderr


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return postmortem(*args, cwd=cwd, timeout=120, env=env)


def test_done_when_flow_as_a_new_user(tmp_path: Path) -> None:
    """Scaffold, three updates, validate, preview, fix an error shown in the page, export the PDF."""
    assert shutil.which("postmortem"), "the package must be installed (pip install -e .)"
    (tmp_path / "postmortem.yaml").write_text("company: Dotdigital\nzone: Europe/London\n", "utf-8")
    env = {**os.environ, "POSTMORTEM_NOW": "2024-07-01T09:30:00Z"}
    created = _run(tmp_path, "new", "Campaign reports not loading", env=env)
    assert created.returncode == 0, created.stderr
    path = tmp_path / created.stdout.strip()
    assert path == tmp_path / "incidents" / "2024-07-01-campaign-reports-not-loading.yaml"

    for minute, status, text in ((40, "investigating", "We're investigating."), (55, "identified", "We found the cause."),
                                 (70, "resolved", "Reports are back.")):
        env["POSTMORTEM_NOW"] = f"2024-07-01T{9 + minute // 60:02d}:{minute % 60:02d}:00Z"
        posted = _run(tmp_path, "update", str(path.relative_to(tmp_path)), "--status", status, text, env=env)
        assert posted.returncode == 0, posted.stderr
    text = path.read_text("utf-8")
    assert "posted_at: 2024-07-01T10:40:00+01:00" in text and "posted_at: 2024-07-01T11:10:00+01:00" in text
    assert _run(tmp_path, "validate").returncode == 0

    running = Server(tmp_path)
    try:
        status, _type, body = running.get(f"/{path.stem}.html")
        assert status == 200 and b"Reports are back." in body and b"Posted <time" in body
        before = running.generation()
        _edit(path, "impact: minor", "impact: bad")
        running.wait_for_reload(before)
        running.wait_until(lambda: running.get(f"/{path.stem}.html")[0] == 500, "the error")
        page = running.get(f"/{path.stem}.html")[2].decode()
        assert re.search(rf"incidents/{path.stem}\.yaml:6:9: error: impact", page)
        before = running.generation()
        _edit(path, "impact: bad", "impact: minor")
        running.wait_for_reload(before)
        running.wait_until(lambda: running.get(f"/{path.stem}.html")[0] == 200, "the fixed page")
        assert running.get(f"/{path.stem}.html")[0] == 200
    finally:
        code, stderr = running.stop()
    assert code == 0 and "Traceback" not in stderr

    exported = _run(tmp_path, "render", str(path.relative_to(tmp_path)), "-f", "pdf", "-o", "report.pdf")
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF-")


def test_broken_file_leaves_the_other_incidents_listed_and_unrelated_files_do_not_reload(project: Path) -> None:
    """Issue 11: one broken file shows its error above the other incidents, never "No incidents reported.";
    a file the preview does not read (an e-mail draft beside the incidents) does not reload it."""
    second = "2022-04-13-contact-imports-open-tracking-images"
    shutil.copy(INCIDENTS / f"{second}.yaml", project / "incidents" / f"{second}.yaml")
    (project / "incidents" / "typo.yaml").write_text('title: "Checkout errors\nimpact: major\n', "utf-8")
    # Same id as a valid incident: the broken copy must not hide the valid one either.
    (project / "incidents" / "copy.yaml").write_text(f"id: {SEED}\ntitle: Copy\nimpact: huge\n", "utf-8")
    running = Server(project)
    try:
        status, _type, body = running.get("/")
        index = body.decode()
        assert status == 200 and "typo.yaml:1:8: error: YAML syntax" in index and "copy.yaml" in index
        assert "No incidents reported." not in index
        assert "Issue with Campaign Reports" in index and "Contact imports, email open tracking data" in index

        before = running.generation()
        (project / "incidents" / "reply-to-customer.txt").write_text("Dear customer, ...\n", "utf-8")
        (project / "incidents" / "draft.md").write_text("# Draft\n", "utf-8")
        (project / "typo.yaml").write_text("not: an incident\n", "utf-8")  # outside the incidents folder
        _edit(project / "incidents" / f"{second}.yaml", "status: postmortem", "status: resolved")
        running.wait_for_reload(before)
        assert running.generation() == before + 1, "only the incident edit reloads the preview"
    finally:
        code, stderr = running.stop()
    assert code == 0 and "Traceback" not in stderr
    changed = [line for line in stderr.splitlines() if line.startswith("changed:")]
    assert changed and all("reply-to-customer" not in line and "draft.md" not in line for line in changed), changed


def test_the_watch_is_ready_only_after_its_catch_up_reload(tmp_path: Path) -> None:
    """Before, ``ready`` was set first: a client could read the generation, then see it move by the catch-up reload
    (of edits made before the watch) as if its own edit had been picked up (test_serve's reload test was flaky)."""
    from generator.preview.server import watch

    ready, stop = threading.Event(), threading.Event()
    seen: list[bool] = []

    class State:
        def reload(self) -> None:
            seen.append(ready.is_set())

        def reads(self, path: str) -> bool:
            return False

    watcher = threading.Thread(target=watch, args=(State(), stop, lambda line: None, [tmp_path], ready), daemon=True)
    watcher.start()
    try:
        assert ready.wait(timeout=30)
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert seen == [False]
