"""``postmortem serve`` is safe on a laptop with a browser open (through the real command).

DNS rebinding is refused by the Host check, internal reports need ``--internal``,
the error page quotes only incident and config files, and malformed or over-long
requests get 400/414 without a traceback.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.preview.server import host_allowed
from tests.conftest import INCIDENTS
from tests.test_serve import SEED, WAIT, Server

CANARY = "CANARY-7f3a-not-for-the-page"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "incidents").mkdir()
    shutil.copy(INCIDENTS / f"{SEED}.yaml", tmp_path / "incidents" / f"{SEED}.yaml")
    (tmp_path / "postmortem.yaml").write_text("company: Dotdigital\nzone: Europe/London\n", "utf-8")
    secret = tmp_path / "elsewhere" / "passwd"
    secret.parent.mkdir()
    secret.write_text(f"root:x:0:0:{CANARY}:/root:/bin/bash\n{CANARY}: second line\n", "utf-8")
    (tmp_path / "incidents" / "linked.yaml").symlink_to(secret)  # a crafted checkout: an "incident" that is another file
    return tmp_path


@pytest.fixture
def server(project: Path) -> Iterator[Server]:
    running = Server(project)
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait(timeout=WAIT)


def raw(port: int, request: bytes) -> bytes:
    """Send bytes as they are (no client library tidying them up); return the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1."), answer[:200]
    return int(answer.split(b" ", 2)[1])


def get(port: int, path: str, host: str | None) -> tuple[int, bytes]:
    headers = f"Host: {host}\r\n" if host is not None else ""
    answer = raw(port, f"GET {path} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n".encode())
    return status_of(answer), answer.partition(b"\r\n\r\n")[2]


def test_only_requests_naming_this_machine_are_answered(server: Server) -> None:
    port = server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}", f"preview.localhost:{port}"):
        assert get(port, f"/{SEED}.html", host)[0] == 200, host
    for host in (f"attacker.example:{port}", "attacker.example", f"localhost.attacker.example:{port}", f"127.0.0.1.nip.io:{port}",
                 f"localhost:{port}@attacker.example", "", None):
        status, body = get(port, f"/{SEED}.md", host)
        assert status == 403 and b"Issue with Campaign Reports" not in body, host
    code, stderr = server.stop()
    assert code == 0 and "Traceback" not in stderr


@pytest.mark.parametrize(("header", "bound", "allowed"), [
    ("127.0.0.1:8000", "127.0.0.1", True), ("LOCALHOST:8000", "127.0.0.1", True), ("localhost.", "127.0.0.1", True),
    ("[::1]", "::1", True), ("10.1.2.3:8000", "0.0.0.0", True), ("devbox:8000", "devbox", True),
    ("devbox:8000", "127.0.0.1", False), ("evil.com:8000", "0.0.0.0", False), ("127.0.0.1:80x", "127.0.0.1", False),
    ("[::1", "::1", False), ("localhost:8000 evil", "127.0.0.1", False), (None, "127.0.0.1", False),
    ("localhost:٨٠٠٠", "127.0.0.1", False), ("localhost:²", "127.0.0.1", False),  # digits to str.isdigit(), not in a port
])
def test_host_check(header: str | None, bound: str, allowed: bool) -> None:
    assert host_allowed(header, bound) is allowed


def test_internal_reports_need_serve_internal(project: Path, server: Server) -> None:
    status, body = get(server.port, f"/{SEED}.internal.md", "localhost")
    assert status == 404 and b"serve --internal" in body
    assert get(server.port, f"/{SEED}.internal.pdf", "localhost")[0] == 404
    with_internal = Server(project, "--internal")
    try:
        status, body = get(with_internal.port, f"/{SEED}.internal.md", "localhost")
        assert status == 200 and body.startswith(b"# Issue with Campaign Reports")
    finally:
        with_internal.stop()


def test_the_error_page_never_quotes_a_symlinked_file(server: Server) -> None:
    for path in ("/linked.html", "/", f"/{SEED}.html", "/missing.html"):
        _status, body = get(server.port, path, "localhost")
        assert CANARY.encode() not in body, path
    _status, body = get(server.port, "/linked.html", "localhost")
    assert b"linked.yaml" in body  # the diagnostic itself is shown, only the lines are not


def test_malformed_and_over_long_requests_get_400_or_414_and_no_traceback(server: Server) -> None:
    port = server.port
    assert status_of(raw(port, b"GARBAGE\r\n\r\n")) == 400
    assert status_of(raw(port, b"GET /a b c d HTTP/1.1\r\n\r\n")) == 400
    assert status_of(raw(port, b"GET http://[/ HTTP/1.1\r\nHost: localhost\r\n\r\n")) == 400
    assert status_of(raw(port, b"GET * HTTP/1.1\r\nHost: localhost\r\n\r\n")) == 400
    assert status_of(raw(port, b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")) == 414
    assert status_of(raw(port, b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")) == 414
    assert status_of(raw(port, b"GET /%00%ff%c0%af.html HTTP/1.1\r\nHost: localhost\r\n\r\n")) == 404
    assert status_of(raw(port, b"GET /\xff\xfe.html HTTP/1.1\r\nHost: localhost\r\n\r\n")) in {400, 404}
    assert status_of(raw(port, b"GET / HTTP/1.1\r\nHost: localhost\r\nX: " + b"x" * 70000 + b"\r\n\r\n")) in {400, 431}
    assert get(port, f"/{SEED}.html", "localhost")[0] == 200  # still serving
    code, stderr = server.stop()
    assert code == 0 and "Traceback" not in stderr, stderr


def test_a_client_that_never_finishes_its_request_is_disconnected(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slowloris: before the timeout, each half-sent request held a thread of ``serve --host 0.0.0.0`` for ever."""
    import threading
    from http.server import ThreadingHTTPServer

    from generator.preview import server as preview_server

    monkeypatch.setattr(preview_server, "REQUEST_TIMEOUT", 0.5, raising=False)
    lines: list[str] = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), preview_server.make_handler(None, lines.append))  # type: ignore[arg-type]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with socket.create_connection(("127.0.0.1", httpd.server_address[1]), timeout=WAIT) as connection:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")  # the blank line never comes
            assert connection.recv(65536) == b""  # closed by the server, long before WAIT runs out
    finally:
        httpd.shutdown()
        httpd.server_close()


SECRET_INCIDENT = """title: Secret thing
visibility: internal
impact: major
status: resolved
started_at: 2024-01-01T00:00:00Z
internal_notes: {canary}
severity: SEV-1
bogus_key: 1
"""


def test_error_pages_quote_lines_only_to_this_machine_or_with_internal(tmp_path: Path) -> None:
    """Before, ``serve --host 0.0.0.0`` showed anyone on the network the lines around an error, internal fields
    included (an internal incident's ``internal_notes`` at /<id>.html), without ``--internal``."""
    from generator.preview.server import from_this_machine, respond
    from generator.preview.state import PreviewState

    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "secret.yaml").write_text(SECRET_INCIDENT.format(canary=CANARY), "utf-8")
    (tmp_path / "postmortem.yaml").write_text("company: Example\n", "utf-8")
    state = PreviewState(tmp_path / "postmortem.yaml")
    state.reload()
    for path in ("/secret.html", "/secret.md", "/"):
        remote = respond(state, path, trusted=False).body.decode()
        assert "secret.yaml:8:1: error: unknown key `…`" in remote or path == "/"  # the problem is named, not the key ...
        assert CANARY not in remote and "bogus_key" not in remote  # ... and no line or value of the file is quoted
    assert CANARY in respond(state, "/secret.html", trusted=True).body.decode()  # the author's own browser sees them
    assert from_this_machine(("127.0.0.1", 5000)) and from_this_machine(("::1", 5000, 0, 0))
    assert from_this_machine(("::ffff:127.0.0.1", 5000, 0, 0))
    assert not from_this_machine(("192.168.1.20", 5000)) and not from_this_machine(("fe80::1%eth0", 5000, 0, 2))
