"""What every template sees: one incident (public view or full), strings, and computed times."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from generator.i18n import LOCALES, strings
from generator.model.config import SiteConfig
from generator.model.incident import SECTION_KEYS, STANDARD_MILESTONES, CustomSection, EvidenceLink, Incident, Problem
from generator.model.memo import IdentityMemo
from generator.model.metrics import compute_metrics, first_public_update
from generator.model.types import precision
from generator.model.visibility import public_view
from generator.render import formatting


class InternalIncidentError(Exception):
    """Raised when a public output is asked for an incident marked internal."""


@dataclass(frozen=True)
class TimelineRow:
    """One row of a timeline as the templates print it."""
    moment: datetime
    label: str
    text: str
    internal: bool = False
    milestone: str | None = None  # its display label
    problem: str | None = None  # the sub-problem's name, in the merged chronology
    links: list[EvidenceLink] = field(default_factory=list)


# A text whose first line starts like an ordered-list item ("3. Restarted ...") is a sentence in a
# timeline, not a list that renderers would renumber "1.": the marker is escaped.
_LEADING_NUMBER = re.compile(r"^(\d{1,9})([.)])(?=[ \t]|$)")


def entry_text(text: str) -> str:
    """A timeline entry's text as one safe line."""
    return _LEADING_NUMBER.sub(r"\1\\\2", text, count=1)


def moment_label(moment: datetime, zone_name: str, reference_day: date | None, t: dict[str, Any], *, show_zone: bool) -> str:
    """A timeline label: clock time in the timeline zone, the date when it differs from the reference
    day, "around 19:00" for an approximate time, the date alone for a date-only one."""
    kind = precision(moment)
    months = t["months"]
    if kind == "unknown":
        return str(t["time_unknown"])
    if kind == "day":
        written = getattr(moment, "written_day", None) or moment.date()
        return f"{months[written.month - 1]} {written.day:02d}, {written.year}"
    when = formatting.local(moment, zone_name)
    label = formatting.clock(moment, zone_name)
    if show_zone:
        label = f"{label} {formatting.abbreviation(moment, zone_name)}"
    if kind == "approximate":
        label = str(t["around"]).format(time=label)
    if reference_day is not None and when.date() != reference_day:
        label = f"{months[when.month - 1]} {when.day:02d}, {label}"
    return label


def _reference_day(reference: datetime | None, zone_name: str) -> date | None:
    return formatting.local(reference, zone_name).date() if reference and precision(reference) != "day" else None


def timeline_rows(problem: Problem, zone_name: str, reference: datetime | None, t: dict[str, Any], *, show_zone: bool) -> list[TimelineRow]:
    """One sub-problem's timeline. The zone abbreviation is added to each row only when it changes
    within the incident (a daylight-saving switch), where a bare clock time would be ambiguous."""
    reference_day = _reference_day(reference, zone_name)
    return [TimelineRow(entry.at, moment_label(entry.at, zone_name, reference_day, t, show_zone=show_zone),
                        entry_text(entry.text), entry.internal) for entry in problem.timeline]


def milestone_label(milestone: str | None, t: dict[str, Any]) -> str | None:
    """The words for a standard milestone (``detected`` -> Detected), in the site's language."""
    if milestone is None:
        return None
    return str(t["report"]["milestones"][milestone]) if milestone in STANDARD_MILESTONES else milestone


def chronology(incident: Incident, zone_name: str, t: dict[str, Any], *, show_zone: bool) -> list[TimelineRow]:
    """The merged chronology: the incident's own timeline and every sub-problem's, in time order
    (entries at the same moment keep their written order, the incident's first)."""
    reference_day = _reference_day(incident.impact_start, zone_name)
    rows: list[tuple[datetime, int, TimelineRow]] = []
    for entry in incident.timeline:
        rows.append((entry.at, len(rows), TimelineRow(
            entry.at, moment_label(entry.at, zone_name, reference_day, t, show_zone=show_zone), entry_text(entry.text),
            entry.internal, milestone_label(entry.milestone, t), entry.problem, list(entry.links))))
    for problem in incident.problems:
        for entry in problem.timeline:
            rows.append((entry.at, len(rows), TimelineRow(
                entry.at, moment_label(entry.at, zone_name, reference_day, t, show_zone=show_zone), entry_text(entry.text),
                entry.internal or problem.internal, None, problem.name)))
    return [row for _, _, row in sorted(rows, key=lambda item: (item[0], item[1]))]


def _timeline_moments(incident: Incident) -> list[datetime]:
    moments = [e.at for p in incident.problems for e in p.timeline] + [e.at for e in incident.timeline]
    return [m for m in moments if precision(m) not in {"day", "unknown"}]


def timeline_zone_label(incident: Incident) -> str | None:
    """The one abbreviation all timeline entries share (e.g. ``UTC``), or None if it changes."""
    names = {formatting.abbreviation(moment, incident.timeline_zone) for moment in _timeline_moments(incident)}
    return names.pop() if len(names) == 1 else None


# The built-in "Mitigation timeline" headings (a site's own label for it is kept as written).
LOCALES_DEFAULT_MITIGATION = {table["headings"]["mitigation"]: True for table in LOCALES.values()}


def section_headings(incident: Incident, t: dict[str, Any], *, mitigation_timelines: bool) -> dict[str, str]:
    """Every section's heading: the incident's own wording where it gives one, else the locale's.

    The mitigation section is a "Mitigation timeline" only when it holds the sub-problems' timelines;
    beside a separate incident timeline it is just "Mitigation" (unless the site renamed it)."""
    defaults = {**t["headings"], **{key: t["report"][key] for key in ("impact", "trigger", "detection", "contributing_factors", "timeline")}}
    if not mitigation_timelines and defaults["mitigation"] in LOCALES_DEFAULT_MITIGATION:
        defaults["mitigation"] = t["report"]["mitigation"]
    return {**defaults, **incident.headings}


def custom_sections(incident: Incident) -> dict[str, list[CustomSection]]:
    """The incident's own sections, grouped by the standard section they follow (in list order)."""
    grouped: dict[str, list[CustomSection]] = {key: [] for key in SECTION_KEYS}
    for section in incident.sections:
        grouped[section.after].append(section)
    return grouped


def people_by_role(incident: Incident, t: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(role label, names) in the order roles are listed in the string table."""
    return [(label, names) for role, label in t["report"]["roles"].items()
            if (names := [p.name for p in incident.people if p.role == role])]


def audience_view(incident: Incident, internal: bool) -> Incident:
    """The full incident for internal outputs; the allowlisted public view otherwise."""
    if internal:
        return incident
    view = public_view(incident)
    if view is None:
        raise InternalIncidentError(f"incident {incident.slug!r} is internal; it has no public output")
    return view


_contexts: IdentityMemo[dict[str, Any]] = IdentityMemo(16)


def duration_label(view: Incident, text: dict[str, Any]) -> str:
    """"Planned duration" for a maintenance not yet completed (its window's length is a plan), else "Duration"."""
    planned = view.is_maintenance and view.status in {"scheduled", "in_progress", "verifying"}
    return str(text["fields"]["planned_duration" if planned else "duration"])


def build_context(incident: Incident, config: SiteConfig, *, internal: bool) -> dict[str, Any]:
    """A fresh dict each call (callers add to it), computed once per incident, config and audience."""
    view = audience_view(incident, internal)  # free when ``incident`` already is a public view
    cached = _contexts.get(view, config, internal)
    if cached is None:
        cached = _contexts.put(_build_context(view, config, internal=internal), view, config, internal)
    return dict(cached)


def _build_context(view: Incident, config: SiteConfig, *, internal: bool) -> dict[str, Any]:
    text = strings(config.locale, config.labels.model_dump())
    zone_name = view.zone or config.zone
    company = view.company or config.company  # a build clears each incident's own: one company names the site (site_wide)
    components = [c.display_name for c in view.components]
    affected_text = text["maintenance_affected" if view.is_maintenance else "affected"]
    affected = affected_text.format(components=formatting.join_and(components, text["and"])) if components else ""
    zone_label = timeline_zone_label(view)
    problems = [
        (problem, timeline_rows(problem, view.timeline_zone, view.impact_start, text, show_zone=zone_label is None))
        for problem in view.problems
    ]
    merged = chronology(view, view.timeline_zone, text, show_zone=zone_label is None) if view.timeline else []
    window = None
    if view.is_maintenance and view.scheduled_for is not None and view.scheduled_until is not None:
        formats = {"date_format": text.get("date_format", formatting.EN_DATE), "stamp_format": text.get("stamp_format", formatting.EN_STAMP)}
        window = formatting.time_range(view.scheduled_for, view.scheduled_until, zone_name, text["months"], **formats)
    report_key = "maintenance_report_for" if view.is_maintenance else "report_for"
    # The one "end" column of a summary table says which moment it shows: impact ended (recorded, or the last
    # window's end), else the resolution; with neither, "Resolved: not recorded" once closed, "Impact ended: ongoing" before.
    resolved_end = view.impact_end_source == "resolved" or (view.impact_end is None and view.is_resolved)
    return {
        "incident": view,
        "maintenance_window": window,
        "end_label": text["fields"]["resolved"] if resolved_end else text["report"]["impact_ended"],
        "duration_label": duration_label(view, text),
        "first_update": first_public_update(view),
        # Internal outputs show the sections before they are public: say so, so nobody pastes them as published.
        "postmortem_draft": internal and not view.postmortem_is_published,  # (start text, end text) in the display zone, for a maintenance
        "internal": internal,
        "config": config,
        "t": text,
        "zone": zone_name,
        "metrics": compute_metrics(view),
        "updates": view.updates_newest_first,
        "postmortem": view.postmortem_update,
        "problems": problems,
        # With an incident timeline, the documents show one merged chronology instead of one per sub-problem.
        "chronology": merged,
        "problem_timelines": [] if merged else [(problem, rows) for problem, rows in problems if rows],
        "h": section_headings(view, text, mitigation_timelines=bool(problems and not merged and any(rows for _, rows in problems))),
        "custom_after": custom_sections(view),
        "people": people_by_role(view, text),
        "affected": affected,
        "timeline_caption": text["times_in"].format(zone=zone_label) if zone_label else "",
        "confidential": config.confidentiality or text["fields"]["confidential"],
        "posted_parts": tuple(text["posted"].split("{when}", 1)),
        "company": company,
        "report_for": text[report_key].format(company=company),
    }
