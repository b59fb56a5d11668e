"""Untrusted incident text: no raw HTML, no unsafe link, no broken document structure, no template evaluation.

HTML outputs are checked with an allowlist HTML parser.  Markdown outputs are
checked the way a permissive viewer would show them: rendered by CommonMark
with raw HTML *enabled* and every link accepted, then put through the same
allowlist check.  So the tests do not trust the code under test's own checker.
"""

from __future__ import annotations

import copy
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from markdown_it import MarkdownIt

from generator.model.catalog import load_valid
from generator.model.config import SiteConfig
from generator.model.markdown_syntax import is_safe_link
from generator.render.formats import RenderSettings, render_document
from generator.render.markdown import markdown_block, markdown_inline, markdown_to_html
from tests.conftest import postmortem
from tests.test_site_support import FAVICON

INPUTS = Path(__file__).resolve().parent / "inputs"
BASE = yaml.safe_load((INPUTS / "base.yaml").read_text("utf-8"))

HTML_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<!-- hidden comment -->",
    "<style>body{display:none}</style>",
    "<svg onload=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<scr<script>ipt>alert(1)</script>",
    "``<script>alert(1)</script>`",
    "\\`<script>alert(1)</script>`",
    "<div>\n\n<script>alert(1)</script>\n\n</div>",
    "<?php echo 1; ?>",
    "<![CDATA[<script>]]>",
    "<a\nhref=javascript:alert(1)>x</a>",
]
LINK_PAYLOADS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](java&#09;script:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](&#X6a;&#x61;vascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](%20javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x]( javascript:alert(1) )",
    "[x](javascript:alert(1) \"title\")",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x][ref]\n\n[ref]: <javascript:alert(1)>",
    "[x][ref]\n\n[ref]:\n  javascript:alert(1)",
    "> [x][ref]\n>\n> [ref]: javascript:alert(1)",
    "- [ref]: javascript:alert(1)\n\n[x][ref]",
    "[ref]\n\n[ref]: vbscript:x",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:x>",
    "<data:text/html,x>",
    "![img](javascript:alert(1))",
    "![img](https://tracker.example/pixel.png)",
    "![img][r]\n\n[r]: https://tracker.example/p.png",
    "[x](//evil.example/path)",
    "[x](file:///etc/passwd)",
    "[x](\\javascript:alert(1))",
]
PAYLOADS = HTML_PAYLOADS + LINK_PAYLOADS
SAFE_LINKS = ["[a](https://example.com/x?y=1#z)", "[b](http://example.com)", "[c](mailto:ops@example.com)", "[d](#timeline)",
              "<https://example.com/auto>"]

ALLOWED_TAGS = {"p", "a", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
                "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "s", "del", "input"}
ALLOWED_ATTRIBUTES = {"href", "rel", "title", "start", "class", "style", "type", "checked", "disabled"}


class Audit(HTMLParser):
    """Collects every tag, attribute, link and comment of an HTML text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.links: list[str] = []
        self.comments: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attributes.append((name, value or ""))
            if tag == "link" and name == "href" and FAVICON.fullmatch(unquote(value or "")):
                continue  # the template's own inline icon (a one-colour circle), not incident text
            if name in {"href", "src", "action", "formaction", "xlink:href", "srcset", "data", "poster"}:
                self.links.append(value or "")

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_pi(self, data: str) -> None:
        self.other.append(data)

    def unknown_decl(self, data: str) -> None:
        self.other.append(data)


def audit(html_text: str) -> Audit:
    parser = Audit()
    parser.feed(html_text)
    parser.close()
    return parser


def assert_safe_fragment(html_text: str) -> None:
    found = audit(html_text)
    assert set(found.tags) <= ALLOWED_TAGS, html_text
    assert {name for name, _ in found.attributes} <= ALLOWED_ATTRIBUTES, html_text
    assert not any(name.startswith("on") for name, _ in found.attributes)
    assert all(is_safe_link(link) for link in found.links), found.links
    assert all(not link.lower().lstrip().startswith(("javascript", "vbscript", "data")) for link in found.links)
    assert not found.comments and not found.other, html_text


def viewer_html(markdown_text: str) -> str:
    """What a permissive Markdown viewer (raw HTML on, every link accepted) makes of ``markdown_text``."""
    viewer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    viewer.validateLink = lambda url: True  # type: ignore[method-assign]
    return viewer.render(markdown_text)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised_in_html(payload: str) -> None:
    assert_safe_fragment(str(markdown_to_html(payload)))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised_in_markdown(payload: str) -> None:
    assert_safe_fragment(viewer_html(markdown_block(payload)))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_neutralised_as_a_single_line_field(payload: str) -> None:
    line = " ".join(payload.split())
    assert_safe_fragment(viewer_html("# " + markdown_inline(line)))


def test_positive_control_the_audit_sees_raw_html_and_bad_links() -> None:
    with pytest.raises(AssertionError):
        assert_safe_fragment(viewer_html("<img src=x onerror=alert(1)>"))
    with pytest.raises(AssertionError):
        assert_safe_fragment(viewer_html("[x](javascript:alert(1))"))
    with pytest.raises(AssertionError):
        assert_safe_fragment(viewer_html("<!-- c -->"))


@pytest.mark.parametrize("link", SAFE_LINKS)
def test_safe_links_survive(link: str) -> None:
    html_links = audit(str(markdown_to_html(link))).links
    markdown_links = audit(viewer_html(markdown_block(link))).links
    assert len(html_links) == 1 and html_links == markdown_links


def test_raw_html_is_shown_as_text() -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown_to_html("<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in viewer_html(markdown_block("<script>alert(1)</script>"))


def test_code_is_kept_verbatim_and_safe() -> None:
    text = "Run `rm -rf <dir>` then:\n\n```html\n<script>alert(1)</script>\n```\n\n    <b>indented</b>\n"
    out = markdown_block(text)
    assert "`rm -rf <dir>`" in out and "```html\n<script>alert(1)</script>\n```" in out and "    <b>indented</b>" in out
    assert_safe_fragment(viewer_html(out))


def test_an_unclosed_fence_cannot_swallow_the_rest_of_the_document() -> None:
    block = markdown_block("before\n\n```\n<script>")
    document = f"## One\n\n{block}\n\n## Two\n"
    tokens = MarkdownIt("commonmark").parse(document)
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h2", "h2"]


def test_prose_that_looks_like_a_definition_is_left_alone() -> None:
    assert markdown_block("[Update]: we fixed it.") == "[Update]: we fixed it."


# --- Whole incidents through the real command ----------------------------------

MARKDOWN_FIELDS = [("summary",), ("root_cause",), ("mitigation",), ("next_steps",), ("lessons_learned",),
                   ("problems", 0, "root_cause"), ("problems", 0, "timeline", 0, "text"), ("action_items", 0, "text"),
                   ("updates", 0, "body"), ("updates", 1, "body")]
LINE_FIELDS = [("title",), ("company",), ("components", 0, "name"), ("components", 0, "group"), ("impact_windows", 0, "label"),
               ("problems", 0, "name")]


def put(data: dict[str, object], path: tuple[object, ...], value: object) -> None:
    node: object = data
    for part in path[:-1]:
        node = node[part]  # type: ignore[index]
    node[path[-1]] = value  # type: ignore[index]


def render(tmp_path: Path, data: dict[str, object], fmt: str, *extra: str) -> str:
    (tmp_path / "incident.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    result = postmortem("render", "incident.yaml", "-f", fmt, "-o", "-", *extra, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def render_in_process(tmp_path: Path, data: dict[str, object], fmt: str, *, internal: bool = False) -> str:
    """What ``render`` (above) prints, made in this process: the same file, loaded and rendered as the command does.

    For the payload matrix below; the whole-incident tests above go through the command.
    """
    path = tmp_path / "incident.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    loaded, _warnings = load_valid([path], SiteConfig(), strict=False)
    return render_document(loaded[0].incident, fmt, RenderSettings(SiteConfig(), internal)).decode("utf-8")


def hostile_incident() -> dict[str, object]:
    data = copy.deepcopy(BASE)
    data["updates"].append({"status": "postmortem", "posted_at": "2023-10-29T10:00:00Z", "body": "PM"})  # type: ignore[attr-defined]
    for path in MARKDOWN_FIELDS:
        put(data, path, "\n\n".join(PAYLOADS))
    put(data, ("updates", 2, "body"), "\n\n".join(PAYLOADS))
    return data


def test_full_incident_status_post_has_no_live_html(tmp_path: Path) -> None:
    page = render(tmp_path, hostile_incident(), "html")
    found = audit(page)
    assert found.tags.count("script") == 0 and found.tags.count("style") == 1  # only the template's own stylesheet
    assert not {"iframe", "img", "svg", "object", "embed"} & set(found.tags)
    assert not any(name.startswith("on") for name, _ in found.attributes)
    assert all(is_safe_link(link) for link in found.links), [link for link in found.links if not is_safe_link(link)]
    assert not found.comments
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text


@pytest.mark.parametrize("internal", [False, True])
def test_full_incident_markdown_has_no_live_html(tmp_path: Path, internal: bool) -> None:
    document = render(tmp_path, hostile_incident(), "md", *(["--internal"] if internal else []))
    assert_safe_fragment(viewer_html(document))
    assert document.count("#link-removed") >= 10


SINGLE_LINE_PAYLOADS = ["# heading", "| a | b |", "[link](javascript:x)", "<b>bold</b>", "---", "1. item", "> quote", "***",
                        "`code`", "![i](https://x.example/i.png)", "<script>alert(1)</script>", "a | b # c", "=====", "- item",
                        "[x]: https://evil.example", "&lt;b&gt; &amp;", "\\", "*a* _b_ ~~c~~"]


def block_structure(markdown_text: str) -> list[tuple[str, str, int]]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown_text)
    return [(t.type, t.tag, t.level) for t in tokens if t.type != "inline"]


def headings(markdown_text: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown_text)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def plain_text_of_h1(markdown_text: str) -> str:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown_text)
    index = next(i for i, t in enumerate(tokens) if t.tag == "h1")
    return "".join(child.content for child in tokens[index + 1].children or [])


@pytest.mark.parametrize("payload", SINGLE_LINE_PAYLOADS)
def test_single_line_fields_cannot_change_markdown_structure(tmp_path: Path, payload: str) -> None:
    benign = copy.deepcopy(BASE)
    hostile = copy.deepcopy(BASE)
    for path in LINE_FIELDS:
        put(hostile, path, f"{payload} x")
    hostile["impact_windows"][0]["components"] = [f"{payload} x"]  # type: ignore[index]
    reference = render_in_process(tmp_path, benign, "md", internal=True)
    document = render_in_process(tmp_path, hostile, "md", internal=True)
    assert block_structure(document) == block_structure(reference)
    assert len(headings(document)) == len(headings(reference))
    assert plain_text_of_h1(document) == f"{payload} x"  # the title reads exactly as written
    assert_safe_fragment(viewer_html(document))
    page = render_in_process(tmp_path, hostile, "html")
    found = audit(page)
    assert "b" not in found.tags and "script" not in found.tags
    assert all(is_safe_link(link) for link in found.links)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_template_syntax_prints_literally(tmp_path: Path, fmt: str) -> None:
    data = copy.deepcopy(BASE)
    jinja = '{{ 7*7 }} {% include "x" %} {# c #} {{ config.__class__ }}'
    for path in [*LINE_FIELDS, *MARKDOWN_FIELDS]:
        put(data, path, jinja)
    data["impact_windows"][0]["components"] = [jinja]  # type: ignore[index]
    output = render(tmp_path, data, fmt, *(["--internal"] if fmt == "md" else []))
    quoted = '"x"' if fmt == "md" else "&#34;x&#34;"
    assert output.count("{{ 7*7 }}") >= 10
    assert output.count("{% include " + quoted) + output.count("{% include &quot;x&quot;") >= 10
    assert "SiteConfig" not in output and "{# c #}" in output


# --- Size ------------------------------------------------------------------------
# Pathological text is capped per file by its rendering work: see tests/test_work_caps.py and
# benchmarks/worst_case.py (tests do not time anything).
