"""PDFs share one font configuration per process: the same bytes, and no document's own fonts reach another."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pypdf

from generator.model.config import SiteConfig
from generator.render import shared_fonts
from generator.render.pdf_engine import html_to_pdf
from generator.render.report import render_pdf
from tests.conftest import load_sample
from tests.test_pdf_engine import METADATA


def test_pdfs_through_the_shared_configuration_are_byte_identical_to_pdfs_rendered_alone() -> None:
    config = SiteConfig()
    first, second = load_sample("2021-09-13-campaign-reports"), load_sample("2023-10-28-checkout-payment-failures")
    shared_fonts.forget()
    alone = render_pdf(first, config)
    shared_fonts.forget()
    internal_alone = render_pdf(second, config, internal=True)
    # The configuration now holds what the second render loaded and measured; the first report again through it:
    assert render_pdf(first, config) == alone
    assert render_pdf(second, config, internal=True) == internal_alone


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def _page(style: str = "", body: str = "") -> str:
    return f'<!doctype html><html><head><style>{style}</style></head><body><p style="font-family: Leaky, serif">Leak?</p>{body}</body></html>'


# Installed by scripts/setup (fonts-dejavu-core). A font a document declares must come as a data: URL: the
# engine fetches nothing else (not even local() fonts, which WeasyPrint reads through file: URLs).
FONT = "data:font/ttf;base64," + base64.b64encode(Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf").read_bytes()).decode()
DECLARATION = f'@font-face {{ font-family: "Leaky"; src: url({FONT}) }}'


def _svg_declaring() -> str:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>{DECLARATION}</style><text x="1" y="9">x</text></svg>'
    return f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'


def test_a_document_that_declares_a_font_does_not_lend_it_to_the_next() -> None:
    declaring = {"plain": DECLARATION, "escaped": DECLARATION.replace("@font-face", "@\\66 ont-face")}
    shared_fonts.forget()
    before = _fonts(html_to_pdf(_page(), METADATA))
    assert "Leaky" not in before  # control: "Leaky" is unknown, so the serif fallback is used
    for name, style in declaring.items():
        assert "Leaky" in _fonts(html_to_pdf(_page(style), METADATA)), f"control: the {name} declaration works"
        assert _fonts(html_to_pdf(_page(), METADATA)) == before, f"the {name} declaration reached the next document"
    with shared_fonts.font_configuration() as shared:
        pass
    html_to_pdf(_page(body=_svg_declaring()), METADATA)  # declared inside an SVG image, in base64
    with shared_fonts.font_configuration() as after:
        assert after is not shared, "the SVG's declaration went unnoticed"
    assert _fonts(html_to_pdf(_page(), METADATA)) == before, "the SVG's declaration reached the next document"


def test_the_configuration_is_shared_until_a_document_declares_a_font() -> None:
    shared_fonts.forget()
    with shared_fonts.font_configuration() as first:
        pass
    with shared_fonts.font_configuration() as second:
        with shared_fonts.font_configuration() as meanwhile:  # another thread's render while the shared one is in use
            assert meanwhile is not second
    assert first is second
    html_to_pdf(_page(DECLARATION), METADATA)
    with shared_fonts.font_configuration() as after:
        assert after is not second
