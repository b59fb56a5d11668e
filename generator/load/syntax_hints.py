"""YAML syntax errors in words a comms person can act on, pointing at the line that is wrong.

libyaml reports where its scanner gave up, which is often the line *after* the
mistake, in parser terms ("could not find expected ':' while scanning a simple
key"). The common mistakes behind those messages are recognised here from the
error and the text around it, and explained with the fix.
"""

from __future__ import annotations

import re
from collections.abc import Collection

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_KEY_VALUE = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z_][\w-]*):\s+(?P<value>.*)$")
_BLOCK_START = re.compile(r"^(?P<indent>\s*)(?:-\s+)?(?P<key>[A-Za-z_][\w-]*):\s*[|>][-+0-9]*\s*(?:#.*)?$")
_QUOTE_OPEN = re.compile(r"^\s*(?:-\s+)?(?:[A-Za-z_][\w-]*:\s+)?(?P<quote>[\"'])")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_name(key: str, known_keys: Collection[str]) -> str | None:
    """```key``` when it is a key the file may hold (``known_keys``); never other text of the file (it may be a symlinked secret)."""
    return f"`{key}`" if key in known_keys else None


def _unclosed_quote(lines: list[str], before: int) -> tuple[int, int, str] | None:
    """The last line before ``before`` (0-based) whose value opens a quote that the line does not close."""
    for number in range(min(before, len(lines) - 1), -1, -1):
        line = lines[number]
        match = _QUOTE_OPEN.match(line)
        if not match:
            continue
        quote, start = match.group("quote"), match.start("quote")
        rest = line[start + 1:]
        closed = re.search(r'(?<!\\)"', rest) if quote == '"' else re.search(r"'(?!')", rest.replace("''", "  "))
        if not closed:
            return number, start, quote
    return None


def _multiline_quote(text: str, before: int) -> tuple[int, int, str] | None:
    """The last quoted value that spans several lines and starts before line ``before`` (0-based).

    A quote left open runs on to the next quote character anywhere below (often in a
    comment), and the parser fails there; the value that swallowed the lines is the culprit.
    """
    found = None
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if token.start_mark.line >= before:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in {'"', "'"} and token.end_mark.line > token.start_mark.line:
                found = (token.start_mark.line, token.start_mark.column, token.style)
    except yaml.YAMLError:
        pass
    return found


def _explain_quote(lines: list[str], line: int, start: int, quote: str) -> tuple[int, int, str]:
    kind = "double" if quote == '"' else "single"
    return line + 1, start + 1, (
        f"this value opens a {kind} quote ({quote}) that is not closed on this line, so YAML reads everything up to the "
        f"next {quote} as part of it; add the closing {quote} at the end of the value"
    )


def explain(text: str, error: yaml.MarkedYAMLError, known_keys: Collection[str] = ()) -> tuple[int, int, str] | None:
    """``(line, column, message)`` (1-based) for a recognised mistake, or None to keep libyaml's words.

    A key is named in the message only when it is one of ``known_keys`` (the model's field names).
    """
    lines = text.split("\n")
    problem = error.problem or ""
    context = error.context or ""
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return None
    row = mark.line

    if "while scanning a quoted scalar" in context and error.context_mark is not None:
        start = error.context_mark
        return _explain_quote(lines, start.line, start.column, lines[start.line][start.column:start.column + 1] or '"')

    if "mapping values are not allowed" in problem and row < len(lines):
        match = _KEY_VALUE.match(lines[row])
        if match and not match.group("value").lstrip().startswith(("'", '"')):
            key = _key_name(match.group("key"), known_keys)
            return row + 1, match.start("value") + 1, (
                "this text contains a colon followed by a space, which YAML reads as the start of another key; "
                f"put the whole text {'of ' + key + ' ' if key else ''}in quotes, e.g. title: \"Payments: card errors\""
            )

    if "could not find expected ':'" in problem and error.context_mark is not None:
        wrong = error.context_mark.line  # the line libyaml took for a key: the one that is under-indented
        found = _multiline_quote(text, wrong + 1) or _unclosed_quote(lines, wrong - 1)
        if found is not None and found[0] < wrong:
            return _explain_quote(lines, *found)
        for number in range(wrong - 1, -1, -1):
            above = lines[number]
            if not above.strip() or above.lstrip().startswith("#"):
                continue
            block = _BLOCK_START.match(above)
            if block or _KEY_VALUE.match(above) or _indent(above) > _indent(lines[wrong]):
                # Walk up to the key this text belongs to (``body: |``) to name it and its indentation.
                owner = number
                while owner > 0 and not (_BLOCK_START.match(lines[owner]) or _KEY_VALUE.match(lines[owner])):
                    owner -= 1
                owner_line = lines[owner]
                key_match = _BLOCK_START.match(owner_line) or _KEY_VALUE.match(owner_line)
                key = (_key_name(key_match.group("key"), known_keys) if key_match else None) or "the value above"
                content = next((_indent(lines[n]) for n in range(owner + 1, wrong) if lines[n].strip()), _indent(owner_line) + 2)
                if _BLOCK_START.match(owner_line) or owner < number:
                    need = max(content, _indent(owner_line) + 2)
                    return wrong + 1, error.context_mark.column + 1, (
                        f"this line is indented less than the text of {key} above it (line {owner + 1}), so YAML "
                        f"reads it as a new key; indent it by {need} spaces like the lines above"
                    )
                return wrong + 1, error.context_mark.column + 1, (
                    f"this line has no `key:` and is not indented under {key} (line {owner + 1}); if it continues that "
                    f"text, write the text as a block (`key: |`) and indent every line by {_indent(owner_line) + 2} spaces"
                )
            break

    if ("did not find expected key" in problem or "expected <block end>" in problem) and row < len(lines):
        found = _multiline_quote(text, row + 1) or _unclosed_quote(lines, row)
        if found is not None and found[0] < row:
            return _explain_quote(lines, *found)
    return None
