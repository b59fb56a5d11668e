"""What every template sees: one incident (public view or full), strings, and computed times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generator.config import SiteConfig
from generator.i18n import strings
from generator.memo import IdentityMemo
from generator.model.incident import Incident, Problem
from generator.model.metrics import compute_metrics
from generator.model.visibility import public_view
from generator.render import formatting


class InternalIncidentError(Exception):
    """Raised when a public output is asked for an incident marked internal."""


@dataclass(frozen=True)
class TimelineRow:
    moment: datetime
    label: str
    text: str
    internal: bool = False


def timeline_rows(problem: Problem, zone_name: str, reference: datetime | None, months: list[str], *, show_zone: bool) -> list[TimelineRow]:
    """Clock times in the timeline zone; the date is added when it differs from the reference day.

    The zone abbreviation is added to each row only when it changes within the
    incident (a daylight-saving switch), where a bare clock time would be ambiguous.
    """
    reference_day = formatting.local(reference, zone_name).date() if reference else None
    rows = []
    for entry in problem.timeline:
        when = formatting.local(entry.at, zone_name)
        label = formatting.clock(entry.at, zone_name)
        if show_zone:
            label = f"{label} {formatting.abbreviation(entry.at, zone_name)}"
        if reference_day is not None and when.date() != reference_day:
            label = f"{months[when.month - 1]} {when.day:02d}, {label}"
        rows.append(TimelineRow(entry.at, label, entry.text, entry.internal))
    return rows


def timeline_zone_label(incident: Incident) -> str | None:
    """The one abbreviation all timeline entries share (e.g. ``UTC``), or None if it changes."""
    names = {formatting.abbreviation(e.at, incident.timeline_zone) for p in incident.problems for e in p.timeline}
    return names.pop() if len(names) == 1 else None


def audience_view(incident: Incident, internal: bool) -> Incident:
    """The full incident for internal outputs; the allowlisted public view otherwise."""
    if internal:
        return incident
    view = public_view(incident)
    if view is None:
        raise InternalIncidentError(f"incident {incident.slug!r} is internal; it has no public output")
    return view


_contexts: IdentityMemo[dict[str, Any]] = IdentityMemo(16)


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
    components = [c.display_name for c in view.components]
    affected = text["affected"].format(components=formatting.join_and(components, text["and"])) if components else ""
    zone_label = timeline_zone_label(view)
    problems = [
        (problem, timeline_rows(problem, view.timeline_zone, view.impact_start, text["months"], show_zone=zone_label is None))
        for problem in view.problems
    ]
    return {
        "incident": view,
        "internal": internal,
        "config": config,
        "t": text,
        "zone": zone_name,
        "metrics": compute_metrics(view),
        "updates": view.updates_newest_first,
        "postmortem": view.postmortem_update,
        "problems": problems,
        "affected": affected,
        "timeline_caption": text["times_in"].format(zone=zone_label) if zone_label else "",
        "confidential": config.confidentiality or text["fields"]["confidential"],
        "posted_parts": tuple(text["posted"].split("{when}", 1)),
        "report_for": text["report_for"].format(company=view.company or config.company),
    }
