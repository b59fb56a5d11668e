"""Validate loaded YAML into ``Incident`` models, reporting every problem with its position."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from generator.errors import Diagnostic
from generator.load import Document

M = TypeVar("M", bound=BaseModel)


def data_path(data: object, loc: tuple[object, ...]) -> tuple[object, ...]:
    """Drop pydantic's union/validator tags from ``loc``, keeping real keys and indexes."""
    path: list[object] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not part.startswith(("function-", "union")):
            path.append(part)  # a missing or unknown key
            node = None
    return tuple(path)


def _allowed_keys(model: type[BaseModel], loc: tuple[object, ...]) -> list[str]:
    """The keys accepted by the sub-model that ``loc`` points into (for did-you-mean hints)."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None or not isinstance(part, str) or part not in current.model_fields:
            continue
        annotation = current.model_fields[part].annotation
        current = find_model(annotation)
    return list(current.model_fields) if current else []


def find_model(annotation: object) -> type[BaseModel] | None:
    """The model class inside an annotation (``list[Problem]``, ``Problem | None``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = find_model(arg)
        if found:
            return found
    return None


def dotted(path: tuple[object, ...]) -> str:
    """A data path as users write it: ``updates[0].posted_at``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


MAX_HINTS = 50  # "did you mean" for this many unknown keys of a file: each costs ~0.4 ms, and 100,000 fit in 1 MB


def _message(model: type[BaseModel], error: dict[str, object], path: tuple[object, ...], *, hint: bool = True) -> str:
    kind = error["type"]
    field = dotted(path) or "file"
    name = str(path[-1]) if path else "file"
    if kind == "missing":
        parent = dotted(path[:-1])
        return f"missing required key `{name}`" + (f" in `{parent}`" if parent else "")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, tuple(error["loc"])[:-1])  # type: ignore[arg-type]
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6) if hint else []
        hint = f"; did you mean `{close[0]}`?" if close else ""
        return f"unknown key `{field}`{hint}"
    if error.get("input") is None and kind not in {"value_error", "assertion_error"}:
        return f"{field}: is empty; give a value"
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", ""))  # type: ignore[union-attr]
        return f"{field}: {error['input']!r} is not allowed; expected {expected.replace(chr(39), '')}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"{field}: expected a mapping of keys to values"
    if kind == "list_type":
        return f"{field}: expected a list"
    if kind == "string_type":
        return f"{field}: expected text"
    if kind in {"string_too_long", "too_long"} and isinstance(error.get("input"), str):
        limit = error.get("ctx", {}).get("max_length")  # type: ignore[union-attr]
        return f"{field}: text is too long ({len(str(error['input'])):,} characters; the limit is {limit:,})"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}"


def validation_context(data: dict[str, object]) -> dict[str, object]:
    """What validators may read beyond their own value: the document's display zone (for offset hints)."""
    zone = data.get("zone")
    return {"zone": zone if isinstance(zone, str) else None}


def validate_document(document: Document, model: type[M]) -> tuple[M | None, list[Diagnostic]]:
    """Validate one document against ``model``; return the instance or every problem."""
    data = document.data
    if data is None:
        return None, [Diagnostic(document.path, 1, 1, "file has no data (only comments or blank lines); expected a mapping of keys to values")]
    if not isinstance(data, dict):
        line, column = document.positions.of_value(())
        return None, [Diagnostic(document.path, line, column, "expected a mapping of keys to values at the top level")]
    try:
        return model.model_validate(data, context=validation_context(data)), []
    except ValidationError as exc:
        diagnostics = []
        unknown = 0
        for error in exc.errors():
            loc = tuple(error["loc"])
            path = data_path(data, loc)
            if error["type"] == "extra_forbidden":
                unknown += 1
                line, column = document.positions.of_key(path)
            elif error["type"] == "missing":
                line, column = document.positions.of_value(path[:-1])
            else:
                line, column = document.positions.of_value(path)
            message = _message(model, error, path, hint=unknown <= MAX_HINTS)  # type: ignore[arg-type]
            if path == ("id",) and ("id",) not in document.positions.keys:
                message = (f"the file name gives the id {data.get('id')!r}, which is not a valid id; "
                           "rename the file or set `id:` (lowercase letters, digits and hyphens)")
            diagnostics.append(Diagnostic(document.path, line, column, message))
        return None, sorted(set(diagnostics))


def default_id(path: str) -> str:
    """An incident's id defaults to its file name without extension."""
    return Path(path).stem
