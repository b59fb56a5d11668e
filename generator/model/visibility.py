"""The public view of an incident, built from an allowlist of fields.

Public outputs (status-page post, public Markdown, site, feeds, JSON) are
rendered from this view only, so an internal value never reaches a public
template at all: there is nothing to forget to filter there.
"""

from __future__ import annotations

import weakref
from functools import cache
from typing import TypeVar

from generator.model.base import StrictModel
from generator.model.incident import POSTMORTEM_FIELDS, Incident
from generator.model.memo import IdentityMemo
from generator.model.types import PUBLIC

R = TypeVar("R", bound=StrictModel)


def is_public_field(model: type[StrictModel], name: str) -> bool:
    """Whether ``name`` of ``model`` is declared ``PUBLIC`` (everything else stays internal)."""
    return PUBLIC in model.model_fields[name].metadata


@cache
def _public_fields(model: type[StrictModel]) -> tuple[str, ...]:
    """The allowlist of one model class, in field order (asked for ~170 times per incident)."""
    return tuple(name for name in model.model_fields if is_public_field(model, name))


def _public_value(value: object) -> object:
    if isinstance(value, StrictModel):
        return None if getattr(value, "internal", False) else _public_copy(value)
    if isinstance(value, list):
        return [_public_value(item) for item in value if not getattr(item, "internal", False)]
    return value


def _public_copy(model: R) -> R:
    values = {name: _public_value(getattr(model, name)) for name in _public_fields(type(model))}
    return type(model).model_construct(**values)


# Each output of one incident asks for its public view (the post, the ``.md``, the site page):
# incidents are frozen models, so the view of the same object is built once and shared.
VIEW_MEMO_SIZE = 64
_views: IdentityMemo[tuple[Incident | None]] = IdentityMemo(VIEW_MEMO_SIZE)  # (view,): an internal incident's is None
# Every view built here, for as long as it lives: a view is its own public view, so a caller
# holding one can ask again for free and never has to vouch that what it passes is public.
_built_views: weakref.WeakValueDictionary[int, Incident] = weakref.WeakValueDictionary()


def public_view(incident: Incident) -> Incident | None:
    """Return the incident as the public may see it, or None if it is internal.

    Remembered by identity for the last few incidents (the cached entry keeps
    its incident alive, so an id is never reused while it is cached); a view
    this module built is returned as it is.
    """
    if _built_views.get(id(incident)) is incident:
        return incident
    cached = _views.get(incident)
    if cached is not None:
        return cached[0]
    view = _build_public_view(incident)
    if view is not None:
        _built_views[id(view)] = view
    _views.put((view,), incident)
    return view


def _build_public_view(incident: Incident) -> Incident | None:
    if incident.visibility != "public":
        return None
    view = _public_copy(incident)
    hidden_problems = {p.name for p in incident.problems if p.internal}
    if hidden_problems:  # a public timeline entry must not name an internal sub-problem
        view = view.model_copy(update={"timeline": [
            e.model_copy(update={"problem": None}) if e.problem in hidden_problems else e for e in view.timeline]})
    if not incident.postmortem_is_published:  # a draft postmortem is not public yet: the live page leads with its updates
        unpublished: dict[str, object] = {name: [] if isinstance(getattr(view, name), list) else None for name in POSTMORTEM_FIELDS}
        unpublished["updates"] = [u for u in view.updates if u.status != "postmortem"]
        view = view.model_copy(update=unpublished)
    hidden = {c.name for c in incident.components if c.internal}
    if not hidden:
        return view
    windows = [w.model_copy(update={"components": [n for n in w.components if n not in hidden]})
               for w in view.impact_windows]
    updates = [u.model_copy(update={"components": [t for t in u.components if t.component not in hidden]})
               for u in view.updates]
    return view.model_copy(update={"impact_windows": windows, "updates": updates})
