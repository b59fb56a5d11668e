"""PDFs share one font configuration per process: the same bytes, and no document's own fonts reach another."""

from __future__ import annotations

import base64
import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pypdf

from generator.render import shared_fonts
from generator.render.pdf_engine import html_to_pdf
from tests.conftest import ROOT
from tests.test_pdf_engine import METADATA

# In a fresh interpreter: three samples' public and internal PDFs, with a configuration of its own, then all of
# them again, in reverse order, through the one shared configuration.
SAME_BYTES = textwrap.dedent("""
    from pathlib import Path
    from generator.model.catalog import load_incident
    from generator.model.config import SiteConfig
    from generator.load.sources import find_incident_files
    from generator.render import shared_fonts
    from generator.render.report import render_pdf
    config = SiteConfig()
    jobs = [(load_incident(path, config)[0], internal) for path in find_incident_files(Path("incidents"))[:3] for internal in (False, True)]
    alone = []
    for incident, internal in jobs:
        shared_fonts.forget()
        alone.append(render_pdf(incident, config, internal=internal))
    shared = [render_pdf(incident, config, internal=internal) for incident, internal in reversed(jobs)][::-1]
    print(len(jobs), sum(a == b for a, b in zip(alone, shared, strict=True)))
""")


def test_pdfs_through_the_shared_configuration_are_byte_identical_to_pdfs_rendered_alone() -> None:
    done = subprocess.run([sys.executable, "-c", SAME_BYTES], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rendered, identical = map(int, done.stdout.split())
    assert rendered == 6 and identical == rendered


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
