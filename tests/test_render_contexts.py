"""Every output context escapes for itself: CSS, attributes, URLs, JSON inside HTML (issue 9, class 1).

Payload matrices run in-process on the rendered documents, which are parsed as a
browser or WeasyPrint would (html5lib, tinycss2); one test per context goes through
the real command, and one through ``import statuspage`` (the export's page name
becomes ``company``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import html5lib
import pytest
import tinycss2

from generator.model.config import SiteConfig
from generator.model.ids import RESERVED_IDS
from generator.model.incident import Incident
from generator.render.contexts import UnsafeValueError, css_colour, css_ident, css_string, json_for_html, safe_url
from generator.render.markdown import markdown_to_text
from generator.render.report import report_html
from generator.render.status_post import render_status_post
from generator.site import render_site
from tests.conftest import INCIDENTS, load_sample, postmortem
from tests.shared_pdfs import pdf_text

BASE = Path(__file__).parent / "inputs" / "base.yaml"
STYLE_ATTACK = ("A</style><style>h1,h2,h3,table,p,li{display:none!important}"
                "body::after{content:'All systems normal'}</style><style>")
PAYLOADS = [
    STYLE_ATTACK,
    'Acme" } h1 { display: none } x { content: "',
    "Acme' ; } * { color: white } /*",
    "Acme\\\" } body { display: none }",
    "Acme </STYLE > <script>alert(1)</script>",
    "Acme <!-- --> ]]> &amp; &lt;",
    "Acme @import url(http://127.0.0.1/x.css);",
    "Ünïcödé Acme — “quoted” ✓",
]


def _incident(**changes: object) -> Incident:
    return load_sample("2023-10-28-checkout-payment-failures").model_copy(update=changes)


def _style_blocks(document: str) -> list[str]:
    tree = html5lib.parse(document, namespaceHTMLElements=False)
    return ["".join(style.itertext()) for style in tree.iter("style")]


def _page_margin_contents(css: str) -> dict[str, list[object]]:
    """The ``content`` tokens of each page-margin box (``@top-right`` …) of the ``@page`` rule."""
    found: dict[str, list[object]] = {}
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "page" and rule.content \
                and not [t for t in rule.prelude if t.type != "whitespace"]:
            for box in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
                if box.type == "at-rule":
                    for declaration in tinycss2.parse_blocks_contents(box.content or [], skip_comments=True, skip_whitespace=True):
                        if declaration.type == "declaration" and declaration.lower_name == "content":
                            found[box.lower_at_keyword] = [t for t in declaration.value if t.type != "whitespace"]
    return found


def _rule_count(css: str) -> int:
    return len([r for r in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_css_context_company_and_confidentiality_stay_one_string(payload: str) -> None:
    """In the PDF's ``<style>`` block a value is one CSS string: same rules, same boxes, the text itself."""
    benign = _style_blocks(report_html(_incident(company="Acme"), SiteConfig()))
    for internal, config in ((False, SiteConfig()), (True, SiteConfig(confidentiality=payload))):
        document = report_html(_incident(company=payload), config, internal=internal)
        blocks = _style_blocks(document)
        assert len(blocks) == len(benign) == 1
        assert "<" not in blocks[0]
        assert _rule_count(blocks[0]) == _rule_count(benign[0])
        top_right = _page_margin_contents(blocks[0])["top-right"]
        assert len(top_right) == 1 and top_right[0].type == "string"
        expected = payload if internal else f"Incident Report for {payload}"
        assert top_right[0].value == expected


@pytest.mark.parametrize("value", ["red;}body{display:none", "#12345", "#1234567", "#fff</style>", "url(x)", ""])
def test_css_context_colour_and_keyword_refuse_what_they_cannot_escape(value: str) -> None:
    with pytest.raises(UnsafeValueError):
        css_colour(value)
    with pytest.raises(UnsafeValueError):
        css_ident(value)
    assert css_colour("#1F6FEB") == "#1f6feb" and css_ident("Letter") == "Letter"


@pytest.mark.parametrize("value", [*PAYLOADS, "line\nbreak", "tab\there", "back\\slash", '"'])
def test_css_string_round_trips_through_a_css_parser(value: str) -> None:
    tokens = [t for t in tinycss2.parse_component_value_list(str(css_string(value))) if t.type != "whitespace"]
    assert len(tokens) == 1 and tokens[0].type == "string" and tokens[0].value == value


def test_css_context_through_the_real_command(tmp_path: Path) -> None:
    """The attack from issue 9: the PDF still shows every section, and the payload only as text."""
    text = BASE.read_text("utf-8").replace("company: Example Inc.", f"company: {json.dumps(STYLE_ATTACK)}")
    (tmp_path / "attack.yaml").write_text(text, "utf-8")
    result = postmortem("render", "attack.yaml", "-f", "pdf", "-o", "attack.pdf", cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    text = pdf_text(tmp_path / "attack.pdf")
    for heading in ("Checkout errors", "Summary of impact", "Root Cause", "Mitigation timeline", "Updates", "Alerts fired."):
        assert heading in text
    assert "All systems normal'}" in text  # the payload is printed as text, not applied


def test_css_context_through_import_page_name(tmp_path: Path) -> None:
    """``import statuspage``: the export's page name becomes ``company`` and stays a CSS string in the report."""
    export = json.loads((Path(__file__).parent / "fixtures" / "statuspage" / "single-incident.json").read_text("utf-8"))
    export = {"page": {"id": "p1", "name": STYLE_ATTACK, "time_zone": "Etc/UTC"}, "incidents": [export]}
    (tmp_path / "export.json").write_text(json.dumps(export), "utf-8")
    imported = postmortem("import", "statuspage", "export.json", "-o", "incidents", cwd=tmp_path, timeout=120)
    assert imported.returncode == 0, imported.stderr
    from generator.model.catalog import load_incident

    (path,) = sorted((tmp_path / "incidents").glob("*.yaml"))
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is not None and incident.company == STYLE_ATTACK, diagnostics
    (block,) = _style_blocks(report_html(incident, SiteConfig()))
    assert "<" not in block and _page_margin_contents(block)["top-right"][0].value == f"Incident Report for {STYLE_ATTACK}"


def _tags_and_attributes(document: str) -> tuple[list[str], list[tuple[str, str, str]]]:
    tree = html5lib.parse(document, namespaceHTMLElements=False)
    tags = [element.tag for element in tree.iter() if isinstance(element.tag, str)]
    attributes = [(element.tag, name, value) for element in tree.iter() if isinstance(element.tag, str)
                  for name, value in element.attrib.items()]
    return tags, attributes


ATTRIBUTE_PAYLOADS = ['x" onmouseover="alert(1)', "x' autofocus onfocus='alert(1)", "x><img src=x onerror=alert(1)>", "x&quot;onload=&quot;y"]


@pytest.mark.parametrize("payload", ATTRIBUTE_PAYLOADS)
def test_attribute_context_values_stay_inside_their_attribute(payload: str) -> None:
    """Title, summary and company land in ``content=``/``title=`` attributes: the same tags and attributes as a benign value."""
    benign = _incident(title="Checkout errors", company="Acme", summary="Plain summary.")
    hostile = _incident(title=payload, company=payload, summary=payload)
    def site_page(incident: Incident) -> str:
        return render_site([incident], SiteConfig())[f"incidents/{incident.slug}/index.html"].decode()

    for render in (lambda i: render_status_post(i, SiteConfig()), site_page):
        clean_tags, clean_attributes = _tags_and_attributes(render(benign))
        tags, attributes = _tags_and_attributes(render(hostile))
        assert tags == clean_tags
        assert [(tag, name) for tag, name, _ in attributes] == [(tag, name) for tag, name, _ in clean_attributes]
        assert not any(name.startswith("on") for _, name, _ in attributes)
        shown = (payload, markdown_to_text(payload))  # as written, or as Markdown reads it (``&quot;`` is a quote)
        assert any(text in value for _, _, value in attributes for text in shown)  # the value itself, decoded by the parser


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:x", "&#106;avascript:x", "%6Aavascript:x",
                                 "data:text/html,<script>x</script>", "vbscript:x", "file:///etc/passwd", "http:///x"])
def test_url_context_refuses_unsafe_schemes(url: str) -> None:
    assert safe_url(url) == "#link-removed"
    assert safe_url("https://tickets.example.com/OPS-1") == "https://tickets.example.com/OPS-1"
    assert safe_url("mailto:ops@example.com") == "mailto:ops@example.com"


def test_url_context_through_the_real_command(tmp_path: Path) -> None:
    """An internal ticket that is not an http(s)/mailto URL is refused before it can become an ``href``."""
    text = BASE.read_text("utf-8").replace("https://tickets.example.com/OPS-1", "javascript:alert(document.domain)")
    (tmp_path / "ticket.yaml").write_text(text, "utf-8")
    result = postmortem("render", "ticket.yaml", "-f", "pdf", "--internal", "-o", "x.pdf", cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "ticket.yaml:31:13: error: action_items[0].ticket:" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


JSON_PAYLOADS = ["</script><script>alert(1)</script>", "<!--<script>", "a\u2028b\u2029c", "&lt;tag&gt; & more", "]]>"]


@pytest.mark.parametrize("payload", JSON_PAYLOADS)
def test_json_in_html_context_cannot_close_a_script(payload: str) -> None:
    data = {"name": payload, "list": [payload, {"nested": payload}]}
    text = str(json_for_html(data))
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == data
    document = f'<!DOCTYPE html><html><head><script type="application/ld+json">{text}</script></head><body><p>after</p></body></html>'
    tree = html5lib.parse(document, namespaceHTMLElements=False)
    (script,) = list(tree.iter("script"))
    assert json.loads(script.text) == data and [p.text for p in tree.iter("p")] == ["after"]


def test_json_context_through_the_real_build(tmp_path: Path) -> None:
    """The JSON API carries no ``<``, ``>`` or ``&``: a file sniffed or embedded as HTML holds no tag, yet decodes to the text."""
    (tmp_path / "incidents").mkdir()
    text = BASE.read_text("utf-8").replace("title: Checkout errors", f"title: {json.dumps(JSON_PAYLOADS[0])}")
    (tmp_path / "incidents" / "json-attack.yaml").write_text(text, "utf-8")
    result = postmortem("build", "--format", "md,html", "-q", cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    api = sorted((tmp_path / "output" / "api").rglob("*.json"))
    assert api
    for path in api:
        raw = path.read_bytes()
        assert not set(raw) & set(b"<>&"), path
        json.loads(raw)
    incidents = json.loads((tmp_path / "output" / "api" / "v2" / "incidents.json").read_bytes())["incidents"]
    assert incidents[0]["name"] == JSON_PAYLOADS[0]


def test_reserved_ids_cover_every_name_the_site_writes_at_the_top() -> None:
    """An incident id may not be the stem of any top-level site file or folder (``index``, ``404``, ``api`` …)."""
    incidents = [load_sample(path.stem) for path in sorted(INCIDENTS.glob("*.yaml"))]
    top_level = {name.split("/", 1)[0].split(".", 1)[0] for name in render_site(incidents, SiteConfig())}
    could_clash = {name for name in top_level if re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", name)}  # `_headers` cannot be an id
    assert could_clash <= RESERVED_IDS, could_clash - RESERVED_IDS
