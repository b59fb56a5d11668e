"""Plain-text status post for e-mail and status tools: public view only, wrapped, no Markup.

Markdown in incident text is parsed (the same safe parser as the HTML post) and
flattened: emphasis marks vanish, links become ``text (url)``, list items keep a
plain ``-`` or ``1.`` marker, code keeps its lines. Paragraphs wrap at 72 columns.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from generator.config import SiteConfig
from generator.model.incident import Incident
from generator.render import formatting
from generator.render.context import build_context
from generator.render.filters import date_formats
from generator.render.markdown import _parser, is_safe_link

WIDTH = 72


def _wrap(text: str, first: str = "", rest: str | None = None) -> str:
    """Wrap one paragraph; hard line breaks (``\\n``) inside it are kept."""
    rest = " " * len(first) if rest is None else rest
    lines: list[str] = []
    for number, part in enumerate(text.split("\n")):
        lines.append(textwrap.fill(part, WIDTH, initial_indent=first if number == 0 else rest, subsequent_indent=rest,
                                   break_long_words=False, break_on_hyphens=False) or (first if number == 0 else rest).rstrip())
    return "\n".join(lines)


def _inline(children: list[Any]) -> str:
    out: list[str] = []
    links: list[tuple[str, int]] = []
    for child in children:
        if child.type in {"text", "code_inline", "html_inline"}:
            out.append(child.content)
        elif child.type == "softbreak":
            out.append(" ")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "link_open":
            links.append((str(child.attrGet("href") or ""), len(out)))
        elif child.type == "link_close" and links:
            href, start = links.pop()
            label = "".join(out[start:])
            if href and is_safe_link(href) and href not in {label, f"mailto:{label}"}:
                out.append(f" ({href})")
        elif child.type == "image":
            src = str(child.attrGet("src") or "")
            out.append("".join(c.content for c in child.children or []) + (f" ({src})" if is_safe_link(src) else ""))
    return re.sub(r"[ \t]+", " ", "".join(out)).strip(" ")


def markdown_to_plain(text: str | None) -> list[str]:
    """Paragraph blocks of plain, wrapped text for one Markdown field."""
    if not text:
        return []
    blocks: list[str] = []
    lists: list[list[int]] = []  # one [next number] per open list; -1 for bullets
    quote = 0
    marker = ""
    cells: list[str] = []
    for token in _parser().parse(text):
        kind = token.type
        indent = "  " * max(len(lists) - 1, 0)
        prefix = "> " * quote
        if kind in {"bullet_list_open", "ordered_list_open"}:
            lists.append([int(token.attrGet("start") or 1) if kind == "ordered_list_open" else -1])
        elif kind in {"bullet_list_close", "ordered_list_close"}:
            lists.pop()
        elif kind == "list_item_open":
            counter = lists[-1]
            marker = "- " if counter[0] < 0 else f"{counter[0]}. "
            if counter[0] >= 0:
                counter[0] += 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind in {"fence", "code_block"}:
            blocks.append("\n".join(prefix + indent + "    " + line for line in token.content.rstrip("\n").split("\n")))
        elif kind in {"th_open", "td_open"}:
            cells.append("")
        elif kind == "tr_close":
            blocks.append(_wrap(" | ".join(cells), prefix + indent))
            cells = []
        elif kind == "inline":
            content = _inline(token.children or [])
            if cells:
                cells[-1] = content
            elif marker:
                blocks.append(_wrap(content, prefix + indent + marker, prefix + indent + " " * len(marker)))
                marker = ""
            elif lists:
                blocks.append(_wrap(content, prefix + indent + "  "))
            else:
                blocks.append(_wrap(content, prefix))
    return blocks


def _join(blocks: list[str]) -> str:
    """Blocks separated by blank lines, except consecutive list items which stay together."""
    out: list[str] = []
    for block in blocks:
        tight = out and re.match(r"^(?:> )*\s*(?:-|\d+\.) ", block) and re.match(r"^(?:> )*\s*(?:-|\d+\.) ", out[-1].rsplit("\n\n", 1)[-1])
        if tight:
            out[-1] += "\n" + block
        else:
            out.append(block)
    return "\n\n".join(out)


def render_text(incident: Incident, config: SiteConfig) -> str:
    """The status-page post as plain text (always the public view)."""
    context = build_context(incident, config, internal=False)
    view: Incident = context["incident"]
    t = context["t"]
    heading, fields = t["headings"], t["fields"]
    zone = context["zone"]

    def posted(moment: Any) -> str:
        return t["posted"].format(when=formatting.posted(moment, zone, t["months"], **date_formats(t)))

    blocks: list[str] = [_wrap(view.title), _wrap(context["report_for"])]
    postmortem = context["postmortem"]
    if postmortem or view.has_postmortem_sections:
        blocks.append(_wrap(t["statuses"]["postmortem"]))
        if view.summary:
            blocks += [_wrap(heading["summary"]), *markdown_to_plain(view.summary)]
        problems = context["problems"]
        if view.root_cause or problems or view.mitigation:
            blocks += [_wrap(heading["root_cause"]), *markdown_to_plain(view.root_cause)]
            for problem, _rows in problems:
                if problem.root_cause or not problem.root_cause_identified:
                    blocks += [_wrap(problem.name), *markdown_to_plain(problem.root_cause)]
                    if not problem.root_cause_identified:
                        blocks.append(_wrap(fields["root_cause_pending"]))
            blocks += markdown_to_plain(view.mitigation)
            for problem, rows in problems:
                if rows:
                    blocks.append(_wrap(problem.name))
                    if context.get("timeline_caption"):
                        blocks.append(_wrap(context["timeline_caption"]))
                    blocks += [_wrap(" ".join(markdown_to_plain(row.text)).replace("\n", " "), f"- {row.label}: ", "  ") for row in rows]
        if view.next_steps or view.action_items:
            blocks += [_wrap(heading["next_steps"]), *markdown_to_plain(view.next_steps)]
            for item in view.action_items:
                due = f", {fields['due']} {item.due.isoformat()}" if item.due else ""
                text = " ".join(markdown_to_plain(item.text)).replace("\n", " ")
                blocks.append(_wrap(f"{text} ({t['statuses'][item.status]}{due})", "- ", "  "))
        if view.lessons_learned:
            blocks += [_wrap(heading["lessons_learned"]), *markdown_to_plain(view.lessons_learned)]
        if postmortem:
            blocks += [*markdown_to_plain(postmortem.body), _wrap(posted(postmortem.posted_at))]
    for update in context["updates"]:
        blocks += [_wrap(t["statuses"][update.status]), *markdown_to_plain(update.body), _wrap(posted(update.posted_at))]
    if context["affected"]:
        blocks.append(_wrap(context["affected"]))
    return _join(blocks) + "\n"
