"""The incident file that ``postmortem new`` writes: every section, each with a short comment.

The scaffold validates as written (an empty key means "not known yet"), so a fresh
file can be committed, previewed and updated straight away.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from generator.clock import iso

MAX_SLUG_CHARS = 60
# Letters that Unicode decomposition cannot reduce to ASCII.
_SPELL_OUT = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D"})

_TEMPLATE = """\
# yaml-language-server: $schema={schema}
# Incident record. Keys marked (internal) never reach the public post, Markdown or site;
# any list entry may also carry `internal: true` to keep just that entry internal.
# Times are ISO 8601 with an offset, e.g. 2021-09-13T16:53:00+01:00. Text fields take Markdown.
title: {title}  # public headline, one line
impact: minor  # none | minor | major | critical | maintenance
status: investigating  # investigating | identified | monitoring | resolved | postmortem; maintenance: scheduled | in_progress | verifying | completed
visibility: public  # public | internal (an internal incident has no public output at all)
zone: {zone}  # IANA zone for "Posted" times in the post
timeline_zone: UTC  # zone of the clock times in the mitigation timeline
# shortlink: https://stspg.io/abcd  # public short link to the status-page post

# When it happened. The impact start is required; fill in the rest as you learn it.
started_at: {started}
detected_at:
mitigated_at:
resolved_at:

# Affected components, shown as "group (name)".
components: []
#  - name: Reporting
#    group: Europe

# Impact per region or component set, when it differs from started_at/resolved_at.
impact_windows: []
#  - label: European region
#    components: [Reporting]
#    start: {started}
#    end: {started}

# Postmortem sections (public). Leave a key empty until you write it.
summary:  # who was affected, how, and for how long
root_cause:  # what went wrong, in customer terms
problems: []  # sub-problems, each with its own cause and timeline
#  - name: Contact imports
#    status: resolved  # investigating | identified | mitigated | resolved
#    root_cause: |
#      What broke.
#    root_cause_identified: true  # false prints "Root cause still under investigation."
#    timeline:
#      - at: {started}
#        text: We rolled back the release.
#    notes: |  # (internal)
#      Working notes for the team.
mitigation:  # what we did to restore service
next_steps:  # what we will change so it does not happen again
action_items: []
#  - text: Add a regression test for the importer
#    status: open  # open | in_progress | done | wont_do
#    due: 2021-09-30
#    owner: Jane Doe  # (internal)
#    ticket: https://tracker.example.com/OPS-1  # (internal)
lessons_learned:

severity:  # (internal) your own scale, e.g. SEV2
internal_notes:  # (internal) anything that must not be published

# Posted updates, newest first. Post one with:
#   postmortem update {path} --status investigating "We're looking into it."
updates: []
"""


def slugify(title: str) -> str:
    """Lowercase ASCII words joined by hyphens; ``incident`` when nothing is left."""
    spelled = title.translate(_SPELL_OUT)
    ascii_text = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG_CHARS:
        slug = slug[:MAX_SLUG_CHARS].rsplit("-", 1)[0] if "-" in slug[:MAX_SLUG_CHARS] else slug[:MAX_SLUG_CHARS]
    return slug.strip("-") or "incident"


def file_name(title: str, started: datetime) -> str:
    """``<local date>-<slug>.yaml``; the date is the start's date in its own zone."""
    return f"{started.date().isoformat()}-{slugify(title)}.yaml"


def _yaml_text(value: str) -> str:
    """A single-line value as YAML: plain when that reads back as the same text, else double-quoted."""
    plain_safe = re.fullmatch(r"[A-Za-z0-9][^#:\"'\n]*", value) and not value.endswith(" ")
    if plain_safe and value.lower() not in {"true", "false", "null", "yes", "no", "on", "off", "~"}:
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def scaffold(title: str, started: datetime, zone: str, schema: str, path: str) -> str:
    """The text of a new incident file."""
    return _TEMPLATE.format(title=_yaml_text(title), zone=zone, started=iso(started), schema=schema, path=path)
