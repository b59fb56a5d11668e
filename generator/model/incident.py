"""The incident model: every fact of a real status-page postmortem has a field here.

Visibility is allowlisted: a field reaches public outputs only when annotated
with ``PUBLIC``; list entries and sub-problems may also carry ``internal: true``.
A new field is therefore internal until someone declares it public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from generator.model.types import PUBLIC, Day, Flag, Line, Markdown, Slug, Timestamp, Url, Zone

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
ProblemStatus = Literal["investigating", "identified", "mitigated", "resolved"]
ActionStatus = Literal["open", "in_progress", "done", "wont_do"]


class Record(BaseModel):
    """Base for every model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)


class Component(Record):
    """An affected component; shown as ``group (name)`` like hosted status pages."""

    name: Annotated[Line, PUBLIC]
    group: Annotated[Line | None, PUBLIC] = None
    internal: Flag = False

    @property
    def display_name(self) -> str:
        return f"{self.group} ({self.name})" if self.group else self.name


class ComponentTransition(Record):
    """A component's status change announced with one update."""

    component: Annotated[Line, PUBLIC]
    old_status: Annotated[ComponentStatus | None, PUBLIC] = None
    new_status: Annotated[ComponentStatus, PUBLIC]


class ImpactWindow(Record):
    """When one region or set of components was affected; may start before the first post."""

    label: Annotated[Line, PUBLIC]
    components: Annotated[list[Line], PUBLIC] = Field(default_factory=list)
    start: Annotated[Timestamp, PUBLIC]
    end: Annotated[Timestamp | None, PUBLIC] = None
    internal: Flag = False


class TimelineEntry(Record):
    """One step of a mitigation timeline: a moment and what happened."""

    at: Annotated[Timestamp, PUBLIC]
    text: Annotated[Markdown, PUBLIC]
    internal: Flag = False


class Problem(Record):
    """One sub-problem of an incident, with its own cause, timeline and state."""

    name: Annotated[Line, PUBLIC]
    status: Annotated[ProblemStatus, PUBLIC] = "resolved"
    root_cause: Annotated[Markdown | None, PUBLIC] = None
    root_cause_identified: Annotated[Flag, PUBLIC] = True
    timeline: Annotated[list[TimelineEntry], PUBLIC] = Field(default_factory=list)
    notes: Markdown | None = None
    internal: Flag = False


class ActionItem(Record):
    """A follow-up; owner and ticket stay internal."""

    text: Annotated[Markdown, PUBLIC]
    status: Annotated[ActionStatus, PUBLIC] = "open"
    due: Annotated[Day | None, PUBLIC] = None
    owner: Line | None = None
    ticket: Url | None = None
    internal: Flag = False


class Update(Record):
    """A posted status update; a ``postmortem`` update carries the postmortem sections."""

    status: Annotated[UpdateStatus, PUBLIC]
    posted_at: Annotated[Timestamp, PUBLIC]
    body: Annotated[Markdown | None, PUBLIC] = None
    components: Annotated[list[ComponentTransition], PUBLIC] = Field(default_factory=list)
    internal: Flag = False


class Incident(Record):
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
    resolved_at: Annotated[Timestamp | None, PUBLIC] = None
    scheduled_for: Annotated[Timestamp | None, PUBLIC] = None
    scheduled_until: Annotated[Timestamp | None, PUBLIC] = None
    impact_windows: Annotated[list[ImpactWindow], PUBLIC] = Field(default_factory=list)
    components: Annotated[list[Component], PUBLIC] = Field(default_factory=list)

    summary: Annotated[Markdown | None, PUBLIC] = None
    root_cause: Annotated[Markdown | None, PUBLIC] = None
    problems: Annotated[list[Problem], PUBLIC] = Field(default_factory=list)
    mitigation: Annotated[Markdown | None, PUBLIC] = None
    next_steps: Annotated[Markdown | None, PUBLIC] = None
    action_items: Annotated[list[ActionItem], PUBLIC] = Field(default_factory=list)
    lessons_learned: Annotated[Markdown | None, PUBLIC] = None
    updates: Annotated[list[Update], PUBLIC] = Field(default_factory=list)

    severity: Line | None = None
    internal_notes: Markdown | None = None

    @property
    def slug(self) -> str:
        assert self.id is not None, "the loader always sets an id"
        return self.id

    @property
    def impact_start(self) -> datetime | None:
        """The earliest known moment of impact: explicit start or earliest window."""
        starts = [w.start for w in self.impact_windows]
        if self.started_at is not None:
            starts.append(self.started_at)
        return min(starts) if starts else None

    @property
    def impact_end(self) -> datetime | None:
        """Resolution time, or the latest window end when every window has ended."""
        if self.resolved_at is not None:
            return self.resolved_at
        ends = [w.end for w in self.impact_windows]
        if ends and all(e is not None for e in ends):
            return max(e for e in ends if e is not None)
        return None

    @property
    def postmortem_update(self) -> Update | None:
        return next((u for u in self.updates if u.status == "postmortem"), None)

    @property
    def updates_newest_first(self) -> list[Update]:
        """Posted updates other than the postmortem, newest first (stable for equal times)."""
        ordered = sorted(enumerate(self.updates), key=lambda pair: (pair[1].posted_at, pair[0]), reverse=True)
        return [u for _, u in ordered if u.status != "postmortem"]

    @property
    def has_postmortem_sections(self) -> bool:
        return any([self.summary, self.root_cause, self.problems, self.mitigation, self.next_steps,
                    self.action_items, self.lessons_learned])
