"""Follow-through (action items), outliers and recurring causes across the period's incidents.

Ages and overdue items are counted at the report's last day, never at the clock, so the same
input gives the same report. An action item records no creation date: its age is counted from
the day its incident began.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from generator.model.incident import ActionItem
from generator.report.gather import ReportIncident

STATES = ("open", "overdue", "done", "wont_do")
STATE_WORDS = {"open": "Open", "overdue": "Overdue", "done": "Done", "wont_do": "Won't do"}
TYPE_WORDS = {"mitigate": "Mitigate", "prevent": "Prevent", "process": "Process", "other": "Other", None: "No type"}
OUTLIERS = 5


@dataclass(frozen=True)
class TrackedItem:
    """One action item with its incident, its state at the report's end and its age."""

    item: ActionItem
    incident: ReportIncident
    state: str  # one of STATES
    age_days: int  # from the incident's first day to the report's last day
    overdue_days: int | None


def state_of(item: ActionItem, as_of: date) -> str:
    """Open items whose due date is before ``as_of`` are overdue; in progress counts as open."""
    if item.status in {"done", "wont_do"}:
        return item.status
    return "overdue" if item.due is not None and item.due < as_of else "open"


def tracked(items: Sequence[ReportIncident], as_of: date, zone: str) -> list[TrackedItem]:
    """Every action item of the incidents, oldest open first, then the rest in incident order."""
    found: list[TrackedItem] = []
    for report_item in items:
        assert report_item.when is not None
        began = report_item.when.astimezone(ZoneInfo(zone)).date()
        for action in report_item.incident.action_items:
            state = state_of(action, as_of)
            overdue = (as_of - action.due).days if state == "overdue" and action.due is not None else None
            found.append(TrackedItem(action, report_item, state, max((as_of - began).days, 0), overdue))
    return found


def table(items: Sequence[TrackedItem], key: str, words: dict[str, Any] | None = None) -> list[tuple[str, dict[str, int]]]:
    """Counts per state, by type (``key="type"``) or by priority, in a stable order; ``words``: the
    report's strings (``i18n``, English when not given) for the type names and "No priority"."""
    type_words = {**TYPE_WORDS, **{k: v for k, v in (words or {}).get("types", {}).items() if k != "none"}}
    if words is not None:
        type_words[None] = words["types"]["none"]
    no_priority = words["no_priority"] if words is not None else "No priority"
    rows: dict[str, dict[str, int]] = {}
    for entry in items:
        value = entry.item.type if key == "type" else entry.item.priority
        label = type_words[value] if key == "type" else (value or no_priority)
        rows.setdefault(label, dict.fromkeys(STATES, 0))[entry.state] += 1
    if key == "type":
        order = [type_words[k] for k in ("mitigate", "prevent", "process", "other", None)]
        return [(label, rows[label]) for label in order if label in rows]
    return sorted(rows.items(), key=lambda pair: (pair[0] == no_priority, pair[0].casefold()))


def totals(items: Sequence[TrackedItem]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for entry in items:
        counts[entry.state] += 1
    return counts


def open_items(items: Sequence[TrackedItem]) -> list[TrackedItem]:
    """Open and overdue items, oldest first."""
    return sorted((e for e in items if e.state in {"open", "overdue"}),
                  key=lambda e: (-e.age_days, e.incident.incident.slug))


@dataclass(frozen=True)
class Outliers:
    longest: list[ReportIncident]
    slowest_to_detect: list[ReportIncident]
    without_duration: int
    without_detection: int


def outliers(items: Sequence[ReportIncident]) -> Outliers:
    """The longest incidents (impact duration) and the slowest to detect; maintenances left out."""
    incidents = [i for i in items if not i.incident.is_maintenance]
    timed = [i for i in incidents if i.metrics.duration is not None]
    detected = [i for i in incidents if i.metrics.time_to_detect is not None]
    longest = sorted(timed, key=lambda i: (-(i.metrics.duration or timedelta(0)), i.incident.slug))[:OUTLIERS]
    slowest = sorted(detected, key=lambda i: (-(i.metrics.time_to_detect or timedelta(0)), i.incident.slug))[:OUTLIERS]
    return Outliers(longest, slowest, len(incidents) - len(timed), len(incidents) - len(detected))


@dataclass(frozen=True)
class Cause:
    tag: str
    incidents: list[ReportIncident]
    previous: int  # incidents with this tag in the previous period


def causes(current: Sequence[ReportIncident], previous: Sequence[ReportIncident]) -> tuple[list[Cause], int]:
    """Tags of this period's incidents, most frequent first (compared without case), and how many were untagged."""
    names: dict[str, str] = {}
    tagged: dict[str, list[ReportIncident]] = {}
    for item in current:
        for tag in dict.fromkeys(t.casefold() for t in item.incident.tags):
            names.setdefault(tag, next(t for t in item.incident.tags if t.casefold() == tag))
            tagged.setdefault(tag, []).append(item)
    before: dict[str, int] = {}
    for item in previous:
        for tag in {t.casefold() for t in item.incident.tags}:
            before[tag] = before.get(tag, 0) + 1
    found = [Cause(names[tag], found_items, before.get(tag, 0)) for tag, found_items in tagged.items()]
    found.sort(key=lambda c: (-len(c.incidents), c.tag.casefold()))
    return found, sum(1 for item in current if not item.incident.tags)
