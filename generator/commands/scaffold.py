"""The incident file that ``postmortem new`` writes: every section, each with a short comment.

The scaffold validates as written (an empty key means "not known yet"), so a fresh
file can be committed, previewed and updated straight away.
"""

from __future__ import annotations

import re
from datetime import datetime

from generator.clock import iso
from generator.model.ids import slugify

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
# A time known only roughly takes a ~ in front: ~{started}.
# `postmortem update … -s monitoring` fills in mitigated_at and `-s resolved` resolved_at when they are empty.
started_at: {started}
detected_at:
mitigated_at:
impact_ended_at:  # when customers stopped being affected (may be before resolved_at)
resolved_at:  # when the incident was closed
# A planned maintenance instead: impact: maintenance, status: scheduled, and its window:
# scheduled_for: 2021-09-20T22:00:00+01:00
# scheduled_until: 2021-09-20T23:30:00+01:00

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

# Postmortem sections. They go public once the incident is resolved (a live page leads with its
# latest update); `postmortem_published: true` publishes them earlier, `false` holds them back.
# postmortem_published: true
# Leave a key empty until you write it.
impact_figures: []  # short impact statements, shown in a block at the top of the post and the PDF
#  - value: "18%"
#    text: of card payments failed
#  - text: No customer data was exposed.  # a statement alone
data_loss:  # whether data was lost: lost: yes | no | unknown, with an optional window and one line
#  lost: "no"
#  text: Every order placed during the incident was kept.
summary:  # who was affected, how, and for how long
trigger:  # the change or event that set it off
detection:  # how it was noticed
#  method: alert  # alert | monitoring | customer_report | internal_report | automated_test | other
#  text: An error-rate alert paged the on-call engineer.
root_cause:  # what went wrong, in customer terms
contributing_factors: []  # conditions that made it possible or worse, kept apart from the root cause
#  - The alert was muted for maintenance.
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
timeline: []  # the incident's own chronology; the documents merge the sub-problems' timelines into it
#  - at: {started}  # exact, ~approximate, or a date alone (2021-09-13)
#    milestone: impact_began  # impact_began | detected | declared | mitigated | impact_ended | resolved | your own words
#    problem: Contact imports  # optional: the sub-problem it belongs to
#    text: |
#      What happened. Several paragraphs and lists are fine.
#    links:  # (internal) evidence: dashboards, log queries, chat messages
#      - label: Error-rate dashboard
#        url: https://grafana.example.com/d/abc
next_steps:  # what we will change so it does not happen again
action_items: []
#  - text: Add a regression test for the importer
#    type: prevent  # mitigate | prevent | process | other
#    priority: P1  # your own scale
#    status: open  # open | in_progress | done | wont_do
#    due: 2021-09-30
#    public_owner: Imports team  # printed in public reports
#    owner: Jane Doe  # (internal)
#    ticket: OPS-1  # (internal) an ID or a URL such as https://tracker.example.com/OPS-1
#    items:  # steps, each with text, status and optionally internal: true
#      - text: Write the test
lessons_learned:
lessons:  # lessons in the standard categories; each is a list of Markdown entries
#  went_well: []
#  went_wrong: []
#  got_lucky: []
headings: {{}}  # your own wording for a section, e.g. summary: What happened?
#  (keys: impact, summary, trigger, detection, root_cause, contributing_factors, mitigation, timeline, next_steps, lessons_learned)
sections: []  # sections of your own, placed after a standard section
#  - title: Customer communication
#    after: detection  # one of the heading keys above
#    body: |
#      What we told customers and when.

# Who and what state the report is in.
people: []  # internal unless `internal: false`
#  - name: Jane Doe
#    role: author  # author | incident_commander | responder | reviewer | communications
#    internal: false
document:  # the report's own state; `internal: true` keeps it out of public outputs
#  status: draft  # draft, in review, reviewed, closed, or your own words
#  date: 2021-09-20

severity:  # (internal) your own scale, e.g. SEV2
internal_notes:  # (internal) anything that must not be published

# Posted updates, newest first. posted_at may be ~approximate, a date alone, or `unknown`. Post one with:
#   postmortem update {path} --status investigating "We're looking into it."
updates: []
"""


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
