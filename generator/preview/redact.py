"""Diagnostics without the files' values, for preview viewers who may not see internal fields.

Messages quote values back (``status: 'x' is not allowed``, ``unknown key `x```, a did-you-mean,
``(&anchor)``, moments, a Markdown reference label), and a value may be an internal field of an
internal incident.  ``serve --host 0.0.0.0`` shows everyone but this machine's browser (and
``--internal``) each problem's position and its words with every such part replaced by ``…``:
"status: '…' is not allowed; expected investigating, identified, …".  Only the tool's own words
stay: the keys of the schema (in a path or in backticks), the message text, and its fixed examples.

Two layers, so that a value that slips past the first (a key holding a backtick, a message that
names a value without quotes) is still hidden: quoted parts, paths and moments are replaced first;
then every word left must be one of the tool's own (a word of its source or PyYAML's, whose
messages libyaml's mirror) or a number, else it is hidden too.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from generator.errors import Diagnostic

HIDDEN = "…"
# Fixed text of the messages that holds quote characters of its own; kept as it is (see ``redacted``).
_FIXED = ('(")', "(')", 'next " as', "next ' as", 'closing " at', "closing ' at", '"Payments: card errors"')
_STAND_IN = {'"': "\ue000", "'": "\ue001"}  # private-use characters: never in a message (the reader refuses them in files)
# What a message quotes: values in '…' or "…", keys in `…`, an anchor or alias in (&…)/(*…), a Markdown label in [...].
_QUOTED = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|`[^`\n]*`|\([&*][^()\s]*\)|\[(?!\d+\])[^\]\n]*\]")
# Moments and times written out (the tool's own examples are kept: ``_EXAMPLES``).
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?|\b\d{1,2}:\d{2}(?::\d{2})?\b")
_EXAMPLES = frozenset({"2021-09-13", "2021-09-13T16:53:00+01:00", "2021-09-13T16:53"})
_LEADING_PATH = re.compile(r"^([^\s:'\"`]+):(?= )")  # "updates[0].status: ..."
_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")
_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+|0x[0-9a-fA-F]{2}|[0-9A-F]{4,6}")  # line numbers, counts, a byte, a code point (U+0007)


@cache
def schema_keys() -> frozenset[str]:
    """Every key an incident or config file may hold: the tool's own words, which a message may show anyone."""
    from generator.model.config import AvailabilityPolicy, AvailabilityWeights, Labels, SiteConfig
    from generator.model.incident import incident_keys

    return frozenset({*incident_keys(), *SiteConfig.model_fields, *Labels.model_fields, *AvailabilityPolicy.model_fields,
                      *AvailabilityWeights.model_fields, "file"})


@cache
def tool_words() -> frozenset[str]:
    """Every word (lower case) of the tool's source and PyYAML's: what a message may say of itself (read once, about 50 ms)."""
    import yaml

    import generator

    words: set[str] = set()
    for package in (generator, yaml):
        for module in sorted(Path(package.__file__).parent.rglob("*.py")):
            words.update(_WORD.findall(module.read_text("utf-8").lower()))
    return frozenset(words | {key.lower() for key in schema_keys()})


def _word(match: re.Match[str]) -> str:
    word = match.group()
    return word if _NUMBER.fullmatch(word) or word.lower() in tool_words() else HIDDEN


def _path(path: str) -> str:
    """A data path with every part that is not a key of the schema hidden: ``headings.…``, ``updates[0].status``."""
    parts = []
    for part in path.split("."):
        match = _SEGMENT.fullmatch(part)
        parts.append(part if match and match.group(1) in schema_keys() else (HIDDEN + (match.group(2) if match else "")))
    return ".".join(parts)


def _quoted(text: str) -> str:
    opening, inner, closing = text[0], text[1:-1], text[-1]
    if opening == "`":
        return f"`{_path(inner)}`"  # a key of the schema stays: "unknown key `…`; did you mean `owner`?"
    return f"{opening}{HIDDEN}{closing}"


def redacted(message: str) -> str:
    """``message`` with every value of the files replaced by ``…`` (quoted parts, unknown keys, moments)."""
    for fixed in _FIXED:  # fixed text with its own quote characters: hidden from the patterns below, put back after
        message = message.replace(fixed, fixed.translate(str.maketrans(_STAND_IN)))
    message = _LEADING_PATH.sub(lambda match: _path(match.group(1)) + ":", message)
    message = _QUOTED.sub(lambda match: _quoted(match.group()), message)
    message = _MOMENT.sub(lambda match: match.group() if match.group() in _EXAMPLES else HIDDEN, message)
    message = _WORD.sub(_word, message)
    return message.translate({ord(stand_in): quote for quote, stand_in in _STAND_IN.items()})


def without_values(diagnostic: Diagnostic) -> Diagnostic:
    """``diagnostic`` at the same place, its message ``redacted`` and its path ``project_path``."""
    return Diagnostic(project_path(diagnostic.path), diagnostic.line, diagnostic.column, redacted(diagnostic.message),
                      diagnostic.severity)


def project_path(path: str) -> str:
    """``path`` as a remote viewer sees it: relative to the folder ``serve`` runs in, else the file's name alone.

    The serving machine's folders (``/home/<user>/…``) are none of a remote viewer's business.
    """
    absolute = Path(path)
    if not absolute.is_absolute():
        return path
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.name
