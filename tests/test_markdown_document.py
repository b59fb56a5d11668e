"""The Markdown output is safe as a whole document, not field by field (issue 9, class 2).

Every ``.md`` output, public and internal, is read back by a CommonMark renderer that
allows raw HTML and every link (markdown-it-py with ``html=True``), as a wiki or a
static site generator would read it: it must carry no raw HTML, no image and no link
other than http(s), mailto or an in-page fragment.  The check here is independent
of the one the renderer itself runs.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest
import yaml
from markdown_it import MarkdownIt

from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.render.markdown import markdown_item, markdown_url
from generator.render.postmortem import render_markdown
from tests.conftest import load_sample, postmortem

BASE = Path(__file__).parent / "inputs" / "base.yaml"

PAYLOADS = [
    "```\n<img src=x onerror=alert(1)>\n```",
    "~~~\n<script>alert(1)</script>\n~~~",
    "```\n<img src=x onerror=alert(1)>",  # unclosed fence
    "    <img src=x onerror=alert(1)>",
    "Intro\n\n    <img src=x onerror=alert(1)>",
    "[x]: javascript:alert(1)",
    "[X]:\n  javascript:alert(1)",
    "> [y]: <javascript:alert(1)>",
    "- [z]: vbscript:msgbox(1)",
    "[the details][x] and [x] and [y][] and [z] and [X]",
    "<img src=x onerror=alert(1)>",
    "<javascript:alert(1)>",
    "[a](javascript:alert(1)) [b](<javascript:alert(1)>) [c]( java\tscript:x )",
    "![a](https://evil.example/pixel.png)",
    "text\n<div>\n<script>alert(1)</script>\n</div>",
    "- item\n\n<img src=x onerror=alert(1)>",
    "> quote\n<img src=x onerror=alert(1)>",
    "1. x\n   ```\n   <img src=x onerror=alert(1)>\n   ```",
    "\\<img src=x onerror=alert(1)> \\\\<img src=x onerror=alert(1)>",
    "&lt;img src=x&gt; &#60;img src=x&#62;",
    "`` ` `` <b>bold</b> ``` not closed",
    "line one\n# heading\n<img src=x onerror=alert(1)>",
    "A paragraph\nthat continues\n- then a list\n<img src=x onerror=alert(1)>",
    "Title\n===\n<img src=x onerror=alert(1)>",
]
MARKDOWN_FIELDS = ("summary", "root_cause", "mitigation", "next_steps", "lessons_learned", "internal_notes")
TICKET_ATTACK = "https://tickets.example.com/OPS-1)[click](javascript:alert(1))"


def _viewer() -> MarkdownIt:
    """What a Markdown viewer that trusts its input shows: raw HTML on, every link accepted."""
    viewer = MarkdownIt("commonmark", {"html": True, "linkify": False})
    viewer.enable(["table", "strikethrough"])
    viewer.validateLink = lambda url: True  # type: ignore[method-assign]
    return viewer


def _safe_href(href: str) -> bool:
    if href.startswith("#"):
        return True
    parts = urlsplit(href)
    return parts.scheme in {"http", "https", "mailto"} and (parts.scheme == "mailto" or bool(parts.netloc))


ALLOWED_TAGS = {"html", "head", "body", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "code", "pre",
                "blockquote", "hr", "br", "a", "table", "thead", "tbody", "tr", "th", "td", "s", "del"}
ALLOWED_ATTRIBUTES = {("a", "href"), ("a", "title"), ("code", "class"), ("ol", "start"), ("th", "style"), ("td", "style")}


def unsafe_parts(document: str) -> list[str]:
    """Raw HTML, images and unsafe links as the viewer sees them (empty when the document is safe)."""
    found: list[str] = []
    stack = list(_viewer().parse(document))
    while stack:
        token = stack.pop()
        if token.type in {"html_block", "html_inline", "image"}:
            found.append(f"{token.type}: {token.content!r}")
        if token.type == "link_open" and not _safe_href(str(token.attrGet("href") or "")):
            found.append(f"link: {token.attrGet('href')!r}")
        stack.extend(token.children or [])
    tree = html5lib.parse(_viewer().render(document), namespaceHTMLElements=False)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag not in ALLOWED_TAGS:
            found.append(f"rendered <{element.tag}>")
        for name, value in element.attrib.items():
            if (element.tag, name) not in ALLOWED_ATTRIBUTES or (name == "href" and not _safe_href(value)):
                found.append(f"rendered {element.tag} {name}={value!r}")
    return found


def _everywhere(incident: Incident, text: str, definition: str | None = None) -> Incident:
    """``text`` in every Markdown field and entry of the incident (``definition`` in the summary, if given)."""
    problems = [p.model_copy(update={"root_cause": text, "notes": text,
                                     "timeline": [e.model_copy(update={"text": text}) for e in p.timeline]}) for p in incident.problems]
    items = [a.model_copy(update={"text": text, "ticket": TICKET_ATTACK}) for a in incident.action_items]
    updates = [u.model_copy(update={"body": text}) for u in incident.updates]
    changes: dict[str, object] = {key: text for key in MARKDOWN_FIELDS}
    if definition is not None:
        changes["summary"] = definition
    return incident.model_copy(update={**changes, "problems": problems, "action_items": items, "updates": updates})


@pytest.fixture(scope="module")
def sample() -> Incident:
    return load_sample("2023-10-28-checkout-payment-failures")


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
def test_every_markdown_output_is_safe_as_a_whole(sample: Incident, payload: str, internal: bool) -> None:
    document = render_markdown(_everywhere(sample, payload), SiteConfig(), internal=internal)
    assert unsafe_parts(document) == [], document


@pytest.mark.parametrize("internal", [False, True], ids=["public", "internal"])
def test_a_definition_in_one_field_does_not_make_a_link_in_another(sample: Incident, internal: bool) -> None:
    attacked = _everywhere(sample, "See [the details][x] and [x].", definition="[x]: javascript:alert(1)")
    document = render_markdown(attacked, SiteConfig(), internal=internal)
    assert unsafe_parts(document) == []
    # The prose stays: a reference another field cannot resolve shows its text (validate warns about it).
    assert "See the details and [x]." in document


def test_all_payloads_at_once_and_every_field_combination(sample: Incident) -> None:
    together = "\n\n".join(PAYLOADS)
    for definition in (None, "[x]: javascript:alert(1)", "[x]:\n<javascript:alert(1)>"):
        for internal in (False, True):
            document = render_markdown(_everywhere(sample, together, definition), SiteConfig(), internal=internal)
            assert unsafe_parts(document) == []


def test_a_fence_in_a_timeline_entry_stays_a_fence_inside_the_item(sample: Incident) -> None:
    text = "We ran:\n\n```\n<img src=x onerror=alert(1)>\n```"
    document = render_markdown(_everywhere(sample, text), SiteConfig())
    tokens = _viewer().parse(document)
    fences = [t for t in tokens if t.type == "fence"]
    assert fences and all(t.content == "<img src=x onerror=alert(1)>\n" for t in fences)
    timeline_fences = [t for t in fences if t.level > 0]  # nested in a list item, not loose in the document
    assert timeline_fences


def test_ticket_url_cannot_add_a_link_in_the_internal_markdown(sample: Incident) -> None:
    document = render_markdown(_everywhere(sample, "Fix it."), SiteConfig(), internal=True)
    assert unsafe_parts(document) == []
    links = [c.attrGet("href") for t in _viewer().parse(document) for c in t.children or [] if c.type == "link_open"]
    assert links and all(href == TICKET_ATTACK.replace("(", "%28").replace(")", "%29") or _safe_href(str(href)) for href in links)
    assert markdown_url(TICKET_ATTACK) == f"<{TICKET_ATTACK}>"
    assert markdown_url("javascript:alert(1)") == "#link-removed"
    assert markdown_url("https://x.example/a b<c>") == "<https://x.example/a%20b%3Cc%3E>"


def test_item_text_keeps_its_structure_inside_the_item() -> None:
    assert markdown_item("Alerts fired.") == "Alerts fired."
    assert markdown_item("First line\nsecond line") == "First line\n  second line"
    assert markdown_item("- a\n- b") == "\n\n  - a\n  - b"
    assert markdown_item("```\n<b>\n```") == "\n\n  ```\n  <b>\n  ```\n\n  "
    assert markdown_item("Para\n\n```\ncode\n```") == "Para\n\n  ```\n  code\n  ```\n\n  "


def _write_attack(folder: Path) -> None:
    data = yaml.safe_load(BASE.read_text("utf-8"))
    data["summary"] = "[x]: javascript:alert(1)"
    data["root_cause"] = "Read [the details][x]."
    data["problems"][0]["timeline"][0]["text"] = PAYLOADS[0]
    data["action_items"][0]["ticket"] = TICKET_ATTACK
    data["action_items"][0]["text"] = PAYLOADS[2]
    (folder / "incidents").mkdir()
    (folder / "incidents" / "markdown-attack.yaml").write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")


def test_every_md_output_of_a_real_build_is_safe(tmp_path: Path) -> None:
    """Through the real command: the public and the internal ``.md`` of the issue's attacks."""
    _write_attack(tmp_path)
    incident, diagnostics = load_incident(tmp_path / "incidents" / "markdown-attack.yaml", SiteConfig())
    assert incident is not None, diagnostics
    for extra, out in (([], "public"), (["--internal"], "internal")):
        result = postmortem("build", "--format", "md", "-q", "-o", out, *extra, cwd=tmp_path, timeout=120)
        assert result.returncode == 0, result.stderr
        documents = sorted((tmp_path / out).glob("*.md"))
        assert documents
        for path in documents:
            assert unsafe_parts(path.read_text("utf-8")) == [], path
