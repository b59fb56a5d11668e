"""Tests for generator.render.pdf_engine: sandboxing, reproducibility, metadata.

The sandbox tests use canaries and a counting local HTTP server so that a
leak shows up as a failure, and positive controls prove the canary would be
seen if it leaked.
"""

from __future__ import annotations

import base64
import http.server
import io
import logging
import os
import secrets
import struct
import subprocess
import sys
import textwrap
import threading
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pypdf
import pytest

from generator.render import pdf_engine
from generator.render.pdf_engine import PdfMetadata, html_to_pdf
from tests.shared_pdfs import page_texts

REPO_ROOT = Path(__file__).resolve().parents[1]

METADATA = PdfMetadata(
    title='DB outage <&> "quoted"',
    author="ACME Corp",
    subject="Postmortem INC-1234",
    keywords=("database", "sev1"),
    created=datetime(2024, 3, 1, 12, 30, 5, tzinfo=timezone(timedelta(hours=2))),
    modified=datetime(2024, 3, 2, 8, 0, 0, tzinfo=UTC),
    lang="en",
)


def _png_1x1() -> bytes:
    """A valid 1x1 red PNG, built by hand so the test needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PNG_DATA_URL = "data:image/png;base64," + base64.b64encode(_png_1x1()).decode()


def _doc(head: str = "", body: str = "<p>Hello</p>") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def _text(pdf: bytes) -> str:
    return "\n".join(page_texts(pdf))


def _image_count(pdf: bytes) -> int:
    count = 0
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        for ref in xobjects.values():
            if ref.get_object().get("/Subtype") == "/Image":
                count += 1
    return count


def test_metadata_comes_from_pdf_metadata_not_html_or_clock() -> None:
    head = (
        "<title>template title</title><meta name=author content=evil>"
        "<meta name=description content=wrong>"
        "<meta name=dcterms.created content=1999-01-01>"
        "<meta name=dcterms.modified content=1999-01-01>"
    )
    reader = pypdf.PdfReader(io.BytesIO(html_to_pdf(_doc(head), METADATA)))
    info = reader.metadata
    assert info is not None
    assert info.title == METADATA.title
    assert info.author == METADATA.author
    assert info.subject == METADATA.subject
    assert info["/Keywords"] == "database, sev1"
    assert info.creation_date == METADATA.created
    assert info.modification_date == METADATA.modified
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_naive_datetime_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PdfMetadata(
            title="t",
            author="a",
            subject="s",
            created=datetime(2024, 1, 1),
            modified=datetime(2024, 1, 1, tzinfo=UTC),
        )


_RENDER_SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime, timedelta, timezone
    from generator.render.pdf_engine import PdfMetadata, html_to_pdf

    md = PdfMetadata(
        title="Repro", author="ACME", subject="INC-1", keywords=("a", "b"),
        created=datetime(2024, 3, 1, 12, 30, tzinfo=timezone(timedelta(hours=-5))),
        modified=datetime(2024, 3, 2, 8, 0, tzinfo=UTC),
    )
    rows = "".join(
        f"<tr><td><b>10:{i:02d}</b></td><td>événement {i} ✓</td></tr>"
        for i in range(80)
    )
    html = (
        "<!doctype html><html><head><title>t</title></head><body>"
        f"<h1>Repro</h1><img src='{sys.argv[2]}'><table>{rows}</table>"
        "</body></html>"
    )
    css = "@page { @bottom-center { content: counter(page) } } h1 { color: #a00 }"
    with open(sys.argv[1], "wb") as out:
        out.write(html_to_pdf(html, md, stylesheets=[css]))
    """
)


def test_bytes_identical_across_processes_tz_and_hashseed(tmp_path: Path) -> None:
    """The same document rendered in a new interpreter with another zone and hash seed, and here: the same bytes.

    This process has a random hash seed and the machine's zone (UTC when TZ is unset); the other one is on the
    far side of UTC, with a fixed seed. Whole builds across processes: tests/test_build.py.
    """
    script = tmp_path / "render.py"
    script.write_text(_RENDER_SCRIPT, encoding="utf-8")
    there, here = tmp_path / "there.pdf", tmp_path / "here.pdf"
    env = {**os.environ, "TZ": "Pacific/Auckland", "PYTHONHASHSEED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    subprocess.run([sys.executable, str(script), str(there), PNG_DATA_URL], env=env, check=True, timeout=120)
    argv, sys.argv = sys.argv, [str(script), str(here), PNG_DATA_URL]
    try:
        exec(compile(_RENDER_SCRIPT, str(script), "exec"), {"__name__": "__main__"})
    finally:
        sys.argv = argv
    assert there.read_bytes()[:5] == b"%PDF-"
    assert len(pypdf.PdfReader(there).pages) >= 2
    assert there.read_bytes() == here.read_bytes()


def test_pdf_id_is_fixed_and_content_derived() -> None:
    first = pypdf.PdfReader(io.BytesIO(html_to_pdf(_doc(), METADATA))).trailer["/ID"]
    again = pypdf.PdfReader(io.BytesIO(html_to_pdf(_doc(), METADATA))).trailer["/ID"]
    other = pypdf.PdfReader(io.BytesIO(html_to_pdf(_doc(body="<p>Other</p>"), METADATA))).trailer["/ID"]
    assert list(first) == list(again)
    assert first[0] != other[0]



def test_a_stylesheet_that_fetches_nothing_is_parsed_once_and_shared_without_changing_a_byte() -> None:
    """A build's reports share one stylesheet; the engine parses it once per process (``_parsed_stylesheet``)."""
    sheet = "@page { size: A5; @bottom-center { content: counter(page) } } p { color: #a30; font-size: 14pt }"
    pdf_engine._parsed_stylesheet.cache_clear()
    first = html_to_pdf(_doc(body="<p>One</p>"), METADATA, stylesheets=[sheet])
    other = html_to_pdf(_doc(body="<h1>Two</h1><p>Two</p>" * 30), METADATA, stylesheets=[sheet])  # three pages
    again = html_to_pdf(_doc(body="<p>One</p>"), METADATA, stylesheets=[sheet])
    assert pdf_engine._parsed_stylesheet.cache_info().misses == 1  # parsed once, used three times
    assert first == again  # rendering another document with the shared sheet changed nothing in it
    assert len(pypdf.PdfReader(io.BytesIO(other)).pages) > 1 and "1" in _text(other)  # the @page rules applied
    page = pypdf.PdfReader(io.BytesIO(first)).pages[0]
    assert round(float(page.mediabox.width)) == 420  # A5: 148 mm
    # A sheet that could fetch or declare a font is parsed for each render, with that render's fetcher and fonts.
    for fetching in ("p { background: url(data:image/png;base64,AA==) }", "@import 'x.css';", "@font-face { font-family: x }",
                     "p { background: \\75 rl(x) }", "@\\69 mport 'x.css';", "@font-\\66\tace { font-family: x }"):
        assert not pdf_engine._reusable(fetching), fetching
    assert pdf_engine._reusable('p::after { content: "Acme\\2C  Inc\\2E " }')  # a company name's escapes: still shared


def _canary_html(canary_file: Path) -> str:
    url = canary_file.as_uri()
    path = str(canary_file)
    head = f"""
        <link rel=stylesheet href="{url}">
        <link rel=stylesheet href="{path}">
        <link rel=attachment href="{url}">
        <link rel=attachment href="{path}">
        <style>
          @import url("{url}");
          @import "{path}";
          body {{ background: url("{url}"); }}
          @font-face {{ font-family: Leak; src: url("{url}"); }}
        </style>"""
    body = f"""
        <p>Body text</p>
        <img src="{url}"><img src="{path}">
        <a rel=attachment href="{url}">a1</a>
        <a rel=attachment href="{path}">a2</a>
        <a rel=attachment download=x.txt href="{canary_file.name}">a3</a>"""
    return _doc(head, body)


def test_local_files_never_read(tmp_path: Path) -> None:
    canary = "CANARY" + secrets.token_hex(8)
    canary_file = tmp_path / "canary.css"
    # Leaks as raw bytes if attached, as visible text if used as a stylesheet.
    canary_file.write_text(f'body::after {{ content: "{canary}" }}\n', encoding="utf-8")
    html = _canary_html(canary_file)
    # A <base> pointing at the canary's folder must not help either.
    based = html.replace("<head>", f'<head><base href="{tmp_path.as_uri()}/">', 1)

    for doc in (html, based):
        pdf = html_to_pdf(doc, METADATA, uncompressed=True)
        assert canary.encode() not in pdf
        assert canary not in _text(pdf)
        assert b"/EmbeddedFile" not in pdf
        assert "Body text" in _text(pdf)


def test_canary_controls_prove_the_checks_can_fail(tmp_path: Path) -> None:
    import weasyprint

    canary = "CANARY" + secrets.token_hex(8)
    canary_file = tmp_path / "canary.css"
    canary_file.write_text(f'body::after {{ content: "{canary}" }}\n', encoding="utf-8")

    # Canary as body text is found by text extraction of our own output.
    ours = html_to_pdf(_doc(body=f"<p>{canary}</p>"), METADATA, uncompressed=True)
    assert canary in _text(ours)

    # WeasyPrint with its default fetcher does leak the file: as an attachment
    # (raw bytes) and as a stylesheet (visible text).
    leaky = weasyprint.HTML(string=_canary_html(canary_file), base_url=str(tmp_path)).write_pdf(uncompressed_pdf=True)
    assert canary.encode() in leaky
    assert canary in _text(leaky)


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b"body { color: red }"
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_no_network_requests(counting_server: tuple[str, list[str]]) -> None:
    base, hits = counting_server
    head = f"""
        <link rel=stylesheet href="{base}/style.css">
        <link rel=attachment href="{base}/attach.bin">
        <style>
          @import url("{base}/import.css");
          @font-face {{ font-family: Remote; src: url("{base}/font.woff2"); }}
          body {{ font-family: Remote; background: url("{base}/bg.png"); }}
        </style>"""
    body = f"""
        <p>Text</p><img src="{base}/img.png">
        <a rel=attachment href="{base}/a.bin">att</a>
        <img src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'
          width='5' height='5'><image href='{base}/svg.png'/></svg>">"""
    html_to_pdf(_doc(head, body), METADATA, stylesheets=[f'@import "{base}/x.css";'])
    based = _doc(f'<base href="{base}/">', '<img src="rel.png">')
    html_to_pdf(based, METADATA)

    # Control: the server works and would have counted a real request.
    assert hits == []
    import urllib.request

    with urllib.request.urlopen(f"{base}/control", timeout=5) as response:
        response.read()
    assert hits == ["/control"]


_DEVICE_SCRIPT = textwrap.dedent(
    """
    import resource
    from datetime import UTC, datetime
    from generator.render.pdf_engine import PdfMetadata, html_to_pdf

    # A leaking fetcher would read /dev/zero forever: fail fast, not OOM.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    md = PdfMetadata(title="t", author="a", subject="s",
                     created=datetime(2024, 1, 1, tzinfo=UTC),
                     modified=datetime(2024, 1, 1, tzinfo=UTC))
    body = (
        '<img src="http://169.254.169.254/latest/meta-data/">'
        '<img src="/dev/urandom"><img src="file:///dev/zero">'
        '<link rel=stylesheet href="/dev/urandom">'
        '<link rel=attachment href="file:///dev/zero">'
        '<a rel=attachment href="/dev/urandom">x</a>'
        '<img src="x.png"><img src="https://example.com/a.png">'
    )
    pdf = html_to_pdf(f"<html><body>{body}</body></html>", md)
    assert pdf.startswith(b"%PDF-")
    """
)


def test_metadata_endpoint_and_devices_do_not_hang_or_fail(tmp_path: Path) -> None:
    script = tmp_path / "devices.py"
    script.write_text(_DEVICE_SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    # The timeout only turns a hang into a failure; the figure itself is measured in benchmarks/, not here.
    subprocess.run([sys.executable, str(script)], env=env, check=True, timeout=120)


def test_data_url_attachments_not_embedded() -> None:
    canary = "CANARY" + secrets.token_hex(8)
    data = f"data:text/plain,{canary}"
    html = _doc(
        f'<link rel=attachment href="{data}">',
        f'<a rel=attachment href="{data}">x</a>',
    )
    pdf = html_to_pdf(html, METADATA, uncompressed=True)
    assert canary.encode() not in pdf
    assert b"/EmbeddedFile" not in pdf


def test_blocked_fetches_logged_on_generator_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    body = '<img src="file:///etc/passwd"><img src="x.png"><img src="/etc/hosts">'
    html_to_pdf(_doc(body=body), METADATA)
    ours = [r.getMessage() for r in caplog.records if r.name == "generator.pdf"]
    # Relative URLs are resolved and reach the fetcher, which refuses them.
    for url in ("file:///etc/passwd", "x.png", "/etc/hosts"):
        assert any(url in message for message in ours), (url, ours)
    theirs = [r for r in caplog.records if r.name.startswith("weasyprint")]
    assert not any("passwd" in r.getMessage() for r in theirs)


def test_data_urls_still_work() -> None:
    without = html_to_pdf(_doc(body="<p>x</p>"), METADATA, uncompressed=True)
    with_img = html_to_pdf(
        _doc(body=f'<p>x</p><img src="{PNG_DATA_URL}" style="width:2cm">'),
        METADATA,
        uncompressed=True,
    )
    assert _image_count(without) == 0
    assert _image_count(with_img) == 1
    assert len(with_img) > len(without)

    css = base64.b64encode(b'body::after { content: "FROM-DATA-CSS" }').decode()
    link = f'<link rel=stylesheet href="data:text/css;charset=utf-8;base64,{css}">'
    assert "FROM-DATA-CSS" in _text(html_to_pdf(_doc(link), METADATA))


FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")  # fonts-dejavu-core, installed by scripts/setup


def test_data_url_font_is_embedded() -> None:
    font = base64.b64encode(FONT_FILE.read_bytes()).decode()
    css = f"@font-face {{ font-family: DataFace; src: url(data:font/ttf;base64,{font}) }} p {{ font-family: DataFace }}"
    pdf = html_to_pdf(_doc(body="<p>mono</p>"), METADATA, stylesheets=[css])
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font_dict = ref.get_object()
            descendant = font_dict["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]
            fonts.add(str(font_dict["/BaseFont"]))
    assert any("DataFace" in name for name in fonts), fonts


def test_import_does_not_load_weasyprint() -> None:
    code = "import sys, generator.render.pdf_engine; assert 'weasyprint' not in sys.modules, 'weasyprint imported eagerly'"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)


def test_harfbuzz_subset_detection_and_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(pdf_engine.harfbuzz_subset_available(), bool)
    monkeypatch.setattr(pdf_engine, "_setup_done", False)
    monkeypatch.setattr(pdf_engine, "harfbuzz_subset_available", lambda: False)
    with pytest.warns(RuntimeWarning, match="libharfbuzz-subset0"):
        html_to_pdf(_doc(), METADATA)
