"""A strict YAML reader that keeps every scalar as text and remembers where it was.

Why not ``yaml.safe_load``: YAML 1.1 implicit typing silently changes meaning
(``no`` becomes False, ``12:30`` becomes 750, ``012`` becomes 10), aliases let
internal text be copied into public fields by reference and enable "billion
laughs" blow-ups, and duplicate keys silently overwrite each other.  So this
reader walks libyaml's *event* stream (C parser when available) and builds
plain ``dict``/``list``/``str``/``None`` values itself; every field's type comes
from the schema later, and every value keeps its line and column.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.errors import Diagnostic, InputError
from generator.load.syntax_hints import explain

try:  # libyaml's parser is several times faster; fall back to pure Python.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

from generator.load.files import MAX_FILE_BYTES

MAX_DEPTH = 32
_NULLS = {"", "~", "null", "Null", "NULL"}
# C0 controls other than tab/newline, DEL, C1 controls, and bidi overrides/isolates.
_BIDI = {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}
# Unicode category Cc is exactly U+0000-001F and U+007F-009F; tab, newline and CR are allowed.
# Also refused: lone surrogates and the 66 non-characters (U+FDD0-FDEF and U+xFFFE/U+xFFFF in every
# plane), which XML (feeds, sitemap, PDF metadata) cannot carry and no real text contains.
_NONCHARACTERS = "\ud800-\udfff\ufdd0-\ufdef" + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069" + _NONCHARACTERS + "]")
# The same set within ASCII: scanning with it is ten times faster (the full set's ranges run through
# every plane), and it is the whole check for an ASCII file.
_FORBIDDEN_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

PathKey = tuple[object, ...]


@dataclass
class Positions:
    """Source positions (1-based line, column) of values and mapping keys, by data path."""

    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def of_value(self, path: PathKey) -> tuple[int, int]:
        """Position of the value at ``path``, or of its nearest existing ancestor."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.values:
                return self.values[path[:cut]]
        return (1, 1)

    def of_key(self, path: PathKey) -> tuple[int, int]:
        """Where the key of the value at ``path`` is written (1:1 when unknown)."""
        return self.keys.get(path) or self.of_value(path)


@dataclass
class Document:
    """One YAML file's data and the positions of everything in it."""

    path: str
    data: object
    positions: Positions


def _problem(path: str, mark: object, message: str) -> Diagnostic:
    line = getattr(mark, "line", 0) + 1
    column = getattr(mark, "column", 0) + 1
    return Diagnostic(path, line, column, message)


def _forbidden(char: str) -> str:
    """Why ``char`` (a match of ``_FORBIDDEN``) may not appear in incident text."""
    if char in _BIDI:
        return f"bidirectional control character U+{ord(char):04X} is not allowed"
    if 0xD800 <= ord(char) <= 0xDFFF:
        return f"lone surrogate U+{ord(char):04X} is not allowed (it is half of a character)"
    if ord(char) > 0x9F:
        return f"non-character U+{ord(char):04X} is not allowed"
    return f"control character U+{ord(char):04X} is not allowed"


def _check_text(path: str, text: str, diagnostics: list[Diagnostic]) -> None:
    """Reject control and bidi-override characters: they break feeds and can spoof readers."""
    for match in (_FORBIDDEN_ASCII if text.isascii() else _FORBIDDEN).finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line = text.count("\n", 0, match.start()) + 1
        diagnostics.append(Diagnostic(path, line, match.start() - line_start + 1, _forbidden(match.group())))


def read_yaml(path: Path | str, display_path: str | None = None, *, known_keys: Collection[str] = ()) -> Document:
    """Read and parse one YAML file; raise ``InputError`` listing every problem found."""
    shown = display_path or str(path)
    from generator.load.files import UnreadableFileError, read_capped

    try:
        raw = read_capped(path, MAX_FILE_BYTES)
    except UnreadableFileError as exc:
        raise InputError([Diagnostic(shown, 1, 1, str(exc))]) from None
    except OSError as exc:
        raise InputError([Diagnostic(shown, 1, 1, f"cannot read file: {exc.strerror or exc}")]) from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 byte-order mark is harmless: accept it
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8")) + 1  # characters, as editors count
        raise InputError([Diagnostic(shown, line, column, f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")]) from None
    return read_yaml_text(text, shown, known_keys=known_keys)


def read_yaml_text(text: str, path: str, *, known_keys: Collection[str] = ()) -> Document:
    """Parse YAML text into plain data; every scalar stays a string (or None when empty).

    ``known_keys`` are the keys a syntax error's hint may name (the model's fields).
    """
    text = text.replace("\r\n", "\n")
    if not text.strip():
        raise InputError([Diagnostic(path, 1, 1, "file is empty; expected a mapping of keys to values")])
    diagnostics: list[Diagnostic] = []
    _check_text(path, text, diagnostics)
    if diagnostics:
        raise InputError(diagnostics)
    builder = _Builder(path)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        explained = explain(text, exc, known_keys)
        if explained is not None:
            builder.diagnostics.append(Diagnostic(path, explained[0], explained[1], f"YAML syntax: {explained[2]}"))
        else:
            mark = exc.problem_mark or exc.context_mark
            message = exc.problem or str(exc)
            if exc.context and exc.context not in message:
                message = f"{message} ({exc.context})"
            builder.diagnostics.append(_problem(path, mark, f"YAML syntax: {message}"))
    except yaml.YAMLError as exc:
        builder.diagnostics.append(Diagnostic(path, 1, 1, f"YAML syntax: {exc}"))
    except _Abort:
        pass
    if builder.diagnostics:
        raise InputError(builder.diagnostics)
    return Document(path, builder.root, builder.positions)


class _Abort(Exception):
    """Stop reading: the document cannot be built further."""


@dataclass
class _Frame:
    container: dict[str, object] | list[object]
    path: PathKey
    pending_key: str | None = None
    key_mark: object = None
    key_lines: dict[str, int] = field(default_factory=dict)


class _Builder:
    """Build plain data from parser events with an explicit stack (no recursion)."""

    def __init__(self, path: str):
        self.path = path
        self.root: object = None
        self.positions = Positions()
        self.diagnostics: list[Diagnostic] = []
        self.stack: list[_Frame] = []
        self.documents = 0

    def fail(self, mark: object, message: str, *, fatal: bool = False) -> None:
        self.diagnostics.append(_problem(self.path, mark, message))
        if fatal:
            raise _Abort

    def feed(self, event: yaml.Event) -> None:
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.fail(event.start_mark, "only one YAML document per file is allowed", fatal=True)
        elif isinstance(event, yaml.AliasEvent):
            self.fail(event.start_mark, "YAML aliases (*name) are not allowed; write the value out", fatal=True)
        elif isinstance(event, (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._node_start(event)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = self.stack.pop()
            if isinstance(frame.container, dict) and frame.pending_key is not None:
                self.fail(event.start_mark, "mapping key has no value")

    def _node_start(self, event: yaml.NodeEvent) -> None:
        if event.anchor is not None:
            self.fail(event.start_mark, f"YAML anchors (&{event.anchor}) are not allowed")
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            self.fail(event.start_mark, f"YAML tags such as {tag!r} are not allowed; types come from the schema", fatal=True)
        if isinstance(event, yaml.ScalarEvent):
            value: object = event.value
            # Escapes in quoted scalars ("\x07", "\u202e") bypass the raw-text check.
            found = (_FORBIDDEN_ASCII if event.value.isascii() else _FORBIDDEN).search(event.value)
            if found:
                self.fail(event.start_mark, f"{_forbidden(found.group())} (written as an escape in this value)")
            if not event.style and event.value in _NULLS:
                value = None  # plain empty or null means "not given"
            self._place(value, event.start_mark)
            return
        container: dict[str, object] | list[object] = {} if isinstance(event, yaml.MappingStartEvent) else []
        path = self._place(container, event.start_mark)
        if len(self.stack) >= MAX_DEPTH:
            self.fail(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels", fatal=True)
        self.stack.append(_Frame(container, path))

    def _place(self, value: object, mark: object) -> PathKey:
        """Attach a value to the current container and return its data path."""
        position = (mark.line + 1, mark.column + 1)  # type: ignore[attr-defined]
        if not self.stack:
            self.root = value
            self.positions.values[()] = position
            return ()
        frame = self.stack[-1]
        if isinstance(frame.container, list):
            path = (*frame.path, len(frame.container))
            frame.container.append(value)
            self.positions.values[path] = position
            return path
        if frame.pending_key is None:
            if value is None:
                self.fail(mark, "mapping key is empty; write a key name before the colon", fatal=True)
            if not isinstance(value, str):
                self.fail(mark, "mapping keys must be plain text, not a list or mapping", fatal=True)
            key = str(value)
            if key in frame.key_lines:
                self.fail(mark, f"duplicate key {key!r} (first defined on line {frame.key_lines[key]})")
            frame.key_lines.setdefault(key, position[0])
            frame.pending_key, frame.key_mark = key, position
            return frame.path
        key = frame.pending_key
        path = (*frame.path, key)
        if key not in frame.container:
            frame.container[key] = value
            self.positions.values[path] = position
            self.positions.keys[path] = frame.key_mark  # type: ignore[assignment]
        frame.pending_key = None
        return path
