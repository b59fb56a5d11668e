"""Site config branding (logo, footer, colour, paper, labels) and the locale switch.

The locale test renders a seed whose free text is replaced by neutral words, so any
English left in the German output can only come from the interface.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from generator.errors import InputError
from generator.i18n import LOCALES
from generator.load import read_yaml
from generator.model.config import SiteConfig, load_config
from generator.model.incident import Incident
from generator.render.postmortem import render_markdown
from generator.render.report import render_pdf
from generator.render.status_post import render_status_post
from generator.render.text_post import render_text
from tests.conftest import INCIDENTS, SEED_IDS, load_sample
from tests.shared_pdfs import page_texts

pytestmark = pytest.mark.shared_pdfs  # PDF renders and their text shared with other tests (tests/shared_pdfs.py)

FREE_TEXT = {"title", "company", "summary", "root_cause", "mitigation", "next_steps", "lessons_learned", "body", "text",
             "severity", "internal_notes", "notes", "owner", "label", "group"}


def png(width: int = 2, height: int = 2) -> bytes:
    """A tiny valid PNG (grey pixels), built by hand so the test needs no imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _neutral(value: Any, names: dict[str, str], key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _neutral(v, names, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_neutral(v, names, key) for v in value]
    if key in {"name", "component", "components"} and isinstance(value, str):
        return names.setdefault(value, f"Lorem{len(names) + 1}")
    return "Lorem ipsum dolor" if key in FREE_TEXT and isinstance(value, str) else value


def neutral_seed(incident_id: str) -> Incident:
    data = read_yaml(INCIDENTS / f"{incident_id}.yaml").data
    neutral = _neutral(data, {})
    neutral["id"] = incident_id
    return Incident.model_validate(neutral)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in {"style", "script"}
        self.parts.extend(v or "" for k, v in attrs if k in {"aria-label", "title", "alt", "content"})

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in {"style", "script"}

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def pdf_text(data: bytes) -> str:
    return " ".join(page_texts(data))


def _pairs(en: Any, other: Any, path: str = "") -> list[tuple[str, str, str]]:
    """(key, English text, translated text) for every interface string of both tables."""
    if isinstance(en, dict):
        return [pair for key in en for pair in _pairs(en[key], other[key], f"{path}.{key}")]
    if isinstance(en, list):
        return [pair for i, item in enumerate(en) for pair in _pairs(item, other[i], f"{path}[{i}]")]
    return [(path, en, other)]


def english_left(text: str, locale: str) -> list[str]:
    """English interface words that appear in ``text`` although ``locale`` translates them."""
    found = []
    for key, en, translated in _pairs(LOCALES["en"], LOCALES[locale]):
        for piece in (p.strip(" :.,") for p in re.split(r"\{\w+\}", en)):
            if len(piece) < 2 or piece in translated:
                continue
            if re.search(rf"(?<![\w-]){re.escape(piece)}(?![\w-])", text):
                found.append(f"{key}: {piece!r}")
    return found


@functools.cache
def english_pdf_text(incident_id: str) -> str:
    """The control, the same for every locale: rendered once per seed."""
    return pdf_text(render_pdf(neutral_seed(incident_id), SiteConfig()))


@pytest.mark.parametrize("locale", ["de", "fr"])
@pytest.mark.parametrize("incident_id", SEED_IDS)
def test_locale_switches_every_interface_string(incident_id: str, locale: str) -> None:
    incident = neutral_seed(incident_id)
    config = SiteConfig(locale=locale)
    english = SiteConfig()
    outputs = {
        "html": html_text(render_status_post(incident, config)),
        "md": render_markdown(incident, config),
        "txt": render_text(incident, config),
        "pdf": pdf_text(render_pdf(incident, config)),
    }
    for fmt, text in outputs.items():
        assert english_left(text, locale) == [], fmt
    # the check can fail: the same neutral incident in English is full of interface strings
    assert len(english_left(html_text(render_status_post(incident, english)), locale)) > 5
    assert len(english_left(english_pdf_text(incident_id), locale)) > 5
    months = LOCALES[locale]["months"]
    assert any(month in outputs["html"] for month in months) and f'lang="{locale}"' in render_status_post(incident, config)


def test_german_seed_keeps_its_content_and_times() -> None:
    incident = load_sample(SEED_IDS[0])
    html = render_status_post(incident, SiteConfig(locale="de"))
    assert "Veröffentlicht" in html and "13. Sep. 2021, 16:53 BST" in html and "Betroffen waren:" in html
    assert "We’re satisfied our initial fix" in html


def test_paper_size_changes_the_pdf_page() -> None:
    incident = load_sample(SEED_IDS[0])
    sizes = {}
    for paper in ("A4", "Letter"):
        box = PdfReader(io.BytesIO(render_pdf(incident, SiteConfig(paper=paper)))).pages[0].mediabox
        sizes[paper] = (round(float(box.width)), round(float(box.height)))
    assert sizes == {"A4": (595, 842), "Letter": (612, 792)}


def _config(tmp_path: Path, text: str) -> SiteConfig:
    path = tmp_path / "postmortem.yaml"
    path.write_text(text, "utf-8")
    return load_config(path)[0]


def test_logo_is_embedded_in_post_and_pdf(tmp_path: Path) -> None:
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(png())
    config = _config(tmp_path, "company: Dotdigital\nlogo: brand/logo.png\nfooter: Questions? support@example.com\nbrand_color: '#AA3300'\n")
    assert config.logo_uri is not None and config.logo_uri.startswith("data:image/png;base64,")
    incident = load_sample(SEED_IDS[0])
    html = render_status_post(incident, config)
    assert f'src="{config.logo_uri}"' in html and "Questions? support@example.com" in html and "--brand: #aa3300" in html
    pdf = render_pdf(incident, config)
    reader = PdfReader(io.BytesIO(pdf))
    assert any(page.images for page in reader.pages), "the logo is drawn in the PDF"
    assert "Questions? support@example.com" in pdf_text(pdf)
    assert "brand/logo.png" not in html, "no local path reaches the output"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
    ("logo.png", b"GIF89a not really a png", "not a PNG or JPEG"),
    ("logo.png", png(512, 512) + b"\x00" * 300_000, "keep it under"),
    ("missing.png", None, "not found"),
    ("../logo.png", b"", "inside the config's folder"),
])
def test_bad_logo_is_a_positioned_config_error(tmp_path: Path, name: str, data: bytes | None, message: str) -> None:
    if data is not None:
        (tmp_path / name).resolve().write_bytes(data)
    with pytest.raises(InputError) as caught:
        _config(tmp_path, f"company: X\nlogo: {name}\n")
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.column) == (2, 7) and message in diagnostic.message
    assert diagnostic.path.endswith("postmortem.yaml")


def test_jpeg_logo_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "logo.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 16)
    assert _config(tmp_path, "logo: logo.jpg\n").logo_uri.startswith("data:image/jpeg;base64,")  # type: ignore[union-attr]


def test_labels_override_status_words_and_headings(tmp_path: Path) -> None:
    config = _config(tmp_path, "labels:\n  statuses:\n    update: Progress update\n  headings:\n    summary: What happened\n")
    incident = load_sample(SEED_IDS[0])
    html = render_status_post(incident, config)
    assert re.search(r"<h2[^>]*>Progress update</h2>", html) and "What happened" in html and "Summary of impact" not in html
    assert "Progress update" in render_text(incident, config)


def test_unknown_label_key_is_a_positioned_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _config(tmp_path, "labels:\n  statuses:\n    updat: Progress\n")
    [diagnostic] = caught.value.diagnostics
    assert (diagnostic.line, diagnostic.column) == (3, 5) and "did you mean `update`" in diagnostic.message


@pytest.mark.parametrize(("text", "line", "column", "message"), [
    ("paper: A5\n", 1, 8, "'A5' is not allowed"),
    ("locale: es\n", 1, 9, "'es' is not allowed"),
    ("company: X\nbrand_color: red\n", 2, 14, "not a colour"),
    ("compnay: X\n", 1, 1, "did you mean `company`"),
])
def test_config_errors_are_positioned(tmp_path: Path, text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(InputError) as caught:
        _config(tmp_path, text)
    diagnostic = caught.value.diagnostics[0]
    assert (diagnostic.line, diagnostic.column) == (line, column) and message in diagnostic.message, diagnostic.format()


def test_confidentiality_label_on_internal_pdf() -> None:
    incident = load_sample(SEED_IDS[0])  # a short report will do: the label sits in the internal report's page header
    config = SiteConfig(confidentiality="STRENG VERTRAULICH")
    assert "STRENG VERTRAULICH" in pdf_text(render_pdf(incident, config, internal=True))
    assert "STRENG VERTRAULICH" not in pdf_text(render_pdf(incident, config))


def test_repository_config_keeps_the_seeds_as_they_were() -> None:
    from tests.conftest import ROOT, TESTS

    config, _root = load_config(ROOT / "postmortem.yaml")
    assert (config.company, config.zone, config.base_url) == ("Dotdigital", "Europe/London", "https://status.example.com/")
    for incident_id in SEED_IDS:
        incident = load_sample(incident_id, config)
        assert render_status_post(incident, config) == (TESTS / "golden" / f"{incident_id}.html").read_text("utf-8")
        assert render_markdown(incident, config) == (TESTS / "golden" / f"{incident_id}.md").read_text("utf-8")


def test_internal_labels_follow_the_locale_unless_configured() -> None:
    incident = load_sample("2023-10-28-checkout-payment-failures")
    german_md = render_markdown(incident, SiteConfig(locale="de"), internal=True)
    assert "Intern: nicht weiterleiten" in german_md and "_(intern)_" in german_md
    assert "Internal: do not forward" not in german_md and "(internal)" not in german_md
    german_pdf = pdf_text(render_pdf(incident, SiteConfig(locale="de"), internal=True))
    assert "Intern: nicht weiterleiten" in german_pdf and "Internal: do not forward" not in german_pdf
    custom = render_markdown(incident, SiteConfig(locale="de", confidentiality="Streng vertraulich"), internal=True)
    assert "Streng vertraulich" in custom and "Intern: nicht weiterleiten" not in custom
