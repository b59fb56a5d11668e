"""The SVG label fast path (generator/render/svg_text.py) puts each word where WeasyPrint's own code would."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

from generator.render.pdf_engine import html_to_pdf
from tests.test_pdf_engine import METADATA

LABELS = [  # word, attributes: every anchor, a plain fill, a stroke and an opacity (the full graphical state)
    ("Start", 'x="200" y="20"'),
    ("Middle", 'x="200" y="40" text-anchor="middle"'),
    ("Ending", 'x="200" y="60" text-anchor="end" fill="#0550ae"'),
    ("Stroked", 'x="200" y="80" text-anchor="end" stroke="#9a6700" stroke-width="0.5"'),
    ("Faded", 'x="200" y="100" fill="#1f2328" fill-opacity="0.5" font-weight="bold"'),
]


def _svg(extra: str = "") -> str:
    texts = "".join(f"<text {attributes}{extra}>{word}</text>" for word, attributes in LABELS)
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120" font-size="10"><g text-anchor="start">{texts}</g></svg>'


def _word_boxes(svg: str, tmp_path: Path) -> dict[str, tuple[float, float]]:
    image = base64.b64encode(svg.encode()).decode()
    pdf = html_to_pdf(f'<!doctype html><html><body><img style="width:400px" src="data:image/svg+xml;base64,{image}"></body></html>', METADATA)
    path = tmp_path / "labels.pdf"
    path.write_bytes(pdf)
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return {word: (float(x_min), float(x_max)) for x_min, x_max, word in
            re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(\w+)</word>', boxes)}


def test_labels_land_where_weasyprints_own_letter_by_letter_code_puts_them(tmp_path: Path) -> None:
    fast = _word_boxes(_svg(), tmp_path)
    # letter-spacing makes a label "not plain": WeasyPrint's own code draws it, letter by letter.
    own = _word_boxes(_svg(extra=' letter-spacing="0"'), tmp_path)
    assert set(fast) == set(own) == {word for word, _ in LABELS}
    for word in fast:
        assert abs(fast[word][0] - own[word][0]) < 0.75, (word, fast[word], own[word])
        assert abs(fast[word][1] - own[word][1]) < 0.75, (word, fast[word], own[word])
    # and the anchors mean what they say: "Ending" ends where "Start" starts, "Middle" is centred there
    assert abs(fast["Ending"][1] - fast["Start"][0]) < 1.0
    assert abs((fast["Middle"][0] + fast["Middle"][1]) / 2 - fast["Start"][0]) < 1.0
