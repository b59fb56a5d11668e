"""The build orchestrator: load and validate everything, render what is missing, publish once.

1. Hash every source (stat fast path) and look up its validated summary in the
   cache; only new or changed files are read and validated (on a fork pool
   when there are many).
2. Check everything that spans files (id collisions) over all incidents, cached
   or not, and stop with every problem of every file before any template runs.
3. Render the missing outputs on process pools (see ``generator.builder.workers``),
   the site in this process meanwhile, and store them in the cache.
4. Publish the tree atomically, or nothing at all when it is already current.
"""

from __future__ import annotations

import math
import os
import pickle
import signal
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from generator.builder import workers
from generator.builder.cache import BuildCache, CacheCorruptError, code_fingerprint, sha256, templates_fingerprint
from generator.builder.options import BuildOptions, BuildResult
from generator.builder.progress import Progress
from generator.builder.publish import publish
from generator.builder.recycling import PoolStalled, WorkerLost
from generator.builder.tree import STATE_DIR
from generator.builder.workers import CHEAP_FORMATS, PDF_TASKS_PER_CHILD, SITE_FORMATS, SITE_PAGE, SITE_RECORD, Loaded, Rendered, RenderJob
from generator.errors import Diagnostic, InputError
from generator.render.formats import RenderSettings

if TYPE_CHECKING:
    from generator.model.incident import Incident
    from generator.render.provenance import FileProvenance
    from generator.site.components import SiteComponent
    from generator.site.record import SiteRecord

MIN_POOL_JOBS = 8  # below this, forking workers costs more than it saves
MAX_CHUNK = 32


class Validated(TypedDict):
    """What the cache remembers of a valid incident file, so an unchanged file is never read again."""

    slug: str
    visibility: str
    warnings: list[dict[str, Any]]


@dataclass
class Entry:
    """One source file in this build."""

    source: Path
    load_key: str | None  # None when the file could not even be read
    validated: Validated | None = None
    model: bytes | None = None  # the pickled validated incident, when this build loaded it or needs it again
    incident: Incident | None = None  # the model itself, when this process loaded it
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)  # format -> digest
    changed: bool = False  # something was rendered for it in this build
    fresh: bool = False  # read and validated in this build (not taken from the cache)

    @property
    def slug(self) -> str:
        """The incident's id (only for a valid file)."""
        assert self.validated is not None
        return self.validated["slug"]


def build(sources: list[Path], options: BuildOptions, progress: Progress | None = None) -> BuildResult:
    """Validate all sources, render what is missing, then publish the tree atomically."""
    started = time.perf_counter()
    progress = progress or Progress("quiet")
    cache = BuildCache(options.cache_dir, options.out_dir, force=options.force)
    notices: list[str] = []
    if cache.problem is not None:
        notices.append(_unusable(cache, cache.problem))
        cache.discard()
    try:
        result = _attempt(sources, options, cache, progress)
    except CacheCorruptError as exc:  # one warning, then a clean build that does not read the cache
        if not notices:
            notices.append(_unusable(cache, str(exc)))
        cache.discard()
        cache = BuildCache(options.cache_dir, options.out_dir, force=True)
        try:
            result = _attempt(sources, options, cache, progress)
        except CacheCorruptError:  # it cannot even be written: build with a cache in memory only
            cache.close()
            cache = BuildCache(None, options.out_dir)
            result = _attempt(sources, options, cache, progress)
    try:
        cache.save()
    except CacheCorruptError as exc:
        notices.append(f"the build cache {cache.root} {exc}; the next build renders everything again")
        cache.discard()
    cache.close()
    result.notices = notices + result.notices
    result.seconds = time.perf_counter() - started
    return result


def _unusable(cache: BuildCache, why: str) -> str:
    return f"the build cache {cache.location} is not usable ({why}); building without it"


def _attempt(sources: list[Path], options: BuildOptions, cache: BuildCache, progress: Progress) -> BuildResult:
    """One attempt; on failure the cache keeps what was rendered (the output folder is untouched)."""
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


class BuildRun:
    """One attempt at a build: the stages in order, with the pools and cache they share."""

    def __init__(self, sources: list[Path], options: BuildOptions, cache: BuildCache, progress: Progress):
        self.sources, self.options, self.cache, self.progress = sources, options, cache, progress
        self.bytecode_dir = cache.bytecode_dir  # compiled templates, sealed (None when the cache folder is not used)
        self.site_wanted = "html" in options.formats and not options.internal
        self.settings = RenderSettings(options.config, options.internal, options.templates, options.formats, in_site=self.site_wanted)
        self.cheap_formats = (*CHEAP_FORMATS, *SITE_FORMATS) if self.site_wanted else CHEAP_FORMATS
        self.load_env = sha256(code_fingerprint(), options.config.model_dump_json())
        self.render_env = sha256(self.load_env, templates_fingerprint(options.templates), "internal" if options.internal else "public")
        self.pools: list[Any] = []  # ProcessPoolExecutor / RecyclingPool
        cache.built_formats = {*options.formats, *(SITE_FORMATS if self.site_wanted else ())}
        self.failures: list[tuple[int, Rendered]] = []
        self.notices: list[str] = []  # problems of the build itself, reported as warnings
        self.pdf_pool: Any = None  # the recycled pool of this build's PDFs, if it has one
        self.sources_of: dict[Path, FileProvenance] | None = None  # each file's last commit, which its PDF states

    # -- helpers -----------------------------------------------------------------------------
    def output_key(self, entry: Entry, fmt: str) -> str:
        """The cache key of one output: everything that determines its bytes."""
        linked = ",".join(self.options.formats) if fmt == SITE_PAGE else ""  # a site page links to the build's other formats
        sealed = self.cache.key_id if fmt == SITE_RECORD else ""  # a record is a pickle sealed with the project's key
        stated = self.provenance_of(entry).cache_key() if fmt == "pdf" else ""  # a PDF states its file's last commit
        return sha256(self.render_env, entry.load_key or "", fmt, linked, sealed, stated)

    def provenance_of(self, entry: Entry) -> FileProvenance:
        """What ``entry``'s PDF states it was built from; git runs once per build, when the first PDF is looked up."""
        if self.sources_of is None:
            from generator.render.provenance import file_provenance

            self.sources_of = file_provenance(self.sources, self.options.project_root or Path.cwd())
        return self.sources_of[entry.source]

    def wanted(self, entry: Entry) -> tuple[str, ...]:
        """The formats this build writes for ``entry`` (none for an internal incident in a public build)."""
        assert entry.validated is not None
        return workers.wanted_formats(entry.validated["visibility"], self.options.formats, self.options.internal)

    def wanted_cheap(self, entry: Entry) -> tuple[str, ...]:
        """The cheap outputs of ``entry``: Markdown, the status post and, for a public site, its page and record."""
        assert entry.validated is not None
        page = SITE_FORMATS if self.site_wanted and entry.validated["visibility"] == "public" else ()
        return (*(f for f in self.wanted(entry) if f in CHEAP_FORMATS), *page)

    def close(self) -> None:
        """Stop every pool and the progress display."""
        for pool in self.pools:
            pool.shutdown(wait=True, cancel_futures=True)
        self.pools.clear()
        self.progress.close()

    def state_dir(self) -> Path | None:
        """The private publish state: as given, else beside the cache folder (where the command puts it too)."""
        if self.options.state_dir is not None:
            return self.options.state_dir
        return self.options.cache_dir.parent / STATE_DIR if self.options.cache_dir is not None else None

    def processes_for(self, jobs: int) -> int:
        """Worker processes for ``jobs`` jobs: none (this process) when there are too few to pay for a fork."""
        processes = min(self.options.jobs, math.ceil(jobs / 4))
        return processes if processes > 1 and jobs >= MIN_POOL_JOBS else 0

    # -- stages ------------------------------------------------------------------------------
    def run(self) -> BuildResult:
        """Every stage in order: scan, load, validate, render, publish."""
        entries = self.scan()
        self.load([e for e in entries if e.validated is None])
        warnings = self.validate(entries)
        self.render_cheap([e for e in entries if self.missing_cheap(e)], entries)
        files = self.render_late(entries)
        published = publish(self.options.out_dir, files, self.cache, state_dir=self.state_dir(), protected=self.options.protected)
        return BuildResult(incidents=len(entries), files=files, warnings=warnings, changed=sum(e.changed for e in entries),
                           published=published, notices=list(self.notices))

    def scan(self) -> list[Entry]:
        """Hash every source and find its cached summary (no YAML is parsed here)."""
        entries = []
        for source in self.sources:
            try:
                digest, _raw = self.cache.source_digest(source)
            except OSError:
                entries.append(Entry(source, None))
                continue
            load_key = sha256(self.load_env, str(source), digest)
            entries.append(Entry(source, load_key, self.cache.validated(load_key)))
        return entries

    def load(self, todo: list[Entry]) -> None:
        """Read and validate the new or changed files, on a fork pool when there are many (nothing is rendered here)."""
        if not todo:
            return
        sources = [str(entry.source) for entry in todo]
        config = self.options.config
        processes = self.processes_for(len(todo))
        if not processes:
            self.progress.stage("Loading", len(todo))
            for entry, source in zip(todo, sources, strict=True):
                self.accept_load(entry, workers.load_source(source, config))
                self.progress.advance()
            return
        pool = workers.cheap_pool(processes)  # before the progress bar's thread exists
        self.pools.append(pool)
        self.progress.stage("Loading", len(todo))
        size = self.chunk_size(len(todo), processes)
        chunks = [(todo[i:i + size], pool.submit(workers.load_sources, sources[i:i + size], config)) for i in range(0, len(todo), size)]
        for chunk, future in chunks:
            for entry, loaded in zip(chunk, future.result(), strict=True):
                self.accept_load(entry, loaded)
            self.progress.advance(len(chunk))
        pool.shutdown(wait=True)
        self.pools.remove(pool)

    @staticmethod
    def chunk_size(jobs: int, processes: int) -> int:
        """Jobs per pool task: enough to amortise the round trip, few enough to keep every worker busy."""
        return max(1, min(MAX_CHUNK, math.ceil(jobs / (processes * 4))))

    def accept_load(self, entry: Entry, loaded: Loaded) -> None:
        """Take a loaded file: its diagnostics, and for a valid one its summary and model (remembered in the cache)."""
        entry.diagnostics = loaded.diagnostics
        entry.fresh = entry.changed = True
        if loaded.model is not None and loaded.slug is not None and loaded.visibility is not None and entry.load_key is not None:
            entry.model, entry.incident = loaded.model, loaded.incident
            entry.validated = {"slug": loaded.slug, "visibility": loaded.visibility, "warnings": [d.as_dict() for d in loaded.diagnostics]}
            self.cache.put_validated(entry.load_key, entry.validated, loaded.model)

    def validate(self, entries: list[Entry]) -> list[Diagnostic]:
        """Every problem of every file, cached or not, plus id collisions across files; raised before any template runs."""
        from generator.model.unique_ids import id_collisions  # the same check and positions as `validate`

        diagnostics: list[Diagnostic] = list(self.options.refused)
        for entry in entries:
            if entry.validated is not None and not entry.fresh:
                entry.diagnostics = [Diagnostic(**d) for d in entry.validated["warnings"]]
            diagnostics.extend(entry.diagnostics)
        diagnostics.extend(id_collisions((e.slug, e.source) for e in entries if e.validated is not None))
        if any(d.severity == "error" or self.options.strict for d in diagnostics):
            raise InputError(sorted(set(diagnostics)))
        return [d for d in diagnostics if d.severity == "warning"]

    def missing_cheap(self, entry: Entry) -> bool:
        """True when ``entry`` has a Markdown/HTML/site output missing from the cache (the cached ones are taken)."""
        missing = False
        for fmt in self.wanted_cheap(entry):
            digest = self.cache.output(self.output_key(entry, fmt))
            if digest is None:
                missing = True
            else:
                entry.outputs[fmt] = digest
        return missing

    def job_for(self, entry: Entry, formats: tuple[str, ...]) -> RenderJob:
        """A job with the validated model (from this build's load, else the cache; else the worker loads the file)."""
        if entry.model is None and entry.load_key is not None:
            entry.model = self.cache.model(entry.load_key)  # None if the model store was lost
        provenance = self.provenance_of(entry) if "pdf" in formats else None
        return RenderJob(str(entry.source), entry.model, tuple(f for f in formats if f not in entry.outputs), provenance)

    def template_cache(self) -> Any:
        """The sealed store of compiled templates in the cache folder (``None`` without a cache)."""
        if self.bytecode_dir is None:
            return None
        from generator.builder.template_cache import SealedBytecodeCache  # imports Jinja: only when rendering

        return SealedBytecodeCache(self.bytecode_dir, self.cache)

    def render_cheap(self, todo: list[Entry], entries: list[Entry]) -> None:
        """Markdown, posts and site pages and records of ``todo``: on a fork pool, or here when there is little to do."""
        if not todo:
            return
        position = {id(entry): number for number, entry in enumerate(entries)}
        formats = tuple(f for f in self.cheap_formats if f in self.options.formats or (f in SITE_FORMATS and self.site_wanted))
        workers.prepare(self.settings, formats, self.template_cache())
        jobs = [self.job_for(entry, formats) for entry in todo]
        processes = self.processes_for(len(jobs))
        if not processes:
            self.progress.stage("Rendering", len(jobs))
            for entry, job in zip(todo, jobs, strict=True):
                self.accept(entry, workers.render_job(job, self.settings, entry.incident), position[id(entry)])
                self.progress.advance()
        else:
            pool = workers.cheap_pool(processes)  # before the progress bar's thread exists
            self.pools.append(pool)
            self.progress.stage("Rendering", len(jobs))
            size = self.chunk_size(len(jobs), processes)
            chunks = [(todo[i:i + size], pool.submit(workers.render_jobs, jobs[i:i + size], self.settings)) for i in range(0, len(jobs), size)]
            for chunk, future in chunks:
                for entry, rendered in zip(chunk, future.result(), strict=True):
                    self.accept(entry, rendered, position[id(entry)])
                self.progress.advance(len(chunk))
        self.raise_failure()

    def accept(self, entry: Entry, rendered: Rendered, number: int) -> None:
        """Take a worker's rendered bytes into the cache (a failure is kept to be raised once all are in)."""
        if rendered.failure is not None or rendered.problems:
            self.failures.append((number, rendered))
        for fmt, data in rendered.outputs.items():
            if fmt == SITE_RECORD:
                data = self.cache.seal(data, SITE_RECORD)
            entry.outputs[fmt] = self.cache.put_output(self.output_key(entry, fmt), data)
            entry.changed = True

    def raise_failure(self) -> None:
        """The first failure in source order: a file that no longer validates, else a template error."""
        problems = [d for _, rendered in self.failures for d in rendered.problems]
        if problems:
            raise InputError(sorted(set(problems)))
        if self.failures:
            failure = min(self.failures, key=lambda item: item[0])[1].failure
            assert failure is not None
            raise failure.exception()

    def render_late(self, entries: list[Entry]) -> dict[str, str]:
        """PDFs on the recycled pool while the site renders here; then every output's digest."""
        pending: list[tuple[Entry, Any, RenderJob]] = []
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

    def start_pdfs(self, todo: list[Entry]) -> list[tuple[Entry, Any, RenderJob]]:
        """Submit the missing PDFs to the recycled pool (or keep them for this process when there are few)."""
        jobs = [self.job_for(entry, ("pdf",)) for entry in todo]
        if not jobs:
            return []
        in_process = len(jobs) <= 2 or (self.options.jobs <= 1 and len(jobs) <= PDF_TASKS_PER_CHILD)
        pool = None
        if in_process:  # the report's compiled templates from the sealed store, as the workers take them
            workers.prepare(self.settings, ("pdf",), self.template_cache())
        else:
            seal = self.cache.sealer if self.bytecode_dir is not None else None
            pool = workers.pdf_pool(min(self.options.jobs, len(jobs)), self.settings, self.bytecode_dir, seal)
            self.pools.append(pool)
            self.pdf_pool = pool
        return [(entry, pool.submit(workers.render_jobs, [job], self.settings) if pool else None, job) for entry, job in zip(todo, jobs, strict=True)]

    def finish_pdfs(self, entries: list[Entry], pending: list[tuple[Entry, Any, RenderJob]]) -> None:
        """Collect the PDFs started by ``start_pdfs`` into the cache."""
        position = {id(entry): number for number, entry in enumerate(entries)}
        self.progress.stage("Rendering PDFs", len(pending))
        stall = float(os.environ.get("POSTMORTEM_PDF_STALL_SECONDS") or workers.PDF_STALL_SECONDS)
        stalled = False
        for entry, future, job in pending:
            rendered = None
            if future is not None and not stalled:
                try:
                    rendered = future.result(stall)[0]
                except WorkerLost as lost:  # this PDF kills the process rendering it: it would kill the build too
                    raise InputError([Diagnostic(str(entry.source), 1, 1, f"the PDF of this incident could not be rendered: {lost}"
                                                 " (a crash or a kill of the renderer's process); nothing was published")]) from None
                except PoolStalled:  # nothing came: stop the pool, never wait on it again
                    stalled = True
                    if self.pdf_pool is not None:  # its workers would render what this process now renders
                        self.pdf_pool.shutdown(wait=True, cancel_futures=True)
                    self.notices.append(f"the PDF pool returned nothing for {stall:g} s while rendering {entry.slug}.pdf; "
                                        "the remaining PDFs were rendered in the build's own process")
            if rendered is None:
                rendered = workers.render_job(job, self.settings, entry.incident)
            self.accept(entry, rendered, position[id(entry)])
            self.progress.advance()
        self.raise_failure()

    def render_site(self, entries: list[Entry]) -> dict[str, str]:
        """The incident-history site for a public HTML build, assembled by ``generator.site.assemble_site``.

        Each incident's page and record were rendered and cached with its other
        cheap outputs.  The files that list incidents are cached in sets: all of
        them under one key naming every public incident (so an unchanged site
        costs nothing), each component's page and feed under a key naming its
        own incidents; the site-wide files (home, history feeds, API, sitemap)
        are assembled again from the records whenever any incident changed.
        """
        if not self.site_wanted:
            return {}
        public = sorted((e for e in entries if e.validated is not None and e.validated["visibility"] == "public"), key=lambda e: e.slug)
        # The home page and API describe the site at "now", which SOURCE_DATE_EPOCH may set (``site.status``).
        now = os.environ.get("SOURCE_DATE_EPOCH", "")
        index_key = sha256(self.render_env, "site", now, ",".join(self.options.formats), *(f"{e.slug}\0{e.load_key}" for e in public))
        cached = self.cache.site(index_key)
        if cached is None:
            self.progress.stage("Rendering site", 1)
            cached = self.assemble_site(public)
            self.cache.keep_site(index_key, cached)
            self.progress.advance()
        return cached

    def assemble_site(self, public: list[Entry]) -> dict[str, str]:
        """Digests of every site file, assembled from the incidents' cached pages and records (no model is loaded)."""
        from generator.site import assemble_site

        stored = self.cache.read_objects([entry.outputs[SITE_RECORD] for entry in public])
        records: list[SiteRecord] = []
        for entry in public:
            data = self.cache.unseal(stored[entry.outputs[SITE_RECORD]], SITE_RECORD)
            if data is None:
                raise CacheCorruptError(f"the site record of {entry.slug} is not sealed with this project's key")
            records.append(pickle.loads(data))
        by_slug = {entry.slug: entry for entry in public}
        pages = {entry.slug: entry.outputs[SITE_PAGE] for entry in public}
        store = CachedSite(self.cache, self.render_env, {entry.slug: entry.load_key or "" for entry in public})
        return assemble_site(records, pages, self.options.config, store, templates=self.options.templates,
                             page_with=lambda record, components: self.page_with(by_slug[record.slug], components))

    def page_with(self, entry: Entry, components: list[SiteComponent]) -> bytes:
        """An incident's page whose component links differ from the ones its own names give (two names, one slug)."""
        from generator.site import render_incident_page
        from generator.site.incident import site_wide

        return render_incident_page(site_wide(self.model_of(entry)), self.options.config, templates=self.options.templates,
                                    formats=self.options.formats, components=components)

    def model_of(self, entry: Entry) -> Incident:
        """The validated incident of ``entry``: held, cached, or read again."""
        if entry.incident is not None:
            return entry.incident
        if entry.model is None and entry.load_key is not None:
            entry.model = self.cache.model(entry.load_key)
        incident = workers.unpickled_model(entry.model) or workers.load_source(str(entry.source), self.options.config).incident
        if incident is None:
            raise InputError(workers.load_source(str(entry.source), self.options.config).diagnostics)
        return incident


class CachedSite:
    """Site files kept in the build cache: stored by digest, each component's under a key naming its own incidents."""

    def __init__(self, cache: BuildCache, render_env: str, load_keys: dict[str, str]):
        self.cache, self.render_env, self.load_keys = cache, render_env, load_keys

    def keep(self, files: dict[str, bytes]) -> dict[str, str]:
        """Store ``files`` in the cache; their digests."""
        return self.cache.put_site(None, files)

    def component_files(self, component: SiteComponent, render: Callable[[], dict[str, bytes]]) -> dict[str, str]:
        """A component's files from the cache when its incidents are unchanged, else rendered and stored."""
        key = sha256(self.render_env, "component", component.slug, component.group or "\0", component.name,
                     *(f"{record.slug}\0{self.load_keys[record.slug]}" for record in component.incidents))
        files = self.cache.site(key)
        return files if files is not None else self.cache.put_site(key, render())
