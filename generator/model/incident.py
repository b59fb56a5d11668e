"""The incident model: every fact of a real status-page postmortem has a field here.

Visibility is allowlisted: a field reaches public outputs only when annotated
with ``PUBLIC``; list entries and sub-problems may also carry ``internal: true``.
A new field is therefore internal until someone declares it public.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal, get_args

from pydantic import Field, model_validator

from generator.model.base import StrictModel
from generator.model.types import (
    PUBLIC,
    UNKNOWN_TIME,
    Day,
    Flag,
    Line,
    LooseTimestamp,
    Markdown,
    Slug,
    Ticket,
    Timestamp,
    Url,
    Zone,
    make_moment,
    parse_loose_timestamp,
    precision,
)

Impact = Literal["none", "minor", "major", "critical", "maintenance"]
IncidentStatus = Literal[
    "investigating", "identified", "monitoring", "resolved", "postmortem",
    "scheduled", "in_progress", "verifying", "completed",
]
UpdateStatus = Literal[
    "investigating", "identified", "update", "monitoring", "resolved", "postmortem",
    "scheduled", "in_progress", "verifying", "completed",
]
ComponentStatus = Literal["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"]
# The status words, each list defined once (here) and used by validation, the site, the API and the commands.
INCIDENT_STATUSES: tuple[str, ...] = get_args(IncidentStatus)
UPDATE_STATUSES: tuple[str, ...] = get_args(UpdateStatus)
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")  # in the order a maintenance goes through them
INCIDENT_STEPS = ("investigating", "identified", "monitoring", "resolved")  # an incident's statuses (a maintenance's are above)
OPEN_INCIDENT_STATUSES = frozenset({"investigating", "identified", "monitoring"})  # an incident still going on
RUNNING_MAINTENANCE_STATUSES = frozenset({"in_progress", "verifying"})  # a maintenance under way
OPEN_STATUSES = OPEN_INCIDENT_STATUSES | RUNNING_MAINTENANCE_STATUSES  # a resolution counts only after the last post of these
RESOLVED_STATUSES = frozenset({"resolved", "postmortem", "completed"})
CLOSING_STATUSES = frozenset({"resolved", "completed"})  # the posts that close an incident or a maintenance
# The fields that make up the postmortem: public only once it is published (see ``postmortem_is_published``).
POSTMORTEM_FIELDS = ("summary", "impact_figures", "data_loss", "trigger", "detection", "root_cause", "contributing_factors",
                     "problems", "mitigation", "timeline", "next_steps", "action_items", "lessons_learned", "lessons",
                     "sections", "people", "document")
ProblemStatus = Literal["investigating", "identified", "mitigated", "resolved"]
ActionStatus = Literal["open", "in_progress", "done", "wont_do"]
ActionType = Literal["mitigate", "prevent", "process", "other"]
DetectionMethod = Literal["alert", "monitoring", "customer_report", "internal_report", "automated_test", "other"]
DataLoss = Literal["yes", "no", "unknown"]
PersonRole = Literal["author", "incident_commander", "responder", "reviewer", "communications"]
# The standard postmortem sections, in document order: per-incident headings and custom sections refer to them.
SectionKey = Literal["summary", "impact", "trigger", "detection", "root_cause", "contributing_factors", "mitigation",
                     "timeline", "next_steps", "lessons_learned"]
SECTION_KEYS: tuple[str, ...] = SectionKey.__args__  # type: ignore[attr-defined]
# Standard milestones of an incident timeline; any other one-line marker (e.g. "OUTAGE BEGINS") is printed as written.
STANDARD_MILESTONES = ("impact_began", "detected", "declared", "mitigated", "impact_ended", "resolved")


class Component(StrictModel):
    """An affected component; shown as ``group (name)`` like hosted status pages."""

    name: Annotated[Line, PUBLIC]
    group: Annotated[Line | None, PUBLIC] = None
    internal: Flag = False

    @property
    def display_name(self) -> str:
        """``Group (Name)``, or the name alone."""
        return f"{self.group} ({self.name})" if self.group else self.name


class ComponentTransition(StrictModel):
    """A component's status change announced with one update."""

    component: Annotated[Line, PUBLIC]
    old_status: Annotated[ComponentStatus | None, PUBLIC] = None
    new_status: Annotated[ComponentStatus, PUBLIC]


class ImpactWindow(StrictModel):
    """When one region or set of components was affected; may start before the first post."""

    label: Annotated[Line, PUBLIC]
    components: Annotated[list[Line], PUBLIC] = Field(default_factory=list)
    start: Annotated[Timestamp, PUBLIC]
    end: Annotated[Timestamp | None, PUBLIC] = None
    internal: Flag = False


class TimelineEntry(StrictModel):
    """One step of a sub-problem's timeline: a moment (exact, ``~`` approximate, or a date) and what happened."""

    at: Annotated[LooseTimestamp, PUBLIC]
    text: Annotated[Markdown, PUBLIC]
    internal: Flag = False


class EvidenceLink(StrictModel):
    """Where an incident-timeline entry's evidence lives: a dashboard, a log query, a chat message."""

    label: Annotated[Line, PUBLIC]
    url: Annotated[Url, PUBLIC]


class IncidentTimelineEntry(StrictModel):
    """One step of the incident's own chronology, optionally tied to a sub-problem and marked as a milestone.

    ``links`` (evidence) are internal as a whole: dashboards and log queries are for the team.
    """

    at: Annotated[LooseTimestamp, PUBLIC]
    text: Annotated[Markdown, PUBLIC]
    milestone: Annotated[Line | None, PUBLIC] = None
    problem: Annotated[Line | None, PUBLIC] = None
    links: list[EvidenceLink] = Field(default_factory=list)
    internal: Flag = False


class Detection(StrictModel):
    """How the incident was noticed: the method, and the story."""

    method: Annotated[DetectionMethod, PUBLIC]
    text: Annotated[Markdown | None, PUBLIC] = None


class ImpactFigure(StrictModel):
    """One measured or stated impact: ``value`` "1.21B", ``text`` "queries lost"; or a statement alone."""

    value: Annotated[Line | None, PUBLIC] = None
    text: Annotated[Line, PUBLIC]
    internal: Flag = False


class DataLossStatement(StrictModel):
    """Whether data was lost (yes / no / unknown), and in which window."""

    lost: Annotated[DataLoss, PUBLIC]
    start: Annotated[Timestamp | None, PUBLIC] = None
    end: Annotated[Timestamp | None, PUBLIC] = None
    text: Annotated[Line | None, PUBLIC] = None


class CustomSection(StrictModel):
    """A section of the report's own, placed after a standard section (``after``), in list order."""

    title: Annotated[Line, PUBLIC]
    body: Annotated[Markdown, PUBLIC]
    after: Annotated[SectionKey, PUBLIC] = "lessons_learned"
    internal: Flag = False


class Lessons(StrictModel):
    """Lessons learned in the standard categories (the SRE book's template)."""

    went_well: Annotated[list[Markdown], PUBLIC] = Field(default_factory=list)
    went_wrong: Annotated[list[Markdown], PUBLIC] = Field(default_factory=list)
    got_lucky: Annotated[list[Markdown], PUBLIC] = Field(default_factory=list)


class Person(StrictModel):
    """Someone who wrote, led, worked on or reviewed the incident. Internal unless ``internal: false``."""

    name: Annotated[Line, PUBLIC]
    role: Annotated[PersonRole, PUBLIC]
    internal: Flag = True


class DocumentState(StrictModel):
    """The report's own state: status (draft, in review, reviewed, closed, or your words) and date."""

    status: Annotated[Line, PUBLIC]
    date: Annotated[Day | None, PUBLIC] = None
    internal: Flag = False


class Problem(StrictModel):
    """One sub-problem of an incident, with its own cause, timeline and state."""

    name: Annotated[Line, PUBLIC]
    status: Annotated[ProblemStatus, PUBLIC] = "resolved"
    root_cause: Annotated[Markdown | None, PUBLIC] = None
    root_cause_identified: Annotated[Flag, PUBLIC] = True
    timeline: Annotated[list[TimelineEntry], PUBLIC] = Field(default_factory=list)
    notes: Markdown | None = None
    internal: Flag = False


class ActionSubItem(StrictModel):
    """One step of an action item."""

    text: Annotated[Markdown, PUBLIC]
    status: Annotated[ActionStatus, PUBLIC] = "open"
    internal: Flag = False


class ActionItem(StrictModel):
    """A follow-up; ``owner`` and ``ticket`` stay internal, ``public_owner`` is printed in public reports."""

    text: Annotated[Markdown, PUBLIC]
    type: Annotated[ActionType | None, PUBLIC] = None
    priority: Annotated[Line | None, PUBLIC] = None
    status: Annotated[ActionStatus, PUBLIC] = "open"
    due: Annotated[Day | None, PUBLIC] = None
    public_owner: Annotated[Line | None, PUBLIC] = None
    owner: Line | None = None
    ticket: Ticket | None = None
    items: Annotated[list[ActionSubItem], PUBLIC] = Field(default_factory=list)
    internal: Flag = False

    @property
    def shown_owner(self) -> str | None:
        """The owner an internal report prints: the internal one, else the public one."""
        return self.owner or self.public_owner


class Update(StrictModel):
    """A posted status update; a ``postmortem`` update carries the postmortem sections."""

    status: Annotated[UpdateStatus, PUBLIC]
    posted_at: Annotated[LooseTimestamp, PUBLIC]
    body: Annotated[Markdown | None, PUBLIC] = None
    components: Annotated[list[ComponentTransition], PUBLIC] = Field(default_factory=list)
    internal: Flag = False


class Incident(StrictModel):
    """One incident as recorded in ``incidents/<id>.yaml``."""

    id: Annotated[Slug | None, PUBLIC] = None
    title: Annotated[Line, PUBLIC]
    company: Annotated[Line | None, PUBLIC] = None
    impact: Annotated[Impact, PUBLIC]
    status: Annotated[IncidentStatus, PUBLIC]
    visibility: Annotated[Literal["public", "internal"], PUBLIC] = "public"
    zone: Annotated[Zone | None, PUBLIC] = None
    timeline_zone: Annotated[Zone, PUBLIC] = "UTC"
    shortlink: Annotated[Url | None, PUBLIC] = None

    started_at: Annotated[Timestamp | None, PUBLIC] = None
    detected_at: Annotated[Timestamp | None, PUBLIC] = None
    mitigated_at: Annotated[Timestamp | None, PUBLIC] = None
    impact_ended_at: Annotated[Timestamp | None, PUBLIC] = None
    resolved_at: Annotated[Timestamp | None, PUBLIC] = None
    scheduled_for: Annotated[Timestamp | None, PUBLIC] = None
    scheduled_until: Annotated[Timestamp | None, PUBLIC] = None
    impact_windows: Annotated[list[ImpactWindow], PUBLIC] = Field(default_factory=list)
    components: Annotated[list[Component], PUBLIC] = Field(default_factory=list)

    summary: Annotated[Markdown | None, PUBLIC] = None
    impact_figures: Annotated[list[ImpactFigure], PUBLIC] = Field(default_factory=list)
    data_loss: Annotated[DataLossStatement | None, PUBLIC] = None
    trigger: Annotated[Markdown | None, PUBLIC] = None
    detection: Annotated[Detection | None, PUBLIC] = None
    root_cause: Annotated[Markdown | None, PUBLIC] = None
    contributing_factors: Annotated[list[Markdown], PUBLIC] = Field(default_factory=list)
    problems: Annotated[list[Problem], PUBLIC] = Field(default_factory=list)
    mitigation: Annotated[Markdown | None, PUBLIC] = None
    timeline: Annotated[list[IncidentTimelineEntry], PUBLIC] = Field(default_factory=list)
    next_steps: Annotated[Markdown | None, PUBLIC] = None
    action_items: Annotated[list[ActionItem], PUBLIC] = Field(default_factory=list)
    lessons_learned: Annotated[Markdown | None, PUBLIC] = None
    lessons: Annotated[Lessons | None, PUBLIC] = None
    headings: Annotated[dict[SectionKey, Line], PUBLIC] = Field(default_factory=dict)
    sections: Annotated[list[CustomSection], PUBLIC] = Field(default_factory=list)
    people: Annotated[list[Person], PUBLIC] = Field(default_factory=list)
    document: Annotated[DocumentState | None, PUBLIC] = None
    updates: Annotated[list[Update], PUBLIC] = Field(default_factory=list)
    # Unset: the postmortem sections go public once the incident is resolved. ``true`` publishes them
    # while it is still live; ``false`` keeps a resolved incident's draft out of public outputs.
    postmortem_published: Annotated[Flag | None, PUBLIC, Field(description=(
        "Unset: the postmortem sections go public once the incident is resolved. true: publish them now; "
        "false: keep them out of public outputs."))] = None

    # Read by `postmortem report`: near-misses are counted apart, tags group incidents by cause.
    near_miss: Annotated[Flag, PUBLIC, Field(description=(
        "true: a near miss (caught before customers were affected, or nearly so); counted apart in `postmortem report`."))] = False
    tags: Annotated[list[Line], PUBLIC, Field(description=(
        "Cause or contributing-factor categories (e.g. config-change, capacity, dependency); "
        "`postmortem report` counts recurring ones. Compared without regard to case."))] = Field(default_factory=list)

    severity: Line | None = None
    internal_notes: Markdown | None = None

    @model_validator(mode="before")
    @classmethod
    def _place_unknown_post_times(cls, data: Any) -> Any:
        """``posted_at: unknown`` borrows the time of the next older update in the file (else the next
        newer one) so the post keeps its place; it is printed as "time not recorded"."""
        if not isinstance(data, dict) or not isinstance(data.get("updates"), list):
            return data
        updates = data["updates"]
        if not any(isinstance(u, dict) and u.get("posted_at") == UNKNOWN_TIME for u in updates):
            return data
        known = [_known_time(u.get("posted_at")) if isinstance(u, dict) else None for u in updates]
        placed = []
        for i, update in enumerate(updates):
            if isinstance(update, dict) and update.get("posted_at") == UNKNOWN_TIME:
                older = next((t for t in known[i + 1:] if t is not None), None)
                newer = next((t for t in reversed(known[:i]) if t is not None), None)
                if older is not None:
                    update = {**update, "posted_at": make_moment(older, "unknown", rank=1)}
                elif newer is not None:
                    update = {**update, "posted_at": make_moment(newer, "unknown", rank=-1)}
            placed.append(update)
        return {**data, "updates": placed}

    @property
    def slug(self) -> str:
        """The incident's id, which names its files and pages."""
        assert self.id is not None, "the loader always sets an id"
        return self.id

    @property
    def is_maintenance(self) -> bool:
        """A planned maintenance rather than an incident."""
        return self.impact == "maintenance"

    @property
    def is_resolved(self) -> bool:
        """Resolved, postmortem published, or maintenance completed: never "ongoing" in any output."""
        return self.status in RESOLVED_STATUSES

    @property
    def postmortem_is_published(self) -> bool:
        """Whether the postmortem sections may be public: the author's flag, else once resolved."""
        if self.postmortem_published is not None:
            return self.postmortem_published
        return self.is_resolved

    @property
    def impact_start(self) -> datetime | None:
        """The earliest known moment of impact: explicit start or earliest window.

        A maintenance is measured by its scheduled window, not by when it was announced.
        """
        if self.is_maintenance and self.scheduled_for is not None:
            return self.scheduled_for
        starts = [w.start for w in self.impact_windows]
        if self.started_at is not None:
            starts.append(self.started_at)
        return min(starts) if starts else None

    @property
    def impact_end(self) -> datetime | None:
        """When impact ended: ``impact_ended_at``, else the resolution time, else the latest window end
        when every window has ended (see ``impact_end_source`` for which one).

        A maintenance ends with its scheduled window; a resolved incident without
        ``resolved_at`` ends when its (last) ``resolved`` update was posted.
        """
        if self.is_maintenance and self.scheduled_for is not None and self.scheduled_until is not None:
            return self.scheduled_until
        if self.impact_ended_at is not None:
            return self.impact_ended_at
        if self.resolution is not None:
            return self.resolution
        ends = [w.end for w in self.impact_windows]
        if ends and all(e is not None for e in ends):
            return max(e for e in ends if e is not None)
        return None

    @property
    def resolution(self) -> datetime | None:
        """When the incident was closed: ``resolved_at``, else, once it is resolved, its last ``resolved`` (or
        ``completed``) post; None while it is open, or when nothing records the moment."""
        if not self.is_resolved:  # a `resolved_at` on an open incident is a contradiction validate warns of
            return None
        if self.resolved_at is not None:
            return self.resolved_at
        resolved = [u.posted_at for u in self.updates if u.status in CLOSING_STATUSES]
        return max(resolved) if resolved else None

    @property
    def impact_end_source(self) -> str | None:
        """Which moment ``impact_end`` is: ``impact_ended``, ``resolved`` or ``windows`` (a maintenance's scheduled window)."""
        if self.is_maintenance and self.scheduled_for is not None and self.scheduled_until is not None:
            return "windows"
        if self.impact_ended_at is not None:
            return "impact_ended"
        if self.resolution is not None:
            return "resolved"
        return "windows" if self.impact_end is not None else None

    @property
    def postmortem_update(self) -> Update | None:
        """The posted update that carries the postmortem, if any."""
        return next((u for u in self.updates if u.status == "postmortem"), None)

    @property
    def updates_in_order(self) -> list[Update]:
        """Every posted update, the postmortem included, oldest first: an "unknown" time sorts by its rank, equal
        times by their place in the file."""
        ordered = sorted(enumerate(self.updates), key=lambda pair: (pair[1].posted_at, getattr(pair[1].posted_at, "rank", 0), pair[0]))
        return [u for _, u in ordered]

    @property
    def updates_newest_first(self) -> list[Update]:
        """Posted updates other than the postmortem, newest first (``updates_in_order`` reversed)."""
        return [u for u in reversed(self.updates_in_order) if u.status != "postmortem"]

    @property
    def has_postmortem_sections(self) -> bool:
        """Whether any postmortem section (summary, root cause, ...) is filled in."""
        return any([self.summary, self.root_cause, self.problems, self.mitigation, self.next_steps,
                    self.action_items, self.lessons_learned, self.impact_figures, self.data_loss, self.trigger,
                    self.detection, self.contributing_factors, self.timeline, self.lessons, self.sections])


def _known_time(value: object) -> datetime | None:
    """The time an update's raw ``posted_at`` names, if it names one (used to place unknown ones)."""
    moment = parse_loose_timestamp(value)
    return moment if moment is not None and precision(moment) != "unknown" else None


@cache
def incident_keys() -> frozenset[str]:
    """Every key an incident file may hold, at any depth: the field names of the models above."""
    return frozenset(name for model in StrictModel.__subclasses__() if model.__module__ == __name__ for name in model.model_fields)
