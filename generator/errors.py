"""Diagnostics: every input problem becomes a ``path:line:col: severity: message`` line.

Stages collect diagnostics instead of raising on the first problem, so one run
reports everything that is wrong with every file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
# Line breaks and control characters: a file name or a quoted key holding them would start a line of its own in a
# terminal or a CI log (a GitHub Actions "::error::" or "::add-mask::" command); they are printed as escapes.
_NOT_ON_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with every line break and control character (but tab) written as a Python escape."""
    return _NOT_ON_ONE_LINE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem, pointing at the offending value (1-based line and column)."""

    path: str
    line: int
    column: int
    message: str
    severity: Severity = "error"

    def format(self) -> str:
        """``path:line:col: severity: message``, as every command prints it."""
        return one_line(f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}")

    def as_dict(self) -> dict[str, object]:
        """The diagnostic as plain JSON-ready values (``validate --format json``, the cache)."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass
class DiagnosticList:
    """An ordered collection of diagnostics gathered across files and stages."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        """Add one problem at ``path:line:col``."""
        self.items.append(diagnostic)

    def extend(self, diagnostics: list[Diagnostic] | DiagnosticList) -> None:
        """Add problems found elsewhere."""
        self.items.extend(diagnostics.items if isinstance(diagnostics, DiagnosticList) else diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        """True when any problem is an error (not only warnings)."""
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        """The warnings only."""
        return [d for d in self.items if d.severity == "warning"]

    def sorted(self) -> list[Diagnostic]:
        """Every problem once, in file and position order."""
        return sorted(set(self.items), key=lambda d: (d.path, d.line, d.column, d.message))

    def __bool__(self) -> bool:
        return bool(self.items)


class InputError(Exception):
    """Raised by a stage when its input is invalid; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics
