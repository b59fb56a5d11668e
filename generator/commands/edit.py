"""Edit an incident file in place, keeping its comments, key order, quoting and layout.

ruamel.yaml's round-trip mode does the work; before editing we check that an
untouched load-and-dump reproduces the file byte for byte with the chosen
indentation, so the only lines that change are the ones we add or set.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from generator.clock import iso
from generator.model.incident import INCIDENT_STATUSES

# (mapping, sequence, dash offset) layouts tried in turn; the first that round-trips wins.
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0))


class EditError(ValueError):
    """The file cannot be edited safely (not a mapping, `updates` not a list, unparsable)."""


@dataclass(frozen=True)
class EditResult:
    """The edited text, and what the edit changed besides adding the update."""
    text: str
    layout_kept: bool
    old_status: str | None
    moments_set: tuple[str, ...] = ()  # e.g. ("resolved_at",) when the update recorded the resolution moment


def _yaml(layout: tuple[int, int, int]) -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=layout[0], sequence=layout[1], offset=layout[2])
    return yaml


def _dump(yaml: YAML, data: object) -> str:
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def _load(text: str) -> tuple[YAML, CommentedMap, bool]:
    """Load with the first layout that reproduces ``text`` exactly."""
    for layout in _LAYOUTS:
        yaml = _yaml(layout)
        try:
            data = yaml.load(text)
        except YAMLError as exc:
            raise EditError(f"cannot parse the file: {exc}") from None
        if not isinstance(data, CommentedMap):
            raise EditError("the file is not a mapping of keys to values")
        if _dump(yaml, data) == text:
            return yaml, data, True
    yaml = _yaml(_LAYOUTS[0])
    return yaml, yaml.load(text), False


def _moment(value: object) -> datetime | None:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _insert_at(updates: CommentedSeq, posted_at: datetime) -> int:
    """Keep the list's order: newest first (the status-page and seed order) unless it is oldest first."""
    stamped = [(i, _moment(entry.get("posted_at"))) for i, entry in enumerate(updates)
               if isinstance(entry, dict) and entry.get("status") != "postmortem"]
    moments = [m for _, m in stamped if m is not None]
    oldest_first = len(moments) >= 2 and moments == sorted(moments) and moments[0] != moments[-1]
    if oldest_first:
        later = [i for i, m in stamped if m is not None and m > posted_at]
        return later[0] if later else len(updates)
    for i, moment in stamped:
        if moment is not None and moment <= posted_at:
            return i
    leading = 1 if updates and isinstance(updates[0], dict) and updates[0].get("status") == "postmortem" else 0
    return leading if not stamped else len(updates)


# What an update of this status also records, when the file does not say it yet.
MOMENTS_SET_BY = {"resolved": "resolved_at", "completed": "resolved_at", "monitoring": "mitigated_at"}
_MOMENT_ORDER = ("started_at", "detected_at", "mitigated_at", "resolved_at")


@dataclass(frozen=True)
class Transition:
    """``--component NAME=STATUS``: the component's new status, announced with the update."""

    component: str
    new_status: str


def previous_status(updates: object, component: str, before: datetime) -> str:
    """The status the component was last given before ``before`` (``operational`` when never)."""
    latest: tuple[datetime, str] | None = None
    for entry in updates if isinstance(updates, list) else []:
        moment = _moment(entry.get("posted_at")) if isinstance(entry, dict) else None
        if moment is None or moment > before:
            continue
        for change in entry.get("components") or []:
            if isinstance(change, dict) and change.get("component") == component and change.get("new_status"):
                if latest is None or moment >= latest[0]:
                    latest = (moment, str(change["new_status"]))
    return latest[1] if latest else "operational"


def _set_moment(yaml: YAML, data: CommentedMap, key: str, moment: datetime) -> bool:
    """Set ``key`` to ``moment`` unless the file already gives it; keep the key's comment and place."""
    if data.get(key) not in (None, ""):
        return False
    value = yaml.load(f"v: {iso(moment)}\n")["v"]  # a real timestamp, written unquoted
    if key in data:
        data[key] = value
        return True
    earlier = [i for i, name in enumerate(data) if name in _MOMENT_ORDER[: _MOMENT_ORDER.index(key)]]
    data.insert(earlier[-1] + 1 if earlier else len(data), key, value)
    return True


def add_update(text: str, status: str, posted_at: datetime, body: str, transitions: tuple[Transition, ...] = ()) -> EditResult:
    """``text`` with one more posted update; the incident's own status follows the update's.

    A ``resolved`` (or maintenance ``completed``) update also sets ``resolved_at``, and a
    ``monitoring`` update ``mitigated_at``, when the file leaves them empty.
    """
    yaml, data, layout_kept = _load(text)
    entry = yaml.load(f"status: {status}\nposted_at: {iso(posted_at)}\n")  # a real timestamp, written unquoted
    entry["body"] = LiteralScalarString(body.strip("\n") + "\n")
    if transitions:
        changes = CommentedSeq()
        for transition in transitions:
            change = CommentedMap()
            change["component"] = transition.component
            change["old_status"] = previous_status(data.get("updates"), transition.component, posted_at)
            change["new_status"] = transition.new_status
            changes.append(change)
        changes.fa.set_block_style()
        entry["components"] = changes
    updates = data.get("updates")
    if updates is None or (isinstance(updates, list) and not updates):
        updates = CommentedSeq()
        data["updates"] = updates
    if not isinstance(updates, CommentedSeq):
        raise EditError("`updates` is not a list")
    updates.fa.set_block_style()
    updates.insert(_insert_at(updates, posted_at), entry)
    old_status = data.get("status")
    if status in INCIDENT_STATUSES and "status" in data:
        data["status"] = status
    moments_set: list[str] = []
    moment_key = MOMENTS_SET_BY.get(status)
    if moment_key and _set_moment(yaml, data, moment_key, posted_at):
        moments_set.append(moment_key)
    return EditResult(_dump(yaml, data), layout_kept, str(old_status) if old_status is not None else None, tuple(moments_set))
