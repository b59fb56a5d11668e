"""What a build is asked to do (``BuildOptions``) and what it did (``BuildResult``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Diagnostic
from generator.model.config import SiteConfig
from generator.render.formats import BUILD_FORMATS


@dataclass(frozen=True)
class BuildOptions:
    """Everything a build needs besides the incidents themselves."""

    config: SiteConfig
    out_dir: Path
    formats: tuple[str, ...] = BUILD_FORMATS
    internal: bool = False
    strict: bool = False
    templates: Path | None = None
    cache_dir: Path | None = None  # None: remember nothing between builds
    state_dir: Path | None = None  # the private publish state (manifest, spare tree); None: keep none
    protected: tuple[Path, ...] = ()  # the project's own paths, which the output folder must never contain
    project_root: Path | None = None  # what PDFs name their incident file relative to ("Built from incidents/x.yaml"); None: the working folder
    force: bool = False
    refused: tuple[Diagnostic, ...] = ()  # files refused unread (a symlink leading out of the project): errors of this build
    jobs: int = 1


@dataclass
class BuildResult:
    """What a build wrote (or found current), what it warns about, and how long it took."""

    incidents: int = 0
    files: dict[str, str] = field(default_factory=dict)  # output name -> SHA-256 of its bytes
    warnings: list[Diagnostic] = field(default_factory=list)
    changed: int = 0  # incidents with at least one output rendered by this build
    published: bool = False  # False when the output folder was already current
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)  # problems of the build itself (an unusable cache), as warnings

    def summary(self) -> str:
        """The line a build ends with."""
        noun = "incident" if self.incidents == 1 else "incidents"
        return f"Built {self.incidents} {noun} ({self.changed} changed, {self.incidents - self.changed} cached) in {self.seconds:.2f} s"


def default_jobs() -> int:
    """Worker processes when ``--jobs`` is not given: one per CPU."""
    return os.cpu_count() or 1
