"""Model stage: validated, typed incidents and the public view of them."""

from __future__ import annotations

from generator.model.incident import (
    ActionItem,
    Component,
    ComponentTransition,
    ImpactWindow,
    Incident,
    Problem,
    TimelineEntry,
    Update,
)

__all__ = [
    "ActionItem",
    "Component",
    "ComponentTransition",
    "ImpactWindow",
    "Incident",
    "Problem",
    "TimelineEntry",
    "Update",
]
