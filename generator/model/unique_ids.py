"""Ids are unique across files: the check every command runs once each file is valid.

A module of its own because a no-op build runs it over its cached summaries, without the load
pipeline (``catalog``), which imports the incident models and the Markdown parser.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generator.errors import Diagnostic, InputError
from generator.load import read_yaml


def _id_position(path: Path) -> tuple[int, int]:
    """Where the ``id:`` value is written (only read again on this rare error path); 1:1 if it comes from the file name."""
    try:
        return read_yaml(path, str(path)).positions.values.get(("id",), (1, 1))
    except InputError:
        return (1, 1)


def id_collisions(ids: Iterable[tuple[str, Path]]) -> list[Diagnostic]:
    """An error for every id already used by an earlier file (ids compare case-insensitively)."""
    owners: dict[str, Path] = {}
    found: list[Diagnostic] = []
    for slug, source in ids:
        key = slug.casefold()
        if key in owners:
            line, column = _id_position(source)
            found.append(Diagnostic(str(source), line, column, f"id {slug!r} is also used by {owners[key]}; ids must be unique"))
        else:
            owners[key] = source
    return found
