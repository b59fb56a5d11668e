"""Plain-text status post for e-mail and status tools: public view only, wrapped, no Markup.

Markdown in incident text is parsed (the same safe parser as the HTML post) and
flattened: emphasis marks vanish, links become ``text (url)``, list items keep a
plain ``-`` or ``1.`` marker, code keeps its lines. Paragraphs wrap at 72 columns.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.model.markdown_syntax import drop_unresolved_references, is_safe_link, markdown_parser
from generator.render import formatting
from generator.render.context import build_context
from generator.render.filters import date_formats

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


def markdown_to_plain(text: str | None, base: str = "") -> list[str]:
    """Paragraph blocks of plain, wrapped text for one Markdown field (each line starting with ``base``)."""
    if not text:
        return []
    blocks: list[str] = []
    lists: list[list[int]] = []  # one [next number] per open list; -1 for bullets
    quote = 0
    marker = ""
    cells: list[str] = []
    for token in markdown_parser().parse(drop_unresolved_references(text)):
        kind = token.type
        indent = "  " * max(len(lists) - 1, 0)
        prefix = base + "> " * quote
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


def _item(text: str | None, first: str, rest: str = "  ") -> str:
    """A Markdown field as one list item: its first block after ``first``, later paragraphs and
    nested lists indented under it."""
    parts = markdown_to_plain(text, base=rest)
    if not parts:
        return first.rstrip()
    head = _wrap(" ".join(line.strip() for line in parts[0].split("\n")), first, rest)
    return _join([head, *parts[1:]])


def _impact_times(context: dict[str, Any]) -> list[str]:
    """When impact began and ended and how long it lasted, as the post's header states it."""
    view: Incident = context["incident"]
    t = context["t"]
    if context["maintenance_window"]:  # a maintenance is read by its scheduled window
        duration = formatting.duration(context["metrics"].duration, t["about"])
        return [_wrap(f"{t['fields']['scheduled_window']}: {' – '.join(context['maintenance_window'])} · "
                      f"{context['duration_label']}: {duration}")]
    if view.impact_start is None:
        return []
    formats = date_formats(t)

    def stamp(moment: Any) -> str:
        return formatting.stamp(moment, context["zone"], t["months"], **formats)

    parts = [f"{t['fields']['started']}: {stamp(view.impact_start)}"]
    if view.impact_end is not None:
        parts += [f"{t['report']['impact_ended']}: {stamp(view.impact_end)}",
                  f"{t['report']['metrics']['duration']}: {formatting.duration(context['metrics'].duration, t['about'])}"]
    else:
        parts.append(f"{t['report']['impact_ended']}: {t['fields']['not_recorded' if view.is_resolved else 'ongoing']}")
    return [_wrap(" · ".join(parts))]


def _sections(context: dict[str, Any]) -> list[str]:
    """The postmortem sections in document order, each under its heading."""
    view: Incident = context["incident"]
    t = context["t"]
    h, fields, r = context["h"], t["fields"], t["report"]
    custom = context["custom_after"]
    zone = context["zone"]
    formats = date_formats(t)
    blocks: list[str] = []

    def after(key: str) -> None:
        for section in custom[key]:
            blocks.extend([_wrap(section.title), *markdown_to_plain(section.body)])

    def timeline(rows: list[Any]) -> None:
        if context.get("timeline_caption"):
            blocks.append(_wrap(context["timeline_caption"]))
        for row in rows:
            label = row.label + (f" {row.milestone}" if row.milestone else "") + (f" ({row.problem})" if row.problem else "")
            blocks.append(_item(row.text, f"- {label}: "))

    if view.impact_figures or view.data_loss:
        blocks.append(_wrap(h["impact"]))
        blocks += [_wrap(f"{f.value} {f.text}" if f.value else f.text, "- ", "  ") for f in view.impact_figures]
        loss = view.data_loss
        if loss is not None:
            open_end = fields["not_recorded" if view.is_resolved else "ongoing"]
            window = (f" ({r['data_loss_window']}: {formatting.stamp(loss.start, zone, t['months'], **formats)} – "
                      f"{formatting.stamp(loss.end, zone, t['months'], **formats) if loss.end else open_end})") if loss.start else ""
            blocks.append(_wrap(f"{r['data_loss']}: {r['data_loss_values'][loss.lost]}{window}" + (f". {loss.text}" if loss.text else "")))
    after("impact")
    if view.summary:
        blocks += [_wrap(h["summary"]), *markdown_to_plain(view.summary)]
    after("summary")
    if view.trigger:
        blocks += [_wrap(h["trigger"]), *markdown_to_plain(view.trigger)]
    after("trigger")
    if view.detection:
        blocks += [_wrap(h["detection"]), _wrap(f"{r['detected_by']}: {r['detection_methods'][view.detection.method]}"),
                   *markdown_to_plain(view.detection.text)]
    after("detection")
    problems = context["problems"]
    caused = [p for p, _rows in problems if p.root_cause or not p.root_cause_identified]
    if view.root_cause or caused:
        blocks += [_wrap(h["root_cause"]), *markdown_to_plain(view.root_cause)]
        for problem in caused:
            blocks += [_wrap(problem.name), *markdown_to_plain(problem.root_cause)]
            if not problem.root_cause_identified:
                blocks.append(_wrap(fields["root_cause_pending"]))
    after("root_cause")
    if view.contributing_factors:
        blocks += [_wrap(h["contributing_factors"]), *[_item(factor, "- ") for factor in view.contributing_factors]]
    after("contributing_factors")
    if view.mitigation or context["problem_timelines"]:
        blocks += [_wrap(h["mitigation"]), *markdown_to_plain(view.mitigation)]
        for problem, rows in context["problem_timelines"]:
            blocks.append(_wrap(r["timeline_for"].format(name=problem.name)))
            timeline(rows)
    after("mitigation")
    if context["chronology"]:
        blocks.append(_wrap(h["timeline"]))
        timeline(context["chronology"])
    after("timeline")
    if view.next_steps or view.action_items:
        blocks += [_wrap(h["next_steps"]), *markdown_to_plain(view.next_steps)]
        for item in view.action_items:
            details = [t["statuses"][item.status]]
            if item.type:
                details.append(f"{r['type']}: {r['action_types'][item.type]}")
            if item.priority:
                details.append(f"{r['priority']} {item.priority}")
            if item.due:
                details.append(f"{fields['due']} {item.due.isoformat()}")
            if item.public_owner:
                details.append(f"{fields['owner']}: {item.public_owner}")
            text = " ".join(markdown_to_plain(item.text)).replace("\n", " ")
            blocks.append(_wrap(f"{text} ({', '.join(details)})", "- ", "  "))
            for step in item.items:
                step_text = " ".join(markdown_to_plain(step.text)).replace("\n", " ")
                blocks.append(_wrap(f"{step_text} ({t['statuses'][step.status]})", "  - ", "    "))
    after("next_steps")
    if view.lessons_learned or view.lessons:
        blocks += [_wrap(h["lessons_learned"]), *markdown_to_plain(view.lessons_learned)]
        for key in ("went_well", "went_wrong", "got_lucky"):
            entries = getattr(view.lessons, key) if view.lessons else []
            if entries:
                blocks += [_wrap(r[key]), *[_item(entry, "- ") for entry in entries]]
    after("lessons_learned")
    meta = [f"{role}: {', '.join(names)}" for role, names in context["people"]]
    if view.document:
        meta.append(f"{r['document_status']}: {view.document.status}"
                    + (f" ({r['report_date']} {view.document.date.isoformat()})" if view.document.date else ""))
    if meta:
        blocks.append(_wrap(" · ".join(meta)))
    return blocks


def render_text(incident: Incident, config: SiteConfig) -> str:
    """The status-page post as plain text (always the public view)."""
    context = build_context(incident, config, internal=False)
    view: Incident = context["incident"]
    t = context["t"]
    zone = context["zone"]

    def posted(moment: Any) -> str:
        return t["posted"].format(when=formatting.posted(moment, zone, t["months"], **date_formats(t)))

    blocks: list[str] = [_wrap(view.title), _wrap(context["report_for"])]
    blocks += _impact_times(context)
    postmortem = context["postmortem"]
    if postmortem or view.has_postmortem_sections:
        blocks.append(_wrap(t["statuses"]["postmortem"]))
        blocks += _sections(context)
        if postmortem:
            blocks += [*markdown_to_plain(postmortem.body), _wrap(posted(postmortem.posted_at))]
    for update in context["updates"]:
        blocks += [_wrap(t["statuses"][update.status]), *markdown_to_plain(update.body), _wrap(posted(update.posted_at))]
    if context["affected"]:
        blocks.append(_wrap(context["affected"]))
    return _join(blocks) + "\n"
