"""The build orchestrator: validate everything, render what changed in parallel, publish once.

1. Hash every source (stat fast path) and look up its validated record in the
   cache; only new or changed files are parsed and validated.
2. Check everything that spans files (id collisions) over all records, cached
   or not, and stop with every problem before anything is written.
3. Render the missing outputs on process pools (see ``generator.workers``),
   the site in this process meanwhile, and store them in the cache.
4. Publish the tree atomically, or nothing at all when it is already current.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.config import SiteConfig
from generator.errors import Diagnostic, InputError

if TYPE_CHECKING:
    from generator.cache import BuildCache
    from generator.model.catalog import LoadedIncident
    from generator.model.incident import Incident
    from generator.progress import Progress

FORMATS = ("md", "html", "pdf")


@dataclass(frozen=True)
class BuildOptions:
    """Everything a build needs besides the incidents themselves."""

    config: SiteConfig
    out_dir: Path
    formats: tuple[str, ...] = FORMATS
    internal: bool = False
    strict: bool = False
    templates: Path | None = None
    cache_dir: Path | None = None  # None: remember nothing between builds
    state_dir: Path | None = None  # the private publish state (manifest, spare tree); None: keep none
    protected: tuple[Path, ...] = ()  # the project's own paths, which the output folder must never contain
    force: bool = False
    jobs: int = 1


@dataclass
class BuildResult:
    incidents: int = 0
    files: dict[str, str] = field(default_factory=dict)  # output name -> SHA-256 of its bytes
    warnings: list[Diagnostic] = field(default_factory=list)
    changed: int = 0  # incidents with at least one output rendered by this build
    published: bool = False  # False when the output folder was already current
    seconds: float = 0.0
    notices: list[str] = field(default_factory=list)  # problems of the build itself (an unusable cache), as warnings

    def summary(self) -> str:
        return f"Built {self.incidents} incidents ({self.changed} changed, {self.incidents - self.changed} cached) in {self.seconds:.2f} s"


def default_jobs() -> int:
    return os.cpu_count() or 1


def collect_sources(paths: Iterable[Path], config: SiteConfig, root: Path) -> list[Path]:
    """The files named on the command line, or every incident under the incidents folder."""
    from generator.model.catalog import find_incident_files

    chosen = list(paths)
    if chosen:
        files: list[Path] = []
        for path in chosen:
            files.extend(find_incident_files(path) if path.is_dir() else [path])
        return files
    return find_incident_files(root / config.incidents_dir)


def load_valid(sources: list[Path], config: SiteConfig, *, strict: bool) -> tuple[list[LoadedIncident], list[Diagnostic]]:
    """Load every source; raise ``InputError`` with all problems if any is fatal."""
    from generator.model.catalog import load_incidents

    loaded, diagnostics = load_incidents(sources, config)
    fatal = [d for d in diagnostics if d.severity == "error" or strict]
    if fatal:
        raise InputError(sorted(set(diagnostics)))
    return loaded, diagnostics


def renderer(fmt: str, options: BuildOptions) -> Callable[[Incident], bytes]:
    """The function that turns one incident into the bytes of one format."""
    from generator.workers import RenderSettings, render_one

    settings = RenderSettings(options.config, options.internal, options.templates)
    return lambda incident: render_one(incident, fmt, settings)


def build(sources: list[Path], options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Validate all sources, render what is missing, then publish the tree atomically."""
    from generator.cache import BuildCache, CacheCorruptError
    from generator.progress import Progress

    started = time.perf_counter()
    progress = progress or Progress("quiet")
    cache = BuildCache(options.cache_dir, options.out_dir, force=options.force)
    notices: list[str] = []
    if cache.problem is not None:
        notices.append(_unusable(cache, cache.problem))
        cache.discard()
    try:
        result = _run(sources, options, cache, progress)
    except CacheCorruptError as exc:  # one warning, then a clean build that does not read the cache
        if not notices:
            notices.append(_unusable(cache, str(exc)))
        cache.discard()
        cache = BuildCache(options.cache_dir, options.out_dir, force=True)
        try:
            result = _run(sources, options, cache, progress)
        except CacheCorruptError:  # it cannot even be written: build with a cache in memory only
            cache.close()
            cache = BuildCache(None, options.out_dir)
            result = _run(sources, options, cache, progress)
    try:
        cache.save()
    except CacheCorruptError as exc:
        notices.append(f"the build cache {cache.root} {exc}; the next build renders everything again")
        cache.discard()
    cache.close()
    result.notices = notices
    result.seconds = time.perf_counter() - started
    return result


def _unusable(cache: object, why: str) -> str:
    return f"the build cache {getattr(cache, 'root', None)} is not usable ({why}); building without it"


def _run(sources: list[Path], options: BuildOptions, cache: BuildCache, progress: Progress) -> BuildResult:
    """One attempt; on failure the cache keeps what was rendered (the output folder is untouched)."""
    from generator.cache import CacheCorruptError
    from generator.engine import BuildRun

    build_run = BuildRun(sources, options, cache, progress)
    try:
        return build_run.run()
    except CacheCorruptError:
        build_run.close()
        raise
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):  # one Ctrl-C is enough: finish cleaning up undisturbed
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        build_run.close()
        with suppress(CacheCorruptError):
            cache.save(prune=False)
        cache.close()
        raise
    finally:
        build_run.close()
