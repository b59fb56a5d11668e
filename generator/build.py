"""The build orchestrator: load and validate everything, render everything, then write once."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import SiteConfig
from generator.errors import Diagnostic, InputError
from generator.model.catalog import LoadedIncident, find_incident_files, load_incidents
from generator.model.incident import Incident

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


@dataclass
class BuildResult:
    incidents: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)


def collect_sources(paths: Iterable[Path], config: SiteConfig, root: Path) -> list[Path]:
    """The files named on the command line, or every incident under the incidents folder."""
    chosen = list(paths)
    if chosen:
        files: list[Path] = []
        for path in chosen:
            files.extend(find_incident_files(path) if path.is_dir() else [path])
        return files
    return find_incident_files(root / config.incidents_dir)


def load_valid(sources: list[Path], config: SiteConfig, *, strict: bool) -> tuple[list[LoadedIncident], list[Diagnostic]]:
    """Load every source; raise ``InputError`` with all problems if any is fatal."""
    loaded, diagnostics = load_incidents(sources, config)
    fatal = [d for d in diagnostics if d.severity == "error" or strict]
    if fatal:
        raise InputError(sorted(set(diagnostics)))
    return loaded, diagnostics


def renderer(fmt: str, options: BuildOptions) -> Callable[[Incident], bytes]:
    """The function that turns one incident into the bytes of one format."""
    config, internal, templates = options.config, options.internal, options.templates
    if fmt == "md":
        from generator.render.md import render_markdown

        return lambda incident: render_markdown(incident, config, internal=internal, templates=templates).encode()
    if fmt == "html":
        from generator.render.html import render_status_post

        return lambda incident: render_status_post(incident, config, templates=templates).encode()
    if fmt == "pdf":
        from generator.render.pdf import render_pdf

        return lambda incident: render_pdf(incident, config, internal=internal, templates=templates)
    raise ValueError(f"unknown format {fmt!r}")


def render_all(loaded: list[LoadedIncident], options: BuildOptions) -> dict[str, bytes]:
    """Render every incident in every format; internal incidents get no public output."""
    renderers = {fmt: renderer(fmt, options) for fmt in options.formats}
    files: dict[str, bytes] = {}
    for item in loaded:
        incident = item.incident
        if incident.visibility != "public" and not options.internal:
            continue
        for fmt, render in renderers.items():
            if fmt == "html" and options.internal and incident.visibility != "public":
                continue
            files[f"{incident.slug}.{fmt}"] = render(incident)
    return files


def build(sources: list[Path], options: BuildOptions) -> BuildResult:
    """Validate all sources, render all outputs in memory, then publish the tree atomically."""
    from generator.write import publish_tree

    loaded, diagnostics = load_valid(sources, options.config, strict=options.strict)
    files = render_all(loaded, options)
    publish_tree(options.out_dir, files)
    return BuildResult(incidents=len(loaded), files=files, warnings=[d for d in diagnostics if d.severity == "warning"])
