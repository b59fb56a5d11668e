"""Gather: the validated catalog as the report may see it (public views unless internal), placed in periods.

An incident belongs to the period holding the start of its impact (a maintenance: its scheduled
window; without either, its first post). One that has none of these cannot be placed: it is
counted as undated, never dropped without a word.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from generator.model.incident import Incident
from generator.model.metrics import Metrics, compute_metrics
from generator.model.types import precision
from generator.model.visibility import public_view
from generator.report.period import Period


@dataclass(frozen=True)
class ReportIncident:
    """One incident as the report uses it: the view it may print, when it happened, and its metrics."""

    incident: Incident  # the public view, or the whole incident in the internal variant
    when: datetime | None  # what places it in a period
    metrics: Metrics


@dataclass(frozen=True)
class Gathered:
    """The incidents of the period and of the previous one, and what could not be placed."""

    current: list[ReportIncident]
    previous: list[ReportIncident]
    undated: list[ReportIncident]
    dated: list[ReportIncident]  # every placed incident of the catalog (availability counts those that overlap the period)
    components: list[str]  # every component the visible catalog names (filtered by --component), sorted


def placed_at(incident: Incident) -> datetime | None:
    """The impact start, else the first post with a known time."""
    if incident.impact_start is not None:
        return incident.impact_start
    posts = [u.posted_at for u in incident.updates if precision(u.posted_at) not in {"unknown", "day"}]
    return min(posts) if posts else None


def latest_moment(incidents: Iterable[Incident]) -> datetime | None:
    """The last moment the incidents record (a post, an end of impact, a resolution): "now" without SOURCE_DATE_EPOCH."""
    moments: list[datetime] = []
    for incident in incidents:
        moments.extend(u.posted_at for u in incident.updates if precision(u.posted_at) != "unknown")
        moments.extend(m for m in (incident.impact_end, incident.resolved_at, incident.impact_start) if m is not None)
    return max(moments) if moments else None


def component_names(incident: Incident) -> list[str]:
    """The names an incident's components go by in the report (``Group (Name)`` when grouped)."""
    return [c.display_name for c in incident.components]


def names_component(incident: Incident, wanted: str) -> bool:
    """Whether ``wanted`` (a name or ``Group (Name)``, any case) is one of the incident's components."""
    key = wanted.casefold()
    return any(key in {c.name.casefold(), c.display_name.casefold()} for c in incident.components)


def visible(incidents: Iterable[Incident], *, internal: bool) -> list[Incident]:
    """Every incident as this variant may see it: public views (internal incidents left out), or all of them."""
    if internal:
        return list(incidents)
    return [view for view in map(public_view, incidents) if view is not None]


def gather(incidents: Iterable[Incident], period: Period, *, component: str | None = None) -> Gathered:
    """Place ``incidents`` (already visible ones) in ``period`` or the previous one; ``component`` filters them."""
    previous = period.previous()
    chosen = [i for i in incidents if component is None or names_component(i, component)]
    current_items: list[ReportIncident] = []
    previous_items: list[ReportIncident] = []
    undated: list[ReportIncident] = []
    dated: list[ReportIncident] = []
    for incident in chosen:
        item = ReportIncident(incident, placed_at(incident), compute_metrics(incident))
        if item.when is None:
            undated.append(item)
            continue
        dated.append(item)
        if period.contains(item.when):
            current_items.append(item)
        elif previous.contains(item.when):
            previous_items.append(item)
    names = sorted({n for i in chosen for n in component_names(i)}, key=str.casefold)
    if component is not None:
        names = [n for n in names if n.casefold() == component.casefold()
                 or any(c.name.casefold() == component.casefold() and c.display_name == n for i in chosen for c in i.components)]

    def order(item: ReportIncident) -> tuple[datetime, str]:
        assert item.when is not None
        return item.when, item.incident.slug

    return Gathered(sorted(current_items, key=order), sorted(previous_items, key=order),
                    sorted(undated, key=lambda item: item.incident.slug), sorted(dated, key=order), names)
