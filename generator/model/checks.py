"""Cross-field checks that the schema alone cannot express (times, references, order)."""

from __future__ import annotations

from datetime import date, datetime

from generator.errors import Diagnostic, Severity
from generator.load import Positions
from generator.model.incident import Incident
from generator.model.types import precision


class _Reporter:
    def __init__(self, path: str, positions: Positions):
        self.path, self.positions, self.found = path, positions, []  # type: list[Diagnostic]

    def __call__(self, where: tuple[object, ...], message: str, severity: Severity = "error") -> None:
        line, column = self.positions.of_value(where)
        self.found.append(Diagnostic(self.path, line, column, message, severity))


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _before(moment: datetime, other: datetime) -> bool:
    """``moment`` is surely earlier than ``other``: a date alone is compared by date, an unknown time never is."""
    kinds = {precision(moment), precision(other)}
    if "unknown" in kinds:
        return False
    if "day" in kinds:
        return _day(moment) < _day(other)
    return moment < other


def _day(moment: datetime) -> date:
    """The written date of a date-only moment; otherwise the date at the moment's own offset."""
    return getattr(moment, "written_day", None) or moment.date()


def check_incident(incident: Incident, path: str, positions: Positions) -> list[Diagnostic]:
    """Return every semantic problem of a schema-valid incident."""
    report = _Reporter(path, positions)
    start = incident.impact_start
    if start is None:
        report((), "give `started_at` or at least one impact window: the impact start is needed for every time computed")

    for i, window in enumerate(incident.impact_windows):
        if window.end is not None and window.end < window.start:
            report(("impact_windows", i, "end"), f"impact window ends ({_iso(window.end)}) before it starts ({_iso(window.start)})")
        if incident.started_at is not None and window.start < incident.started_at:
            report(("impact_windows", i, "start"), "impact window starts before `started_at`; move `started_at` back or drop it")

    for key in ("detected_at", "mitigated_at", "impact_ended_at", "resolved_at"):
        moment = getattr(incident, key)
        if moment is not None and start is not None and moment < start:
            report((key,), f"`{key}` ({_iso(moment)}) is before the impact started ({_iso(start)})")
    if incident.mitigated_at and incident.resolved_at and incident.resolved_at < incident.mitigated_at:
        report(("resolved_at",), "`resolved_at` is before `mitigated_at`")
    if incident.impact_ended_at and incident.resolved_at and incident.resolved_at < incident.impact_ended_at:
        report(("resolved_at",), "`resolved_at` is before `impact_ended_at`: an incident is usually closed after its impact ended", "warning")
    loss = incident.data_loss
    if loss is not None and loss.start and loss.end and loss.end < loss.start:
        report(("data_loss", "end"), "the data-loss window ends before it starts")
    if loss is not None and loss.lost != "yes" and (loss.start or loss.end):
        report(("data_loss", "lost"), f"a data-loss window is given but `lost` is {loss.lost!r}; set `lost: yes` or drop the window")
    if incident.scheduled_for and incident.scheduled_until and incident.scheduled_until < incident.scheduled_for:
        report(("scheduled_until",), "`scheduled_until` is before `scheduled_for`")
    if incident.status in {"resolved", "postmortem", "completed"} and incident.impact_end is None:
        report(("status",), f"status is {incident.status} but no `resolved_at` is given, so no duration can be computed", "warning")

    names = {c.name for c in incident.components}
    seen_components: set[tuple[str | None, str]] = set()
    for i, component in enumerate(incident.components):
        key = (component.group, component.name)
        if key in seen_components:
            report(("components", i, "name"), f"component {component.display_name!r} is listed twice")
        seen_components.add(key)
    for i, window in enumerate(incident.impact_windows):
        for j, name in enumerate(window.components):
            if name not in names:
                report(("impact_windows", i, "components", j), f"unknown component {name!r}; list it under `components`")

    seen_problems: set[str] = set()
    for i, problem in enumerate(incident.problems):
        if problem.name in seen_problems:
            report(("problems", i, "name"), f"sub-problem {problem.name!r} is listed twice")
        seen_problems.add(problem.name)
        previous = None
        for j, entry in enumerate(problem.timeline):
            if previous is not None and _before(entry.at, previous):
                report(("problems", i, "timeline", j, "at"), "timeline entry is earlier than the one before it", "warning")
            previous = entry.at

    problem_names = {p.name for p in incident.problems}
    previous = None
    for j, entry in enumerate(incident.timeline):
        if entry.problem is not None and entry.problem not in problem_names:
            report(("timeline", j, "problem"), f"unknown sub-problem {entry.problem!r}; name one listed under `problems`")
        if previous is not None and _before(entry.at, previous):
            report(("timeline", j, "at"), "timeline entry is earlier than the one before it", "warning")
        previous = entry.at

    postmortems = 0
    for i, update in enumerate(incident.updates):
        if update.status == "postmortem":
            postmortems += 1
            if postmortems > 1:
                report(("updates", i, "status"), "only one postmortem update is allowed")
        elif update.body is None:
            report(("updates", i), "missing required key `body` (only a postmortem update may leave it out)")
        scheduled = incident.impact == "maintenance" or update.status == "scheduled"
        if start is not None and _before(update.posted_at, start) and not scheduled:
            report(("updates", i, "posted_at"), f"update posted ({_iso(update.posted_at)}) before the incident began ({_iso(start)})")
        for j, transition in enumerate(update.components):
            if transition.component not in names:
                report(("updates", i, "components", j, "component"), f"unknown component {transition.component!r}; list it under `components`")
    return report.found
