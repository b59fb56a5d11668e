"""Cross-field checks that the schema alone cannot express (times, references, order)."""

from __future__ import annotations

from datetime import date, datetime

from generator.errors import Diagnostic, Severity
from generator.load import Positions
from generator.model.ids import RESERVED_IDS
from generator.model.incident import CLOSING_STATUSES, INCIDENT_STEPS, MAINTENANCE_STATUSES, RESOLVED_STATUSES, Incident
from generator.model.references import reference_problems, text_position
from generator.model.types import precision
from generator.model.work import work_problems


class _Reporter:
    def __init__(self, path: str, positions: Positions, invalid: frozenset[tuple[object, ...]]):
        self.path, self.positions, self.invalid, self.found = path, positions, invalid, []  # type: list[Diagnostic]
        # every path that is or holds an invalid value: a set, so a check per entry costs no pass over every error
        self.holding = {bad[:length] for bad in invalid for length in range(1, len(bad) + 1)}

    def touches(self, where: tuple[object, ...]) -> bool:
        """Whether ``where`` is, holds or lies inside a value that failed schema validation."""
        return bool(where) and (where in self.holding or any(where[:length] in self.invalid for length in range(len(where) + 1)))

    def any_invalid(self, *keys: str) -> bool:
        return any(bad and bad[0] in keys for bad in self.invalid)

    def __call__(self, where: tuple[object, ...], message: str, severity: Severity = "error",
                 at: tuple[int, int] | None = None) -> None:
        if self.touches(where):
            return  # a consequence of the schema error already reported there
        line, column = at or self.positions.of_value(where)
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


def _impact_start(incident: Incident) -> datetime | None:
    """``Incident.impact_start``, also for a partly valid incident (invalid values are None)."""
    starts = [w.start for w in incident.impact_windows if w is not None and w.start is not None]
    if incident.started_at is not None:
        starts.append(incident.started_at)
    return min(starts) if starts else None


def _impact_end(incident: Incident) -> datetime | None:
    """``Incident.impact_end``, also for a partly valid incident (invalid values are None)."""
    if incident.impact == "maintenance" and incident.scheduled_for is not None and incident.scheduled_until is not None:
        return incident.scheduled_until
    if incident.impact_ended_at is not None:
        return incident.impact_ended_at
    if incident.resolved_at is not None:
        return incident.resolved_at
    closing = [u.posted_at for u in incident.updates or [] if u is not None and u.posted_at is not None
               and u.status in CLOSING_STATUSES]
    if incident.status in RESOLVED_STATUSES and closing:
        return max(closing)
    ends = [w.end if w is not None else None for w in incident.impact_windows]
    return max(e for e in ends if e is not None) if ends and all(e is not None for e in ends) else None


def check_incident(incident: Incident, path: str, positions: Positions,
                   invalid: frozenset[tuple[object, ...]] = frozenset()) -> list[Diagnostic]:
    """Return every semantic problem of an incident.

    ``invalid``: data paths that failed schema validation.  The incident is then a partial
    one (``generator.model.partial``) holding None there, and checks that depend on those
    values stay quiet.
    """
    report = _Reporter(path, positions, invalid)
    if incident.id in RESERVED_IDS:
        origin = "set `id:` to another id" if ("id",) in positions.values else "rename the file or set `id:`"
        report(("id",), f"id {incident.id!r} is reserved: the site uses that name itself; {origin}")
    too_costly = work_problems(incident)
    for where, message in too_costly:
        report(where, message)
    start = _impact_start(incident)
    # A maintenance is measured by its scheduled window (``_check_maintenance`` asks for it), not by `started_at`.
    if start is None and incident.impact != "maintenance" and not report.any_invalid("started_at", "impact_windows"):
        report((), "give `started_at` or at least one impact window: the impact start is needed for every time computed")

    windows = [(i, w) for i, w in enumerate(incident.impact_windows) if w is not None]
    for i, window in windows:
        if window.end is not None and window.start is not None and window.end < window.start:
            report(("impact_windows", i, "end"), f"impact window ends ({_iso(window.end)}) before it starts ({_iso(window.start)})")
        if incident.started_at is not None and window.start is not None and window.start < incident.started_at:
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
    if (incident.status in RESOLVED_STATUSES and _impact_end(incident) is None
            and not report.any_invalid("resolved_at", "impact_ended_at", "impact_windows", "updates")):
        report(("status",), f"status is {incident.status} but no `resolved_at` is given, so no duration can be computed", "warning")
    if incident.resolved_at is not None and incident.status is not None and incident.status not in RESOLVED_STATUSES:
        report(("resolved_at",), f"`resolved_at` is given but status is {incident.status}: every document treats the incident as "
               "not yet resolved until its status says so; set the status, or drop `resolved_at`", "warning")
    _check_maintenance(incident, report)

    names = {c.name for c in incident.components if c is not None}
    check_names = not report.any_invalid("components")
    seen_components: set[tuple[str | None, str]] = set()
    for i, component in enumerate(incident.components):
        if component is None or component.name is None:
            continue
        key = (component.group, component.name)
        if key in seen_components:
            report(("components", i, "name"), f"component {component.display_name!r} is listed twice")
        seen_components.add(key)
    for i, window in windows:
        for j, name in enumerate(window.components or []):
            if check_names and name is not None and name not in names:
                report(("impact_windows", i, "components", j), f"unknown component {name!r}; list it under `components`")

    seen_problems: set[str] = set()
    for i, problem in enumerate(incident.problems):
        if problem is None:
            continue
        if problem.name is not None and problem.name in seen_problems:
            report(("problems", i, "name"), f"sub-problem {problem.name!r} is listed twice")
        seen_problems.add(problem.name)
        previous = None
        for j, entry in enumerate(problem.timeline or []):
            if entry is None or entry.at is None:
                continue
            if previous is not None and _before(entry.at, previous):
                report(("problems", i, "timeline", j, "at"), "timeline entry is earlier than the one before it", "warning")
            previous = entry.at

    problem_names = {p.name for p in incident.problems if p is not None}
    check_problems = not report.any_invalid("problems")
    previous = None
    for j, entry in enumerate(incident.timeline):
        if entry is None or entry.at is None:
            continue
        if check_problems and entry.problem is not None and entry.problem not in problem_names:
            report(("timeline", j, "problem"), f"unknown sub-problem {entry.problem!r}; name one listed under `problems`")
        if previous is not None and _before(entry.at, previous):
            report(("timeline", j, "at"), "timeline entry is earlier than the one before it", "warning")
        previous = entry.at

    postmortems = 0
    for i, update in enumerate(incident.updates):
        if update is None:
            continue
        if update.status == "postmortem":
            postmortems += 1
            if postmortems > 1:
                report(("updates", i, "status"), "only one postmortem update is allowed")
        elif update.body is None:
            report(("updates", i), "missing required key `body` (only a postmortem update may leave it out)")
        scheduled = incident.impact == "maintenance" or update.status == "scheduled"
        if start is not None and update.posted_at is not None and _before(update.posted_at, start) and not scheduled:
            report(("updates", i, "posted_at"), f"update posted ({_iso(update.posted_at)}) before the incident began ({_iso(start)})")
        for j, transition in enumerate(update.components or []):
            if check_names and transition is not None and transition.component is not None and transition.component not in names:
                report(("updates", i, "components", j, "component"), f"unknown component {transition.component!r}; list it under `components`")
    # The reference analysis parses every text: over the work cap it would do the very work the cap refuses.
    for where, offset, message in ([] if too_costly else reference_problems(incident)):
        text = incident
        for part in where:
            text = text[part] if isinstance(part, int) else getattr(text, part)  # type: ignore[index,assignment]
        report(where, message, "warning", at=text_position(path, positions.of_value(where), str(text), offset))
    return report.found


def _check_maintenance(incident: Incident, report: _Reporter) -> None:
    """A maintenance has a scheduled window and speaks in maintenance statuses; an incident does not."""
    words = " | ".join(MAINTENANCE_STATUSES)
    if not incident.is_maintenance:
        if incident.status in MAINTENANCE_STATUSES:
            report(("status",), f"status {incident.status} is a maintenance status; set `impact: maintenance` "
                   f"(with `scheduled_for` and `scheduled_until`) or use {' | '.join(INCIDENT_STEPS)}", "warning")
        return
    for key in ("scheduled_for", "scheduled_until"):
        if getattr(incident, key) is None:
            report((), f"a maintenance needs `{key}`: the scheduled window is what its page shows and its duration")
    if incident.status not in (*MAINTENANCE_STATUSES, "postmortem"):
        report(("status",), f"a maintenance's status is one of {words}, not {incident.status}")
    for i, update in enumerate(incident.updates):
        if update.status in INCIDENT_STEPS:
            report(("updates", i, "status"), f"a maintenance update's status is one of {words} (or update), not {update.status}", "warning")
