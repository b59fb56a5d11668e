"""The site record: everything the site-wide files need of one public incident, as plain values.

The home page, component pages, feeds, JSON API and sitemap list every
incident, so they are rebuilt whenever any incident changes.  Building them
from the incidents themselves meant, on every such build, a public view per
incident and a Markdown rendering per update body.  A record is made once per
incident, in the pool worker that renders the incident's own pages (where the
Markdown renderings are already memoised), cached with its other outputs, and
holds no model: the parent process only unpickles records and assembles.

A record is made from the public view only, so nothing internal is in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generator.i18n import strings
from generator.model.availability import open_window_end, policy_region, status_in, weight_of
from generator.model.config import AvailabilityPolicy, SiteConfig
from generator.model.incident import RESOLVED_STATUSES
from generator.model.metrics import compute_metrics
from generator.render import formatting
from generator.render.context import duration_label
from generator.render.markdown import markdown_to_html
from generator.site.incident import SiteIncident, component_of, date_range
from generator.site.statuspage import incident_document

ComponentKey = tuple[str | None, str]  # (group, name): how the site tells components apart


@dataclass(frozen=True)
class ListEntry:
    """One incident as a line of a history list."""

    slug: str
    title: str
    impact: str
    impact_label: str
    range: str
    start_iso: str
    duration: str
    sentence: str
    duration_label: str = "Duration"  # "Planned duration" for a maintenance that has not begun


@dataclass(frozen=True)
class Transition:
    """A component status an update set: what the API's component statuses are derived from."""

    posted_at: datetime
    component: ComponentKey
    new_status: str


@dataclass(frozen=True)
class Span:
    """When one component was affected: an impact window, or the incident's whole impact when it has none."""

    component: ComponentKey
    start: datetime
    end: datetime | None  # None: still going on
    weight: float = 0.0  # its downtime weight under the site's availability policy (``generator.model.availability``)
    region: str | None = None  # the policy region it stands for (``by_region``), else None: the whole component


@dataclass(frozen=True)
class SiteRecord:
    """One public incident as the site-wide files see it."""

    slug: str
    title: str
    impact: str
    status: str
    start: datetime
    end: datetime | None
    created: datetime
    updated: datetime
    sentence: str
    components: tuple[ComponentKey, ...]
    entry: ListEntry
    transitions: tuple[Transition, ...]
    api: dict[str, Any]  # the API's incident document, minus its site-wide ``components``
    scheduled_for: datetime | None
    scheduled_until: datetime | None
    feed_content: str | None  # the feed entry's HTML body
    spans: tuple[Span, ...] = ()  # what the uptime bars are computed from
    update_count: int = 0  # posted updates: the calendar's SEQUENCE

    @property
    def resolved(self) -> bool:
        """Whether the incident is over (resolved, postmortem or completed)."""
        return self.status in RESOLVED_STATUSES


def list_entry(item: SiteIncident, config: SiteConfig, text: dict[str, Any] | None = None) -> ListEntry:
    """One incident as a line of a history list."""
    text = text or strings(config.locale, config.labels.model_dump())
    view = item.view
    span = compute_metrics(view).duration
    return ListEntry(
        slug=item.slug,
        title=view.title,
        impact=view.impact,
        impact_label=text["impacts"][view.impact],
        range=date_range(item, view.zone or config.zone, text["months"], text["fields"]["not_recorded" if item.resolved else "ongoing"]),
        start_iso=formatting.iso(item.start),
        duration=formatting.duration(span) if span is not None else "",
        sentence=item.sentence,
        duration_label=duration_label(view, text),
    )


def site_record(item: SiteIncident, config: SiteConfig) -> SiteRecord:
    """The record of one public incident (``item`` is built from its public view)."""
    view = item.view
    transitions = tuple(
        Transition(update.posted_at, (component.group, component.name), change.new_status)
        for update in view.updates for change in update.components
        if (component := component_of(view, change.component)) is not None
    )
    body = view.summary or next((u.body for u in view.updates_newest_first if u.body), None)
    return SiteRecord(
        slug=item.slug, title=view.title, impact=view.impact, status=view.status,
        start=item.start, end=item.end, created=item.created, updated=item.updated, sentence=item.sentence,
        components=tuple((c.group, c.name) for c in view.components),
        entry=list_entry(item, config),
        transitions=transitions,
        api=incident_document(item, config),
        scheduled_for=view.scheduled_for, scheduled_until=view.scheduled_until,
        feed_content=str(markdown_to_html(body)) if body else None,
        spans=impact_spans(item, config.availability),
        update_count=len(view.updates),
    )


def impact_spans(item: SiteIncident, policy: AvailabilityPolicy) -> tuple[Span, ...]:
    """Per component, when it was affected, and how much that counts as downtime under ``policy``.

    An impact window names its components (none named: all the incident's);
    an incident without windows affected all its components from its start to
    its end, a maintenance during its scheduled window.
    """
    view = item.view
    every = [(c.group, c.name) for c in view.components]
    weights = {(c.group, c.name): weight_of(status_in(view, c.name), policy) for c in view.components}
    closed = open_window_end(view)  # where an open window stops, as the report's availability has it
    spans: list[Span] = []
    for window in view.impact_windows:
        named = [(c.group, c.name) for name in window.components if (c := component_of(view, name)) is not None]
        region = policy_region(window.label, policy)
        spans.extend(Span(key, window.start, window.end or closed, weights[key], region) for key in (named or every))
    if not view.impact_windows:
        if view.impact == "maintenance" and view.scheduled_for is not None:
            start, end = view.scheduled_for, view.scheduled_until or closed
        else:
            start, end = item.start, item.end or closed
        spans.extend(Span(key, start, end, weights[key]) for key in every)
    return tuple(spans)
