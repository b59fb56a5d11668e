"""Build progress on stderr: a rich bar on a terminal, plain lines in CI, nothing with --quiet.

rich is imported only when a bar is actually shown, so piped and quiet builds
do not pay for it.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    """Stage-by-stage progress; ``mode`` is ``"bar"``, ``"lines"`` or ``"quiet"``."""

    def __init__(self, mode: str, stream: TextIO | None = None):
        self.mode = mode
        self.stream = stream or sys.stderr
        self._bar: Any = None
        self._task: Any = None
        self._label = ""
        self._total = 0
        self._done = 0
        self._next_line = 0.0

    @classmethod
    def for_terminal(cls, quiet: bool, stream: TextIO | None = None) -> Progress:
        """A bar on a terminal, plain lines elsewhere (CI logs), nothing with ``--quiet``."""
        stream = stream or sys.stderr
        if quiet:
            return cls("quiet", stream)
        return cls("bar" if stream.isatty() else "lines", stream)

    def stage(self, label: str, total: int) -> None:
        """Start a stage of ``total`` steps (a stage of 0 steps shows nothing)."""
        self.finish_stage()
        self._label, self._total, self._done = label, total, 0
        if total <= 0 or self.mode == "quiet":
            return
        if self.mode == "bar":
            if self._bar is None:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
                from rich.progress import Progress as RichProgress

                self._bar = RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                         console=Console(file=self.stream), transient=True)
                self._bar.start()
            self._task = self._bar.add_task(label, total=total)
        else:
            self.stream.write(f"{label}: {total}\n")
            self.stream.flush()
            self._next_line = time.monotonic() + 2.0

    def advance(self, steps: int = 1) -> None:
        """Count ``steps`` more steps of the current stage done."""
        self._done += steps
        if self._total <= 0 or self.mode == "quiet":
            return
        if self.mode == "bar":
            self._bar.update(self._task, advance=steps)
        elif time.monotonic() >= self._next_line and self._done < self._total:
            self.stream.write(f"{self._label}: {self._done}/{self._total}\n")
            self.stream.flush()
            self._next_line = time.monotonic() + 2.0

    def finish_stage(self) -> None:
        """End the current stage (its bar disappears)."""
        if self.mode == "bar" and self._task is not None:
            self._bar.remove_task(self._task)
            self._task = None
        self._total = 0

    def close(self) -> None:
        """End the display; nothing is shown after this."""
        self.finish_stage()
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def summary(self, line: str) -> None:
        """The one line every non-quiet build ends with."""
        self.close()
        if self.mode != "quiet":
            self.stream.write(line + "\n")
            self.stream.flush()
