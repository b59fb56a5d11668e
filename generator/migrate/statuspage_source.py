"""Read a status-page export (JSON) and tell its shape; problems point at the JSON.

Three shapes are accepted: the public v2 ``incidents.json`` (also
``scheduled-maintenances.json`` and ``summary.json``), a bare list of incidents
as the management API returns it, and a single incident object.  JSON itself is
parsed by ``json``; positions of values are looked up only when a problem must
be reported (JSON is YAML, so the strict YAML reader finds them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Diagnostic, InputError, Severity
from generator.load import Positions
from generator.load.yaml_reader import read_yaml_text

MAX_EXPORT_BYTES = 64_000_000


@dataclass
class Problems:
    """Diagnostics about one export file, positioned at the offending JSON value."""

    path: str
    text: str
    found: list[Diagnostic] = field(default_factory=list)
    _positions: Positions | None = None

    def position(self, where: tuple[object, ...]) -> tuple[int, int]:
        """The line and column of a JSON path in the export."""
        if self._positions is None:
            try:
                self._positions = read_yaml_text(self.text, self.path).positions
            except InputError:
                self._positions = Positions()
        return self._positions.of_value(where)

    def __call__(self, where: tuple[object, ...], message: str, severity: Severity = "error") -> None:
        line, column = self.position(where)
        self.found.append(Diagnostic(self.path, line, column, message, severity))

    @property
    def errors(self) -> list[Diagnostic]:
        """True when any problem is an error."""
        return [d for d in self.found if d.severity == "error"]


@dataclass
class Export:
    """The incidents of one export, each with its data path, plus page and component data."""

    page: dict[str, object] | None
    incidents: list[tuple[tuple[object, ...], dict[str, object]]]
    components: list[dict[str, object]]
    problems: Problems


def _decode(path: Path, shown: str) -> str:
    from generator.load.files import UnreadableFileError, read_capped

    try:
        raw = read_capped(path, MAX_EXPORT_BYTES)
    except UnreadableFileError as exc:
        raise InputError([Diagnostic(shown, 1, 1, str(exc))]) from None
    except OSError as exc:
        raise InputError([Diagnostic(shown, 1, 1, f"cannot read file: {exc.strerror or exc}")]) from None
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line, column = before.count(b"\n") + 1, len(before) - (before.rfind(b"\n") + 1) + 1
        raise InputError([Diagnostic(shown, line, column, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})")]) from None


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def _duplicate_keys(shown: str, text: str, key: str) -> list[Diagnostic]:
    """Where an object repeats a key (``json`` keeps the last value silently; incident files refuse it, and so does this)."""
    try:
        read_yaml_text(text, shown)  # JSON is YAML: the strict reader names every repeated key at its place
    except InputError as exc:
        found = [d for d in exc.diagnostics if "duplicate key" in d.message]
        if found:
            return found
    return [Diagnostic(shown, 1, 1, f"invalid JSON: an object repeats the key {key[:80]!r}")]


def read_export(path: Path, shown: str | None = None) -> Export:
    """Parse the export and find its incidents; raise ``InputError`` for bad JSON or an unknown shape."""
    shown = shown or str(path)
    text = _decode(path, shown)
    repeated: list[str] = []

    def _object(pairs: list[tuple[str, object]]) -> dict[str, object]:
        made = dict(pairs)
        if len(made) != len(pairs):
            seen: set[str] = set()
            repeated.append(next(k for k, _ in pairs if k in seen or seen.add(k)))  # type: ignore[func-returns-value]
        return made

    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise InputError([Diagnostic(shown, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")]) from None
    except (ValueError, RecursionError) as exc:
        raise InputError([Diagnostic(shown, 1, 1, f"invalid JSON: {exc}")]) from None
    if repeated:
        raise InputError(_duplicate_keys(shown, text, repeated[0]))
    problems = Problems(shown, text)
    page: dict[str, object] | None = None
    components: list[dict[str, object]] = []
    found: list[tuple[tuple[object, ...], object]] = []
    if isinstance(data, dict) and any(k in data for k in ("incidents", "scheduled_maintenances")):
        page = data.get("page") if isinstance(data.get("page"), dict) else None  # type: ignore[assignment]
        if "page" in data and page is None:
            problems(("page",), "`page` must be an object")
        for key in ("incidents", "scheduled_maintenances"):
            items = data.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                problems((key,), f"`{key}` must be a list")
                continue
            found.extend(((key, i), item) for i, item in enumerate(items))
        raw_components = data.get("components")
        if isinstance(raw_components, list):
            components = [c for c in raw_components if isinstance(c, dict)]
            for i, item in enumerate(raw_components):
                if not isinstance(item, dict):
                    problems(("components", i), "a component must be an object")
        elif raw_components is not None:
            problems(("components",), "`components` must be a list")
    elif isinstance(data, list):
        found = [((i,), item) for i, item in enumerate(data)]
    elif isinstance(data, dict) and ("incident_updates" in data or {"id", "name", "status"} <= data.keys()):
        found = [((), data)]
    else:
        problems((), "not a status-page export: expected an object with `incidents` (public API v2), "
                     "a list of incidents (management API) or one incident object")
        raise InputError(problems.found)
    incidents: list[tuple[tuple[object, ...], dict[str, object]]] = []
    for where, item in found:
        if isinstance(item, dict):
            incidents.append((where, item))
        else:
            problems(where, "an incident must be an object")
    return Export(page, incidents, components, problems)
