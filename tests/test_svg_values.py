"""The memos in front of WeasyPrint's SVG value parsers change no byte of a PDF and stay bounded."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

# Renders the same document with WeasyPrint as it is, then with the memos: two samples' timeline pictures,
# plus an SVG whose equal colours have different opacities (color()'s result is mutated by its caller, so a
# shared result would change the second one), lengths in every unit and the references parse_url reads.
SAME_BYTES = textwrap.dedent("""
    import base64, pathlib, sys
    import generator.render.weasyprint_import
    import weasyprint.svg, weasyprint.svg.utils
    from weasyprint import HTML
    from generator.render import svg_values
    pictures = sorted(pathlib.Path("tests/golden/timeline").glob("*.svg"))[:2]
    extra = '''<svg xmlns="http://www.w3.org/2000/svg" width="10cm" height="4cm" viewBox="0 0 400 160">
      <defs><clipPath id="c"><rect width="300" height="150"/></clipPath></defs>
      <rect x="1%" y="2mm" width="20em" height="3ex" fill="#336699" fill-opacity="0.5" stroke="#336699" stroke-opacity="0.25"/>
      <rect x="5pt" y="40" width="10pc" height="1in" fill="#336699" fill-opacity="0.9" clip-path="url(#c)"/>
      <circle cx="50%" cy="50%" r="1.5em" fill="rgb(10 20 30 / 50%)" opacity="0.5" stroke-dasharray="2 1" stroke="#336699"/>
      <text x="10" y="150" font-size="1.2em" fill="#336699" fill-opacity="0.3">opacity</text></svg>'''
    images = [path.read_text("utf-8") for path in pictures] + [extra]
    html = "".join('<img style="width:16cm" src="data:image/svg+xml;base64,%s">' % base64.b64encode(svg.encode()).decode() for svg in images)
    plain = HTML(string=html).write_pdf(uncompressed_pdf=True)
    original = weasyprint.svg.size
    assert svg_values.install()
    assert weasyprint.svg.size is not original and weasyprint.svg.utils.color.cache_info
    remembered = HTML(string=html).write_pdf(uncompressed_pdf=True)
    again = HTML(string=html).write_pdf(uncompressed_pdf=True)
    hits = weasyprint.svg.utils.color.cache_info().hits
    print(len(pictures), plain == remembered == again, hits > 0)
""")


def test_the_same_document_gives_the_same_bytes_with_the_memos() -> None:
    done = subprocess.run([sys.executable, "-c", SAME_BYTES], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "True", "True"]


def test_long_or_unusual_values_are_parsed_but_never_remembered() -> None:
    from generator.render import svg_values, weasyprint_import  # weasyprint_import first: the quick library search

    assert weasyprint_import.weasyprint and svg_values.install()
    utils = importlib.import_module("weasyprint.svg.utils")
    normalize, size = utils.normalize, utils.size
    before = normalize.cache_info().currsize
    long_path = "M0 0" + " L1,2" * 5000
    assert normalize(long_path).startswith("M0 0 L1 2")
    assert normalize.cache_info().currsize == before
    for number in range(2000):  # many distinct short values: the memo keeps a bounded number
        assert size(f"{number}px") == number
    assert size.cache_info().currsize <= 512
    assert size("50%", 10.0, 300.0) == 150.0 and size("2em", 10.0) == 20.0 and size(None) == 0
