"""Reference-style links that point at a definition the field does not hold.

Each Markdown field is rendered on its own, so ``[the dashboard][dash]`` in ``root_cause``
cannot use ``[dash]: https://…`` written in ``summary``: the outputs show its text without a
link.  ``validate`` says so, at the line and column of the reference in the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel

from generator.model.markdown_syntax import defined_references, reference_uses
from generator.model.validate import dotted


def _is_markdown(annotation: Any, metadata: list[Any]) -> bool:
    from generator.model.types import check_markdown

    def marked(items: list[Any]) -> bool:
        return any(getattr(item, "func", None) is check_markdown for item in items)

    if marked(metadata):
        return True
    stack = [annotation]
    while stack:
        current = stack.pop()
        if get_origin(current) is Annotated:
            if marked(list(current.__metadata__)):
                return True
            stack.append(get_args(current)[0])
        elif get_origin(current) is not list:  # a list of Markdown is not one field
            stack.extend(get_args(current))
    return False


@cache
def _field_kinds(model_type: type[BaseModel]) -> tuple[tuple[str, bool, bool], ...]:
    """(name, is Markdown, is a list of Markdown) of each field of a model class: the annotations of a
    class never change, and reading them for every field of every incident cost a third of the check."""
    kinds = []
    for name, field in model_type.model_fields.items():
        candidates = (field.annotation, *get_args(field.annotation))
        kinds.append((name, _is_markdown(field.annotation, list(field.metadata)),
                      any(get_origin(a) is list and _is_markdown(get_args(a)[0], []) for a in candidates)))
    return tuple(kinds)


def markdown_fields(model: BaseModel, path: tuple[object, ...] = ()) -> Iterator[tuple[tuple[object, ...], str]]:
    """(data path, text) of every Markdown field of a model, nested models and list entries included."""
    for name, is_markdown, entries_are_markdown in _field_kinds(type(model)):
        value = getattr(model, name, None)
        if isinstance(value, str) and is_markdown:
            yield (*path, name), value
        elif isinstance(value, BaseModel):
            yield from markdown_fields(value, (*path, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from markdown_fields(item, (*path, name, index))
                elif isinstance(item, str) and entries_are_markdown:
                    yield (*path, name, index), item


def text_position(file: str, value: tuple[int, int], text: str, offset: int) -> tuple[int, int]:
    """Line and column in the file of ``text[offset]``, for a value that starts at ``value``.

    Block scalars (``|``/``>``) are followed line by line; a flow scalar on one line by
    column.  When the file cannot be read (an import checked in memory), the value's position.
    """
    line_index = text.count("\n", 0, offset)
    column_in_line = offset - (text.rfind("\n", 0, offset) + 1)
    try:
        lines = Path(file).read_text("utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return value
    row, column = value
    if not 0 < row <= len(lines) or not 0 < column <= len(lines[row - 1]):
        return value
    indicator = lines[row - 1][column - 1]
    if indicator in "|>":
        first = next((n for n in range(row, len(lines)) if lines[n].strip()), None)
        if first is None or first + line_index >= len(lines):
            return value
        indent = len(lines[first]) - len(lines[first].lstrip(" "))
        return first + line_index + 1, indent + column_in_line + 1
    if line_index == 0:
        return row, column + column_in_line + (1 if indicator in "'\"" else 0)
    return value


def reference_problems(model: BaseModel) -> Iterator[tuple[tuple[object, ...], int, str]]:
    """(field path, offset in its text, message) for each reference the field cannot resolve."""
    fields = list(markdown_fields(model))
    definitions = {path: defined_references(text) for path, text in fields}
    for path, text in fields:
        for offset, written, label, explicit in reference_uses(text):
            if label in definitions[path]:
                continue
            elsewhere = [other for other, labels in definitions.items() if other != path and label in labels]
            if elsewhere:
                yield path, offset, (
                    f"link reference [{written}] is defined in `{dotted(elsewhere[0])}`, not in this field; each field is "
                    f"rendered on its own, so it shows as plain text here: repeat the definition in `{dotted(path)}` "
                    "or write the link inline as [text](https://…)")
            elif explicit:
                yield path, offset, (
                    f"link reference [{written}] is not defined in `{dotted(path)}`, so it shows as plain text: add "
                    f"[{written}]: https://… to this field or write the link inline as [text](https://…)")
