"""What every template sees: one incident (public view or full), strings, and computed times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generator.config import SiteConfig
from generator.i18n import strings
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


def timeline_rows(problem: Problem, zone_name: str, reference: datetime | None, months: list[str]) -> list[TimelineRow]:
    """Clock times in the timeline zone; the date is added when it differs from the reference day."""
    reference_day = formatting.local(reference, zone_name).date() if reference else None
    rows = []
    for entry in problem.timeline:
        when = formatting.local(entry.at, zone_name)
        label = f"{formatting.clock(entry.at, zone_name)} {formatting.abbreviation(entry.at, zone_name)}"
        if reference_day is not None and when.date() != reference_day:
            label = f"{months[when.month - 1]} {when.day:02d}, {label}"
        rows.append(TimelineRow(entry.at, label, entry.text))
    return rows


def audience_view(incident: Incident, internal: bool) -> Incident:
    """The full incident for internal outputs; the allowlisted public view otherwise."""
    if internal:
        return incident
    view = public_view(incident)
    if view is None:
        raise InternalIncidentError(f"incident {incident.slug!r} is internal; it has no public output")
    return view


def build_context(incident: Incident, config: SiteConfig, *, internal: bool) -> dict[str, Any]:
    view = audience_view(incident, internal)
    text = strings(config.locale, config.labels.model_dump())
    zone_name = view.zone or config.zone
    components = [c.display_name for c in view.components]
    affected = text["affected"].format(components=formatting.join_and(components, text["and"])) if components else ""
    problems = [
        (problem, timeline_rows(problem, view.timeline_zone, view.impact_start, text["months"]))
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
        "posted_parts": tuple(text["posted"].split("{when}", 1)),
        "report_for": text["report_for"].format(company=view.company or config.company),
    }
