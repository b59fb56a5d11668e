"""Turn status-page incidents (plain JSON data) into incident-file data in our model's terms.

Every fact both models share is carried over: name, status and impact words,
timestamps (in the page's zone, so local offsets stay as the page showed them),
the shortlink, components with their groups, each update in source order with
its component transitions, and the postmortem body as a ``postmortem`` update.
Bodies go through ``bodies.html_to_markdown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import get_args
from zoneinfo import ZoneInfo

from generator.migrate.bodies import clean_text, html_to_markdown
from generator.migrate.shapes import COMPONENT, PAGE, check_incident_shape, check_list, check_object
from generator.migrate.statuspage_source import Export, Problems
from generator.migrate.zones import UTC_NAMES, map_zone
from generator.model.ids import slugify
from generator.model.incident import ComponentStatus, Impact, IncidentStatus, UpdateStatus
from generator.model.types import displayable_everywhere
from generator.render import formatting

EMPTY_BODY = "(No message was posted with this update.)"


@dataclass(frozen=True)
class ImportedIncident:
    """One converted incident: its identity in the source and its ordered file data."""

    source_id: str
    page_id: str | None
    backfilled: bool
    day: str
    slug: str
    data: dict[str, object]


class _Converter:
    """Converts the incidents of one export, reporting problems at their JSON position."""

    def __init__(self, export: Export, zone: str | None):
        self.problems: Problems = export.problems
        self.page = export.page or {}
        self.zone = zone
        self.by_id = {str(c.get("id")): c for c in export.components if c.get("id")}

    def stamp(self, where: tuple[object, ...], value: object, *, required: bool = False) -> str | None:
        """ISO 8601 text in the page zone (same instant); None when absent."""
        if value is None or value == "":
            if required:
                self.problems(where, f"missing timestamp `{where[-1]}`")
            return None
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.problems(where, f"{value!r} is not an ISO 8601 timestamp")
            return None
        if moment.tzinfo is None:
            self.problems(where, f"{value!r} has no UTC offset")
            return None
        if not displayable_everywhere(moment):
            self.problems(where, f"{value!r} is too close to the year 1 or 9999 to be shown in every time zone")
            return None
        if self.zone:
            moment = moment.astimezone(ZoneInfo(self.zone))
        text = formatting.iso(moment)  # at most milliseconds, as the source API and HTML's datetime allow
        if text.endswith("+00:00") and (self.zone in UTC_NAMES or (self.zone is None and str(value).strip().endswith(("Z", "z")))):
            text = text[:-6] + "Z"
        return text

    def word(self, where: tuple[object, ...], value: object, allowed: tuple[str, ...], what: str) -> str | None:
        if value in allowed:
            return str(value)
        self.problems(where, f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
        return None

    def text(self, where: tuple[object, ...], value: object, what: str) -> str | None:
        if not isinstance(value, str) or not " ".join(clean_text(value).split()):
            self.problems(where, f"missing {what}")
            return None
        return " ".join(clean_text(value).split())

    def component(self, raw: dict[str, object]) -> dict[str, object]:
        name = " ".join(clean_text(str(raw.get("name") or "")).split())
        group = self.by_id.get(str(raw.get("group_id"))) if raw.get("group_id") else None
        entry: dict[str, object] = {}
        if group and group.get("name"):
            entry["group"] = " ".join(clean_text(str(group["name"])).split())
        entry["name"] = name
        return entry

    def convert(self, where: tuple[object, ...], raw: dict[str, object]) -> ImportedIncident | None:
        if not check_incident_shape(self.problems, where, raw):
            return None
        before = len(self.problems.errors)
        source_id = self.text((*where, "id"), raw.get("id"), "incident `id`")
        title = self.text((*where, "name"), raw.get("name"), "incident `name`")
        status = self.word((*where, "status"), raw.get("status"), get_args(IncidentStatus), "incident status")
        impact_raw = raw.get("impact") or ("maintenance" if raw.get("scheduled_for") else "none")
        impact = self.word((*where, "impact"), impact_raw, get_args(Impact), "impact")
        for raw_component in [c for c in raw.get("components") or [] if isinstance(c, dict)]:
            self.by_id.setdefault(str(raw_component.get("id")), raw_component)

        data: dict[str, object] = {"title": title}
        if self.page.get("name"):
            data["company"] = " ".join(str(self.page["name"]).split())
        data.update({"impact": impact, "status": status})
        if self.zone:
            data["zone"] = self.zone
        if raw.get("shortlink"):
            data["shortlink"] = str(raw["shortlink"]).strip()
        started = self.stamp((*where, "started_at"), raw.get("started_at"))
        started = started or self.stamp((*where, "created_at"), raw.get("created_at"), required=True)
        data["started_at"] = started
        for key in ("resolved_at", "scheduled_for", "scheduled_until"):
            value = self.stamp((*where, key), raw.get(key))
            if value:
                data[key] = value

        components = [self.component(c) for c in raw.get("components") or [] if isinstance(c, dict) and not c.get("group")]
        updates = self.updates(where, raw, components)
        components = [c for c in components if c["name"]]
        if components:
            data["components"] = components
        if updates:
            data["updates"] = updates
        if started and impact != "maintenance":
            posted = [str(u["posted_at"]) for u in updates if u.get("status") != "postmortem" and u.get("posted_at")]
            earliest = min(posted, key=datetime.fromisoformat, default=None)
            if earliest and datetime.fromisoformat(earliest) < datetime.fromisoformat(started):
                self.problems((*where, "started_at"), "an update was posted before `started_at`; the start was moved to that update", "warning")
                data["started_at"] = earliest
        data = {k: v for k, v in data.items() if v is not None}
        if len(self.problems.errors) > before or not source_id or not started:
            return None
        day = datetime.fromisoformat(str(data.get("started_at"))).date().isoformat()
        page_id = raw.get("page_id") or self.page.get("id")
        return ImportedIncident(source_id, str(page_id) if page_id else None, bool(raw.get("backfilled")), day, slugify(title or ""), data)

    def updates(self, where: tuple[object, ...], raw: dict[str, object], components: list[dict[str, object]]) -> list[dict[str, object]]:
        raw_updates = raw.get("incident_updates") or []
        if not isinstance(raw_updates, list):
            self.problems((*where, "incident_updates"), "`incident_updates` must be a list")
            return []
        updates: list[dict[str, object]] = []
        known = {c["name"] for c in components}
        for i, item in enumerate(raw_updates):
            at = (*where, "incident_updates", i)
            if not isinstance(item, dict):
                self.problems(at, "an update must be an object")
                continue
            update: dict[str, object] = {
                "status": self.word((*at, "status"), item.get("status"), get_args(UpdateStatus), "update status"),
                "posted_at": self.stamp((*at, "display_at"), item.get("display_at") or item.get("created_at"), required=True),
            }
            body = html_to_markdown(item.get("body") if isinstance(item.get("body"), str) else None)
            if body or update["status"] != "postmortem":
                update["body"] = body or EMPTY_BODY
            transitions = []
            for j, change in enumerate(item.get("affected_components") or []):
                if not isinstance(change, dict):
                    self.problems((*at, "affected_components", j), "an affected component must be an object")
                    continue
                transitions.append(self.transition((*at, "affected_components", j), change, components, known))
            if transitions:
                update["components"] = transitions
            updates.append(update)
        postmortem = self.postmortem(where, raw)
        posted = next((u for u in updates if u["status"] == "postmortem"), None)
        if postmortem and posted is None:
            updates.insert(0, postmortem)
        elif postmortem and posted is not None:
            posted["body"] = merge_postmortem(str(posted.get("body") or ""), str(postmortem["body"]))
        return updates

    def transition(self, at: tuple[object, ...], change: dict[str, object], components: list[dict[str, object]],
                   known: set[object]) -> dict[str, object]:
        source = self.by_id.get(str(change.get("code"))) or change
        name = self.text((*at, "name"), change.get("name") or source.get("name"), "component `name`")
        if name and name not in known:
            components.append(self.component({**source, "name": name}))
            known.add(name)
        statuses = get_args(ComponentStatus)
        entry: dict[str, object] = {"component": name}
        if change.get("old_status"):
            entry["old_status"] = self.word((*at, "old_status"), change["old_status"], statuses, "component status")
        entry["new_status"] = self.word((*at, "new_status"), change.get("new_status"), statuses, "component status")
        return entry

    def postmortem(self, where: tuple[object, ...], raw: dict[str, object]) -> dict[str, object] | None:
        """The postmortem as a ``postmortem`` update; an unpublished draft stays internal."""
        body = html_to_markdown(raw.get("postmortem_body") if isinstance(raw.get("postmortem_body"), str) else None)
        if not body:
            return None
        published = raw.get("postmortem_published_at")
        key = "postmortem_published_at" if published else "postmortem_body_last_updated_at"
        if not published and not raw.get(key):
            key = "updated_at"
        update: dict[str, object] = {"status": "postmortem", "posted_at": self.stamp((*where, key), raw.get(key), required=True), "body": body}
        if not published:
            update["internal"] = "true"
        return update


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def merge_postmortem(update_body: str, postmortem_body: str) -> str:
    """The body of a posted ``postmortem`` update with the export's ``postmortem_body`` carried in.

    A status page keeps the postmortem text in ``postmortem_body`` and, once it is
    published, usually also posts a ``postmortem`` update whose body is either the
    same text, a short notice ("We have published a postmortem") or nothing.  The
    model shows one postmortem, so the two are merged: the notice first, then the
    postmortem; a body already holding the other is kept once.
    """
    notice = "" if update_body.strip() == EMPTY_BODY else update_body.strip()
    if not notice or _words(notice) in _words(postmortem_body):
        return postmortem_body
    if _words(postmortem_body) in _words(notice):
        return notice
    return f"{notice}\n\n{postmortem_body}"


def convert_export(export: Export, zone: str | None = None) -> list[ImportedIncident]:
    """Every incident of the export that converts cleanly; problems go to ``export.problems``."""
    if export.page is not None:
        check_object(export.problems, ("page",), export.page, PAGE)
    check_list(export.problems, ("components",), export.components, COMPONENT, "a component")
    chosen = zone or (str(export.page["time_zone"]) if export.page and export.page.get("time_zone") else None)
    mapped = None
    if chosen:
        mapped, note = map_zone(chosen)
        if note:
            where = ("page", "time_zone") if not zone else ()
            export.problems(where, note, "warning")
    converter = _Converter(export, mapped)
    converted = [converter.convert(where, raw) for where, raw in export.incidents]
    return [item for item in converted if item is not None]
