"""Write incident data as YAML text the strict reader reads back to the same values.

PyYAML's safe dumper does the quoting, with its implicit resolvers cut down to
``null``: our reader keeps every scalar as text, so ``true`` or a timestamp
need no quotes, while an empty or ``null`` string must be quoted to stay text.
Markdown bodies are written as ``|`` block scalars, lists are indented as in
the hand-written files, and the header carries the import's provenance.
"""

from __future__ import annotations

import hashlib
import re
from typing import ClassVar

import yaml

MODELINE = "# yaml-language-server: $schema=../schemas/incident.schema.json"
SOURCE_LINE = re.compile(r"^# statuspage: page=(?P<page>\S*) incident=(?P<incident>\S+)\s*$", re.MULTILINE)
DIGEST_LINE = re.compile(r"^# import-digest: sha256:(?P<digest>[0-9a-f]{16})\n", re.MULTILINE)
MARKDOWN_KEYS = frozenset({"body", "summary", "root_cause", "mitigation", "next_steps", "lessons_learned", "text", "notes"})


class Block(str):
    """Text to be written as a literal block scalar."""


class _Dumper(yaml.SafeDumper):
    """Safe dumper: only null-like strings get quoted; sequences indented under their key."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
        for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
    }

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _block(dumper: yaml.SafeDumper, value: Block) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


_Dumper.add_representer(Block, _block)


def _prepare(value: object, key: str | None = None) -> object:
    if isinstance(value, dict):
        return {k: _prepare(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_prepare(v) for v in value]
    if isinstance(value, str) and key in MARKDOWN_KEYS:
        lines = [line.rstrip() for line in value.strip("\n").split("\n")]
        return Block("\n".join(lines) + "\n")
    return value


def dump_body(data: dict[str, object]) -> str:
    """The YAML of one incident, keys in the order given, blank lines between top-level lists."""
    text = yaml.dump(_prepare(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000,
                     default_flow_style=False, indent=2)
    return re.sub(r"\n(?=(components|updates|impact_windows|problems|action_items):\n)", "\n\n", text)


def digest(body: str) -> str:
    """A short hash of an imported file's body: it tells an untouched import from an edited one."""
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def incident_file(body: str, *, page_id: str | None, incident_id: str, backfilled: bool) -> str:
    """The full file: modeline, provenance (the source id has no model field), digest, then YAML."""
    lines = [
        MODELINE,
        "# Imported from a status-page export by `postmortem import statuspage`.",
        f"# statuspage: page={page_id or ''} incident={incident_id}",
    ]
    if backfilled:
        lines.append("# The status page marked this incident as backfilled (entered after the fact).")
    lines.append(f"# import-digest: sha256:{digest(body)}")
    return "\n".join(lines) + "\n" + body


def source_of(text: str) -> tuple[str | None, str | None]:
    """(page id, incident id) recorded in an imported file's header, if any."""
    match = SOURCE_LINE.search(text[:2000])
    return (match.group("page") or None, match.group("incident")) if match else (None, None)


def unedited(text: str) -> bool:
    """True when an imported file's YAML is still exactly what the import wrote."""
    match = DIGEST_LINE.search(text[:2000])
    return bool(match) and digest(text[match.end():]) == match.group("digest")
