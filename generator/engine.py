"""One incremental build run: scan, load what changed, validate all, render what is missing, publish."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cache import BuildCache, code_fingerprint, sha256, templates_fingerprint
from generator.errors import Diagnostic, InputError
from generator.workers import (
    CHEAP_FORMATS,
    PDF_TASKS_PER_CHILD,
    SITE_FORMATS,
    SITE_PAGE,
    SITE_RECORD,
    Job,
    JobResult,
    RenderSettings,
    TemplateFailure,
    wanted_formats,
)

if TYPE_CHECKING:
    from generator.build import BuildOptions, BuildResult
    from generator.model.incident import Incident
    from generator.progress import Progress

MIN_POOL_JOBS = 8  # below this, forking workers costs more than it saves
MAX_CHUNK = 32


@dataclass
class Entry:
    """One source file in this build."""

    source: Path
    load_key: str | None  # None when the file could not even be read
    record: dict[str, Any] | None = None  # validated summary: slug, visibility, warnings
    model: bytes | None = None  # the pickled validated incident, when this build loaded it or needs it again
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)  # format -> digest
    changed: bool = False  # something was rendered for it in this build
    fresh: bool = False  # parsed and validated in this build (not taken from the cache)

    @property
    def slug(self) -> str:
        assert self.record is not None
        return str(self.record["slug"])


class BuildRun:
    def __init__(self, sources: list[Path], options: BuildOptions, cache: BuildCache, progress: Progress):
        self.sources, self.options, self.cache, self.progress = sources, options, cache, progress
        bytecode = options.cache_dir / "jinja" if options.cache_dir else None
        self.site_wanted = "html" in options.formats and not options.internal
        self.settings = RenderSettings(options.config, options.internal, options.templates, bytecode, options.formats, in_site=self.site_wanted)
        self.cheap_formats = (*CHEAP_FORMATS, *SITE_FORMATS) if self.site_wanted else CHEAP_FORMATS
        self.load_env = sha256(code_fingerprint(), options.config.model_dump_json())
        self.render_env = sha256(self.load_env, templates_fingerprint(options.templates), "internal" if options.internal else "public")
        self.pools: list[Any] = []  # ProcessPoolExecutor / RecyclingPool
        cache.built_formats = {*options.formats, *(SITE_FORMATS if self.site_wanted else ())}
        self.failures: list[tuple[int, TemplateFailure]] = []

    # -- helpers -----------------------------------------------------------------------------
    def output_key(self, entry: Entry, fmt: str) -> str:
        linked = ",".join(self.options.formats) if fmt == SITE_PAGE else ""  # a site page links to the build's other formats
        sealed = self.cache.key_id if fmt == SITE_RECORD else ""  # a record is a pickle sealed with the project's key
        return sha256(self.render_env, entry.load_key or "", fmt, linked, sealed)

    def wanted(self, entry: Entry) -> tuple[str, ...]:
        assert entry.record is not None
        return wanted_formats(entry.record["visibility"], self.options.formats, self.options.internal)

    def wanted_cheap(self, entry: Entry) -> tuple[str, ...]:
        """The cheap outputs of ``entry``: Markdown, the status post and, for a public site, its page and record."""
        assert entry.record is not None
        page = SITE_FORMATS if self.site_wanted and entry.record["visibility"] == "public" else ()
        return (*(f for f in self.wanted(entry) if f in CHEAP_FORMATS), *page)

    def requested(self, fmt: str) -> bool:
        return fmt in self.options.formats or (fmt in SITE_FORMATS and self.site_wanted)

    def close(self) -> None:
        for pool in self.pools:
            pool.shutdown(wait=True, cancel_futures=True)
        self.pools.clear()
        self.progress.close()

    def state_dir(self) -> Path | None:
        """The private publish state: as given, else beside the cache folder (where the command puts it too)."""
        from generator.write.tree import STATE_DIR

        if self.options.state_dir is not None:
            return self.options.state_dir
        return self.options.cache_dir.parent / STATE_DIR if self.options.cache_dir is not None else None

    # -- stages ------------------------------------------------------------------------------
    def run(self) -> BuildResult:
        from generator.build import BuildResult
        from generator.publish import publish

        entries = self.scan()
        self.load_and_render(entries, [e for e in entries if self.needs_cheap_work(e)], self.cheap_formats)
        warnings = self.validate(entries)
        files = self.render_late(entries)
        published = publish(self.options.out_dir, files, self.cache, state_dir=self.state_dir(), protected=self.options.protected)
        return BuildResult(incidents=len(entries), files=files, warnings=warnings, changed=sum(e.changed for e in entries), published=published)

    def scan(self) -> list[Entry]:
        """Hash every source and find its cached record (no YAML is parsed here)."""
        entries = []
        for source in self.sources:
            try:
                digest, _raw = self.cache.source_digest(source)
            except OSError:
                entries.append(Entry(source, None))
                continue
            load_key = sha256(self.load_env, str(source), digest)
            entries.append(Entry(source, load_key, self.cache.load_record(load_key)))
        return entries

    def needs_cheap_work(self, entry: Entry) -> bool:
        """True when ``entry`` must be loaded, or has a Markdown/HTML output missing from the cache."""
        if entry.record is None:
            return True
        for fmt in self.wanted_cheap(entry):
            digest = self.cache.output(self.output_key(entry, fmt))
            if digest is None:
                return True
            entry.outputs[fmt] = digest
        return False

    def job_for(self, entry: Entry, formats: tuple[str, ...]) -> Job:
        """A job with the validated model when there is one (else the worker loads the file)."""
        if entry.record is not None and entry.model is None and entry.load_key is not None:
            entry.model = self.cache.model(entry.load_key)  # None if the model store was lost
        wanted = tuple(f for f in formats if self.requested(f) and f not in entry.outputs)
        return Job(str(entry.source), entry.model, wanted)

    def load_and_render(self, entries: list[Entry], todo: list[Entry], formats: tuple[str, ...]) -> None:
        """Load and/or render ``todo`` on a fork pool (or here, when there is little to do)."""
        from generator import workers

        if not todo:
            return
        position = {id(entry): number for number, entry in enumerate(entries)}
        jobs = [self.job_for(entry, formats) for entry in todo]
        workers.prepare(self.settings, tuple(f for f in formats if self.requested(f)))
        processes = min(self.options.jobs, math.ceil(len(jobs) / 4))
        if processes <= 1 or len(jobs) < MIN_POOL_JOBS:
            self.progress.stage("Rendering", len(jobs))
            for entry, job in zip(todo, jobs, strict=True):
                self.accept(entry, workers.run_job(job, self.settings), position[id(entry)])
                self.progress.advance()
        else:
            pool = workers.cheap_pool(processes)  # before the progress bar's thread exists
            self.pools.append(pool)
            self.progress.stage("Rendering", len(jobs))
            size = max(1, min(MAX_CHUNK, math.ceil(len(jobs) / (processes * 4))))
            chunks = [(todo[i:i + size], pool.submit(workers.run_jobs, jobs[i:i + size], self.settings)) for i in range(0, len(jobs), size)]
            for chunk, future in chunks:
                for entry, result in zip(chunk, future.result(), strict=True):
                    self.accept(entry, result, position[id(entry)])
                self.progress.advance(len(chunk))
        self.raise_template_failure()

    def accept(self, entry: Entry, result: JobResult, number: int) -> None:
        """Take a worker's result: the validated record, fresh diagnostics and rendered bytes."""
        if result.failure is not None:
            self.failures.append((number, result.failure))
        if entry.model is None:
            entry.model = result.model
        if entry.record is None:
            entry.diagnostics = result.diagnostics
            entry.fresh = entry.changed = True
            if result.model is not None and entry.load_key is not None and not any(d.severity == "error" for d in result.diagnostics):
                entry.record = {"slug": result.slug, "visibility": result.visibility, "warnings": [d.as_dict() for d in result.diagnostics]}
                self.cache.put_load_record(entry.load_key, entry.record, result.model)
        for fmt, data in result.outputs.items():
            if fmt == SITE_RECORD:
                data = self.cache.seal(data, SITE_RECORD)
            entry.outputs[fmt] = self.cache.put_output(self.output_key(entry, fmt), data)
            entry.changed = True

    def raise_template_failure(self) -> None:
        if self.failures:
            raise min(self.failures, key=lambda item: item[0])[1].exception()

    def validate(self, entries: list[Entry]) -> list[Diagnostic]:
        """Every problem of every file, cached or not, plus id collisions across files."""
        from generator.model.catalog import id_collisions  # the same check and positions as `validate`

        diagnostics: list[Diagnostic] = []
        for entry in entries:
            if entry.record is not None and not entry.fresh:
                entry.diagnostics = [Diagnostic(**d) for d in entry.record["warnings"]]
            diagnostics.extend(entry.diagnostics)
        diagnostics.extend(id_collisions((e.slug, e.source) for e in entries if e.record is not None))
        if any(d.severity == "error" or self.options.strict for d in diagnostics):
            raise InputError(sorted(set(diagnostics)))
        return [d for d in diagnostics if d.severity == "warning"]

    def render_late(self, entries: list[Entry]) -> dict[str, str]:
        """PDFs on the recycled pool while the site renders here; then every output's digest."""
        pending: list[tuple[Entry, Any, Job]] = []
        if "pdf" in self.options.formats:
            todo = []
            for entry in entries:
                if "pdf" in self.wanted(entry):
                    digest = self.cache.output(self.output_key(entry, "pdf"))
                    if digest is None:
                        todo.append(entry)
                    else:
                        entry.outputs["pdf"] = digest
            pending = self.start_pdfs(todo)
        site_files = self.render_site(entries)
        if pending:
            self.finish_pdfs(entries, pending)
        files: dict[str, str] = {}
        for entry in sorted(entries, key=lambda e: e.slug):
            for fmt in self.wanted(entry):
                files[f"{entry.slug}.{fmt}"] = entry.outputs[fmt]
        clashes = sorted(set(files) & set(site_files))
        if clashes:
            raise ValueError(f"site pages clash with incident outputs: {', '.join(clashes[:5])}")
        return {**files, **site_files}

    def start_pdfs(self, todo: list[Entry]) -> list[tuple[Entry, Any, Job]]:
        from generator import workers

        jobs = [self.job_for(entry, ("pdf",)) for entry in todo]
        if not jobs:
            return []
        in_process = len(jobs) <= 2 or (self.options.jobs <= 1 and len(jobs) <= PDF_TASKS_PER_CHILD)
        pool = None if in_process else workers.pdf_pool(min(self.options.jobs, len(jobs)))
        if pool is not None:
            self.pools.append(pool)
        return [(entry, pool.submit(workers.run_jobs, [job], self.settings) if pool else None, job) for entry, job in zip(todo, jobs, strict=True)]

    def finish_pdfs(self, entries: list[Entry], pending: list[tuple[Entry, Any, Job]]) -> None:
        from generator import workers

        position = {id(entry): number for number, entry in enumerate(entries)}
        self.progress.stage("Rendering PDFs", len(pending))
        for entry, future, job in pending:
            result = future.result()[0] if future is not None else workers.run_job(job, self.settings)
            self.accept(entry, result, position[id(entry)])
            self.progress.advance()
        self.raise_template_failure()

    def render_site(self, entries: list[Entry]) -> dict[str, str]:
        """The incident-history site for a public HTML build.

        Each incident's page and record were rendered and cached with its other
        cheap outputs.  The files that list incidents are cached in sets: all of
        them under one key naming every public incident (so an unchanged site
        costs nothing), each component's page and feed under a key naming its
        own incidents, and the site-wide files (home, history feeds, API,
        sitemap) are rendered again from the records whenever any incident changed.
        """
        if not self.site_wanted:
            return {}
        from generator.site import page_path

        public = sorted((e for e in entries if e.record is not None and e.record["visibility"] == "public"), key=lambda e: e.slug)
        page_files = {page_path(e.slug): e.outputs[SITE_PAGE] for e in public}
        # The home page and API describe the site at "now", which SOURCE_DATE_EPOCH may set (``site.status``).
        now = os.environ.get("SOURCE_DATE_EPOCH", "")
        index_key = sha256(self.render_env, "site-index", now, ",".join(self.options.formats), *(f"{e.slug}\0{e.load_key}" for e in public))
        cached = self.cache.site(index_key)
        if cached is None:
            self.progress.stage("Rendering site", 1)
            cached = self.render_site_index(public)
            self.cache.keep_site(index_key, cached)
            self.progress.advance()
        return {**page_files, **cached}

    def render_site_index(self, public: list[Entry]) -> dict[str, str]:
        """Digests of the files that list incidents, assembled from the incidents' cached records (no model is loaded)."""
        import pickle

        from generator.cache import CacheCorruptError
        from generator.site import render_component_files, render_site_wide
        from generator.site.components import incident_components, natural_components, site_components
        from generator.site.record import SiteRecord

        config, templates = self.options.config, self.options.templates
        stored = self.cache.read_objects([entry.outputs[SITE_RECORD] for entry in public])
        records: list[SiteRecord] = []
        for entry in public:
            data = self.cache.unseal(stored[entry.outputs[SITE_RECORD]], SITE_RECORD)
            if data is None:
                raise CacheCorruptError(f"the site record of {entry.slug} is not sealed with this project's key")
            records.append(pickle.loads(data))
        records.sort(key=lambda record: (record.start, record.slug))
        load_keys = {entry.slug: entry.load_key or "" for entry in public}
        components = site_components(records)
        files = self.cache.put_site(None, render_site_wide(records, components, config, templates=templates))
        for component in components:
            key = sha256(self.render_env, "component", component.slug, component.group or "\0", component.name,
                         *(f"{record.slug}\0{load_keys[record.slug]}" for record in component.incidents))
            component_files = self.cache.site(key)
            if component_files is None:
                component_files = self.cache.put_site(key, render_component_files(component, config, templates=templates))
            files.update(component_files)
        renamed = {(c.group, c.name) for c in components if c.slug != natural_components([(c.group, c.name)])[0].slug}
        for record in records:  # pages were cached with the slugs their components' own names give
            if renamed.intersection(record.components):
                page = self.render_page_with(record.slug, public, incident_components(record, components))
                files.update(self.cache.put_site(None, {f"incidents/{record.slug}/index.html": page}))
        return files

    def render_page_with(self, slug: str, public: list[Entry], components: list[Any]) -> bytes:
        """An incident's page whose component links differ from the ones its own names give (two names, one slug)."""
        from generator.model.visibility import public_view
        from generator.render.environment import make_environment
        from generator.site.incident import site_incident, site_wide
        from generator.site.pages import render_incident_page

        view = public_view(site_wide(self.model_of(next(e for e in public if e.slug == slug))))
        assert view is not None
        env = make_environment(self.options.templates)
        return render_incident_page(site_incident(view), components, self.options.config, env, self.options.formats)

    def model_of(self, entry: Entry) -> Incident:
        from generator.workers import unpickled_model

        if entry.model is None and entry.load_key is not None:
            entry.model = self.cache.model(entry.load_key)
        incident = unpickled_model(entry.model)
        if incident is None:  # no stored model, or one pickled by other library versions
            from generator.model.catalog import load_incident

            incident, _ = load_incident(entry.source, self.options.config)
        assert incident is not None
        return incident
