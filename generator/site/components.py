"""The site's components: every component of a public incident, with a unique slug for its page.

A component is told apart by ``(group, name)``.  Its slug comes from its own
name, so it does not move when other components come and go; only when two
names give the same slug does each get its stable code appended.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from generator.model.ids import slugify
from generator.site.addresses import component_code
from generator.site.record import SiteRecord


@dataclass
class SiteComponent:
    """A component affected by at least one public incident; identified by (group, name)."""

    group: str | None
    name: str
    slug: str = ""
    incidents: list[SiteRecord] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        """``Group (Name)``, or the name alone."""
        return f"{self.group} ({self.name})" if self.group else self.name

    @property
    def code(self) -> str:
        """The component's stable status-page id."""
        return component_code(self.group, self.name)


def _component_slug(component: SiteComponent) -> str:
    return slugify(component.display_name, 80, fallback="") or f"component-{component.code}"


def natural_components(keys: Iterable[tuple[str | None, str]]) -> list[SiteComponent]:
    """Components (by ``(group, name)``) with the slugs their own names give (what they get unless two names collide)."""
    components = []
    for group, name in keys:
        entry = SiteComponent(group, name)
        entry.slug = _component_slug(entry)
        components.append(entry)
    return components


def site_components(records: list[SiteRecord]) -> list[SiteComponent]:
    """Every component of a public incident, sorted by display name, with a unique slug.

    A slug depends only on the component's own name; when two names give the
    same slug, each of them gets its stable code appended instead.
    """
    found: dict[tuple[str | None, str], SiteComponent] = {}
    for record in records:
        for group, name in record.components:
            entry = found.setdefault((group, name), SiteComponent(group, name))
            if not entry.incidents or entry.incidents[-1] is not record:
                entry.incidents.append(record)
    components = sorted(found.values(), key=lambda c: (c.display_name, c.group or ""))
    by_slug: dict[str, list[SiteComponent]] = {}
    for component in components:
        by_slug.setdefault(_component_slug(component), []).append(component)
    for slug, sharing in by_slug.items():
        for component in sharing:
            component.slug = slug if len(sharing) == 1 else f"{slug[:67]}-{component.code}"
    return components


def incident_components(record: SiteRecord, components: list[SiteComponent]) -> list[SiteComponent]:
    """The record's components with their site-wide slugs (``site_components``)."""
    by_key = {(c.group, c.name): c for c in components}
    return [by_key[key] for key in record.components]
