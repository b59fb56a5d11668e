"""What the preview shows: the last load of config and incidents, swapped whole on each change.

A reload never raises: a broken config or incident becomes diagnostics that the
pages show. Rendered outputs are cached per generation, so a page is rendered
at most once between two edits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Diagnostic, InputError
from generator.model.catalog import LoadedIncident
from generator.model.config import SiteConfig


@dataclass
class Snapshot:
    """One consistent view of the project; replaced, never mutated, except for its render cache."""

    generation: int
    config: SiteConfig | None
    incidents: dict[str, LoadedIncident]
    diagnostics: list[Diagnostic]
    cache: dict[str, bytes] = field(default_factory=dict)
    cache_lock: threading.Lock = field(default_factory=threading.Lock)
    site_files: dict[str, bytes] | None = None

    @property
    def errors(self) -> list[Diagnostic]:
        """The problems that are errors."""
        return [d for d in self.diagnostics if d.severity == "error"]

    def errors_for(self, slug: str) -> list[Diagnostic]:
        """Errors of the file whose name (the default id) is ``slug``."""
        return [d for d in self.errors if Path(d.path).stem == slug]

    def cached(self, key: str, make: Callable[[], bytes]) -> bytes:
        """Render once per generation; concurrent requests for the same page wait for one render."""
        with self.cache_lock:
            if key not in self.cache:
                self.cache[key] = make()
            return self.cache[key]


class PreviewState:
    """Loads the project on demand and hands out the current snapshot."""

    def __init__(self, config_path: Path | None, files: tuple[Path, ...] = (), templates: Path | None = None, internal: bool = False):
        self.config_path, self.files, self.templates = config_path, files, templates
        self.internal = internal  # serve the internal reports too (``serve --internal``)
        self.root = (config_path.parent if config_path else Path.cwd()).resolve()
        self._lock = threading.Lock()
        self._snapshot = Snapshot(0, None, {}, [])

    @property
    def snapshot(self) -> Snapshot:
        """The current snapshot (replaced whole on each reload)."""
        with self._lock:
            return self._snapshot

    def reads(self, changed: str | Path) -> bool:
        """Whether a changed file is one the preview reads: the config, an incident file, a template, the logo.

        Anything else in the project (an e-mail draft beside the incidents, the output
        folder, the build cache) does not trigger a reload.
        """
        from generator.model.config import CONFIG_FILE

        path = Path(changed).resolve()
        config_file = self.config_path.resolve() if self.config_path else self.root / CONFIG_FILE
        if path == config_file:
            return True
        if self.templates is not None and path.is_relative_to(self.templates.resolve()):
            return True
        config = self._snapshot.config
        if config is not None and config.logo and path == (self.root / config.logo).resolve():
            return True
        if path.suffix not in {".yaml", ".yml"}:
            return False
        if self.files:
            return any(path == f.resolve() or path.is_relative_to(f.resolve()) for f in self.files)
        return path.is_relative_to(self.incidents_dir().resolve())

    def incidents_dir(self) -> Path:
        """The incidents folder the config names (``incidents`` before a config is read)."""
        config = self._snapshot.config
        return self.root / (config.incidents_dir if config else "incidents")

    def reload(self) -> Snapshot:
        """Load config and incidents again; problems become diagnostics."""
        from generator.load.sources import collect_sources
        from generator.model.catalog import load_incidents
        from generator.model.config import load_config

        config: SiteConfig | None = None
        incidents: dict[str, LoadedIncident] = {}
        try:
            config, root = load_config(self.config_path)
            sources, refused = collect_sources(self.files, root / config.incidents_dir, root)
            loaded, diagnostics = load_incidents(sources, config)
            diagnostics = [*refused, *diagnostics]
            failed = {Path(d.path) for d in diagnostics if d.severity == "error"}
            # Drop the broken files before keying by id: a file that reuses another's id must not hide the valid one.
            incidents = {item.incident.slug: item for item in loaded if item.source not in failed}
        except InputError as exc:
            diagnostics = exc.diagnostics
        except OSError as exc:
            diagnostics = [Diagnostic(str(self.config_path or "postmortem.yaml"), 1, 1, f"cannot read: {exc}")]
        with self._lock:
            self._snapshot = Snapshot(self._snapshot.generation + 1, config, incidents, sorted(set(diagnostics)))
            return self._snapshot
