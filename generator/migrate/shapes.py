"""The JSON shapes a status-page export must have, checked before anything is converted.

A value of the wrong JSON type (``"components": 5``, a list as a name) is a clear
error at its position, never a ``TypeError`` in the converter; ids, which the import
writes into comment lines of the incident file, must be one word of printable text.
Keys not listed here are ignored, as the converter ignores them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from generator.migrate.statuspage_source import Problems

TEXT, NUMBER, FLAG, LIST, OBJECT = "text", "a number", "true or false", "a list", "an object"
MAX_ID_CHARS = 100
_ONE_WORD = re.compile(r"[^\s#]+")

_STAMPS = ("created_at", "updated_at", "started_at", "resolved_at", "monitoring_at", "scheduled_for", "scheduled_until",
           "postmortem_published_at", "postmortem_body_last_updated_at", "display_at")
INCIDENT: dict[str, tuple[str, ...]] = {
    "id": (TEXT, NUMBER), "page_id": (TEXT, NUMBER), "name": (TEXT,), "status": (TEXT,), "impact": (TEXT,), "shortlink": (TEXT,),
    "components": (LIST,), "incident_updates": (LIST,), "postmortem_body": (TEXT,), "backfilled": (FLAG,),
    **{key: (TEXT,) for key in _STAMPS},
}
UPDATE: dict[str, tuple[str, ...]] = {
    "status": (TEXT,), "body": (TEXT,), "display_at": (TEXT,), "created_at": (TEXT,), "affected_components": (LIST,),
}
COMPONENT: dict[str, tuple[str, ...]] = {"id": (TEXT, NUMBER), "name": (TEXT,), "group_id": (TEXT, NUMBER), "group": (FLAG,)}
TRANSITION: dict[str, tuple[str, ...]] = {"code": (TEXT, NUMBER), "name": (TEXT,), "old_status": (TEXT,), "new_status": (TEXT,)}
PAGE: dict[str, tuple[str, ...]] = {"id": (TEXT, NUMBER), "name": (TEXT,), "time_zone": (TEXT,), "url": (TEXT,)}
ONE_WORD_KEYS = frozenset({"id", "page_id"})  # written into the file's provenance comment


def json_kind(value: object) -> str:
    """The JSON name of a value's type, as error messages say it."""
    if isinstance(value, bool):
        return FLAG
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return TEXT
    if isinstance(value, list):
        return LIST
    return OBJECT if isinstance(value, dict) else "null"


def check_object(problems: Problems, where: tuple[object, ...], data: dict[str, object], spec: dict[str, tuple[str, ...]]) -> bool:
    """Report every key of ``data`` whose JSON type ``spec`` does not allow (null is always allowed); True when all fit."""
    fine = True
    for key, allowed in spec.items():
        value = data.get(key)
        if value is None:
            continue
        kind = json_kind(value)
        if kind not in allowed:
            found = "a boolean" if kind == FLAG else kind
            problems((*where, key), f"`{key}` must be {' or '.join(allowed)}, not {found}")
            fine = False
        elif key in ONE_WORD_KEYS and not _one_word(str(value)):
            problems((*where, key), f"`{key}` must be one word of printable text (at most {MAX_ID_CHARS} characters); it goes into a comment line")
            fine = False
    return fine


def _one_word(text: str) -> bool:
    return len(text) <= MAX_ID_CHARS and _ONE_WORD.fullmatch(text) is not None and text.isprintable()


def check_list(problems: Problems, where: tuple[object, ...], items: object, spec: dict[str, tuple[str, ...]], what: str,
               check: Callable[[tuple[object, ...], dict[str, object]], bool] | None = None) -> bool:
    """Every entry of a list is an object of the given shape."""
    if not isinstance(items, list):
        return True  # the owner's check already reported it
    fine = True
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems((*where, i), f"{what} must be an object, not {json_kind(item)}")
            fine = False
            continue
        fine = check_object(problems, (*where, i), item, spec) and fine
        if check is not None:
            fine = check((*where, i), item) and fine
    return fine


def check_incident_shape(problems: Problems, where: tuple[object, ...], raw: dict[str, object]) -> bool:
    """The incident, its components, updates and their component transitions all have the expected JSON types."""
    fine = check_object(problems, where, raw, INCIDENT)
    fine = check_list(problems, (*where, "components"), raw.get("components"), COMPONENT, "a component") and fine

    def update(at: tuple[object, ...], item: dict[str, object]) -> bool:
        return check_list(problems, (*at, "affected_components"), item.get("affected_components"), TRANSITION, "an affected component")

    return check_list(problems, (*where, "incident_updates"), raw.get("incident_updates"), UPDATE, "an update", update) and fine
