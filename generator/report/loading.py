"""Load the catalog for the report: every file validated as ``validate`` and ``build`` do, kept as the view it may print.

Each file goes through ``load_incident`` (the one load pipeline: YAML with positions, the model,
every check), so the report refuses exactly what ``validate`` refuses, with the same
``path:line:col`` diagnostics. Past ``POOL_FROM`` files the work runs on a fork pool, and each
worker also makes the public view of what it loaded (the public variant): views are what the
report reads, they are smaller to send back than whole incidents, and making them one by one in
the parent cost a second of serial time for 1,000 incidents. The postmortem's prose, which the
report never prints, is left out of what is sent back.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import Diagnostic, InputError
from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.incident import POSTMORTEM_FIELDS, Incident
from generator.model.unique_ids import id_collisions
from generator.model.visibility import public_view

# The postmortem's prose and structure, which no figure, chart or list of the report reads (it uses the
# incident's times, impact, components, windows, posts, action items and tags): left out of what a
# worker sends back, since unpickling the sub-problems alone was 90 % of the cost of receiving an incident.
UNREAD_FIELDS = tuple(name for name in (*POSTMORTEM_FIELDS, "internal_notes") if name != "action_items")
POOL_FROM = 64  # incident files from which loading them on a fork pool pays for the forks
MAX_PROCESSES = 4


@dataclass
class LoadedView:
    """One file read and validated: its id when valid, and the view this variant may print."""

    source: str
    slug: str | None = None  # set when the incident is valid (ids must be unique across every file)
    view: Incident | None = None  # the public view (None for an internal incident), or the whole incident
    diagnostics: list[Diagnostic] = field(default_factory=list)


def without_prose(incident: Incident) -> Incident:
    """``incident`` without the fields the report never reads (``UNREAD_FIELDS``), each at its default."""
    fields = type(incident).model_fields
    # Not ``FieldInfo.get_default``: it deep-copies the default, and cost more than loading the file.
    return incident.model_copy(update={name: fields[name].default_factory() if fields[name].default_factory else fields[name].default
                                       for name in UNREAD_FIELDS})


def load_views(sources: list[str], config: SiteConfig, internal: bool) -> list[LoadedView]:
    """Load each of ``sources`` and keep the view the variant may see; never raises for bad input."""
    found = []
    for source in sources:
        incident, diagnostics = load_incident(Path(source), config)
        loaded = LoadedView(source, diagnostics=diagnostics)
        if incident is not None and not any(d.severity == "error" for d in diagnostics):
            loaded.slug = incident.slug
            slim = without_prose(incident)  # first: the public view then has no sub-problems to copy field by field
            loaded.view = slim if internal else public_view(slim)
        found.append(loaded)
    return found


def load_catalog(sources: list[Path], config: SiteConfig, *, strict: bool, internal: bool,
                 pool: Callable[[int], Any] | None = None, while_loading: Callable[[], object] | None = None,
                 refused: Sequence[Diagnostic] = ()) -> tuple[list[Incident], list[Diagnostic]]:
    """The views of every valid incident, ordered by id, and the warnings; raise ``InputError`` with every
    problem of every file if any is fatal (or any at all with ``strict``).

    ``pool(processes)`` makes the fork pool (``None``: load here); ``while_loading`` runs in this
    process while the workers load (the report imports its renderer then); ``refused``: files refused
    unread (``generator.load.sources``), reported with the others' problems.
    """
    processes = min(os.cpu_count() or 1, MAX_PROCESSES)
    names = [str(s) for s in sources]
    if pool is None or len(sources) < POOL_FROM or processes < 2:
        if while_loading is not None:
            while_loading()
        results = load_views(names, config, internal)
    else:
        executor = pool(processes)
        try:
            size = math.ceil(len(names) / (processes * 4))
            futures = [executor.submit(load_views, names[i:i + size], config, internal) for i in range(0, len(names), size)]
            if while_loading is not None:
                while_loading()
            results = [loaded for future in futures for loaded in future.result()]
        finally:
            executor.shutdown(wait=True)
    diagnostics = [*refused, *(d for loaded in results for d in loaded.diagnostics)]
    diagnostics.extend(id_collisions((loaded.slug, Path(loaded.source)) for loaded in results if loaded.slug is not None))
    if any(d.severity == "error" or strict for d in diagnostics):
        raise InputError(sorted(set(diagnostics)))
    views = [loaded.view for loaded in results if loaded.view is not None]
    return sorted(views, key=lambda view: view.slug), diagnostics
