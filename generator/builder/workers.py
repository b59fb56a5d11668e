"""Work that runs in pool processes: load and validate incidents (first pass), render their outputs (second pass).

Everything crossing the process boundary is a plain picklable value; template
errors are turned into ``TemplateFailure`` in the worker and raised again in
the parent, so the CLI reports them exactly as in a single-process build.

Two pools, two start methods, chosen deliberately:

* Loading and Markdown/HTML work use ``fork``: the parent has already imported
  pydantic and the models (and, for rendering, Jinja with the templates
  compiled), so a forked worker starts at once with all of it.  The pool is created (and, on Python
  3.11+, all its processes started) before any progress-bar thread exists, and
  its workers are never replaced, so no fork happens while another thread may
  hold a lock.
* PDF work uses ``forkserver`` with recycled workers (``generator.builder.recycling``): WeasyPrint
  grows by ~30 MiB per 100 PDFs in one process, so workers are replaced after a number of PDFs,
  while the build has threads running, which ``fork`` cannot do safely.  The fork server is a
  clean single-threaded process that preloads WeasyPrint once, so each
  replacement starts with WeasyPrint already imported instead of importing it again.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import pickle
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.builder.recycling import RecyclingPool
from generator.errors import Diagnostic
from generator.model.config import SiteConfig
from generator.render.formats import BUILD_FORMATS, RenderSettings, render_document
from generator.render.provenance import FileProvenance

if TYPE_CHECKING:
    from generator.builder.cache import Seal
    from generator.model.incident import Incident

PDF_TASKS_PER_CHILD = 25
# A PDF result awaited this long means a lost task, not a slow PDF (the worst file the caps allow takes well under a
# minute): the build then renders the rest in its own process.  POSTMORTEM_PDF_STALL_SECONDS sets it (tests).
PDF_STALL_SECONDS = 300.0
_PR_SET_PDEATHSIG = 1
CHEAP_FORMATS = tuple(f for f in BUILD_FORMATS if f != "pdf")  # rendered on the fork pool; PDFs have a recycled pool of their own
SITE_PAGE = "site-page"  # the site's permalink page of one incident, rendered and cached like a format
SITE_RECORD = "site-record"  # the incident's pickled ``SiteRecord``, which the site-wide files are assembled from
SITE_FORMATS = (SITE_PAGE, SITE_RECORD)


@dataclass
class Loaded:
    """One source file read and validated by a worker (the first pass: nothing is rendered yet)."""

    source: str
    slug: str | None = None  # set when the incident validated
    visibility: str | None = None
    model: bytes | None = None  # the validated incident, pickled once by the worker that loaded it
    diagnostics: list[Diagnostic] = field(default_factory=list)
    incident: Incident | None = None  # the model itself, when the load ran in this process (never pickled)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "incident": None}


@dataclass(frozen=True)
class RenderJob:
    """Render the wanted ``formats`` of the incident ``model`` (pickled; None: load ``source`` again)."""

    source: str
    model: bytes | None
    formats: tuple[str, ...]
    provenance: FileProvenance | None = None  # what the PDF states it was built from (set for PDF jobs)


@dataclass(frozen=True)
class TemplateFailure:
    """A Jinja error, flattened so it can cross the process boundary."""

    message: str
    syntax: bool = False
    lineno: int | None = None
    name: str | None = None
    filename: str | None = None

    def exception(self) -> Exception:
        """The Jinja exception again, in the parent process."""
        from jinja2 import TemplateError, TemplateSyntaxError

        if self.syntax:
            return TemplateSyntaxError(self.message, self.lineno or 0, self.name, self.filename)
        return TemplateError(self.message)


@dataclass
class Rendered:
    """The bytes of each rendered format, or the template failure that stopped the job."""

    outputs: dict[str, bytes] = field(default_factory=dict)
    failure: TemplateFailure | None = None
    problems: list[Diagnostic] = field(default_factory=list)  # the file had to be read again and no longer validates


def wanted_formats(visibility: str, formats: tuple[str, ...], internal: bool) -> tuple[str, ...]:
    """Public builds skip internal incidents; internal builds give them no HTML status post."""
    if visibility != "public":
        return tuple(f for f in formats if f != "html") if internal else ()
    return formats


def prepare(settings: RenderSettings, formats: tuple[str, ...], bytecode_cache: Any = None) -> None:
    """Create the Jinja environments and compile the templates once, with this build's (sealed) bytecode cache.

    Called in the parent once every input is valid, before forking (so workers
    inherit compiled templates), and in a process that renders without a pool.
    """
    from generator.render.environment import make_environment

    wanted = {"md": [(True, "postmortem.md")], "html": [(False, "status_post.html"), (False, "partials/updates.html")],
              "pdf": [(False, "report.html"), (False, "report.css"), (False, "partials/timeline_box.html")],
              SITE_PAGE: [(False, "site/incident.html")]}
    for fmt in formats:
        for markdown, name in wanted.get(fmt, []):
            env = make_environment(settings.templates, markdown=markdown)
            env.bytecode_cache = bytecode_cache  # the environment outlives a build (it is cached): this build's, or none
            env.get_template(name)


def render_output(incident: Incident, fmt: str, settings: RenderSettings) -> bytes:
    """One of a build's per-incident outputs: a document format, or the incident's site page or site record."""
    if fmt == SITE_PAGE:  # rendered next to the post, so the two share each Markdown rendering (see ``markdown.MEMO_SIZE``)
        from generator.site import render_incident_page

        return render_incident_page(incident, settings.config, templates=settings.templates, formats=settings.linked)
    if fmt == SITE_RECORD:  # after the page, so its Markdown renderings are memoised already
        from generator.site import public_record

        return pickle.dumps(public_record(incident, settings.config), protocol=5)
    return render_document(incident, fmt, settings)


def unpickled_model(model: bytes | None) -> Incident | None:
    """A cached model, or None when there is none or it was pickled by other library versions."""
    if model is None:
        return None
    from generator.model.incident import Incident  # unpickling imports it anyway

    try:
        incident = pickle.loads(model)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return incident if isinstance(incident, Incident) else None


def load_source(source: str, config: SiteConfig) -> Loaded:
    """Read and validate one incident file; never raises for bad input."""
    from generator.model.catalog import load_incident

    incident, diagnostics = load_incident(Path(source), config)
    loaded = Loaded(source, diagnostics=diagnostics)
    if incident is not None and not any(d.severity == "error" for d in diagnostics):
        loaded.slug, loaded.visibility, loaded.incident = incident.slug, incident.visibility, incident
        loaded.model = pickle.dumps(incident, protocol=5)
    return loaded


def load_sources(sources: list[str], config: SiteConfig) -> list[Loaded]:
    """``load_source`` for each of ``sources``: one pool task."""
    return [load_source(source, config) for source in sources]


def render_job(job: RenderJob, settings: RenderSettings, incident: Incident | None = None) -> Rendered:
    """Render one valid incident (``incident`` when the caller holds it already); never raises for templates."""
    from jinja2 import TemplateError, TemplateSyntaxError

    if incident is None:
        incident = unpickled_model(job.model)
    rendered = Rendered()
    if incident is None:  # no stored model, or one pickled by other library versions: load the (valid) file again
        loaded = load_source(job.source, settings.config)
        if loaded.incident is None:  # it changed since it was validated
            rendered.problems = loaded.diagnostics
            return rendered
        incident = loaded.incident
    from generator.site.incident import site_wide

    incident = site_wide(incident)
    if job.provenance is not None:
        settings = replace(settings, provenance=job.provenance)
    try:
        for fmt in wanted_formats(incident.visibility, job.formats, settings.internal):
            rendered.outputs[fmt] = render_output(incident, fmt, settings)
    except TemplateSyntaxError as exc:
        rendered.failure = TemplateFailure(exc.message or str(exc), True, exc.lineno, exc.name, exc.filename)
    except TemplateError as exc:
        rendered.failure = TemplateFailure(str(exc))
    return rendered


def render_jobs(jobs: list[RenderJob], settings: RenderSettings) -> list[Rendered]:
    """``render_job`` for each of ``jobs``: one pool task."""
    from generator.builder.tree import pause_for_tests

    pause_for_tests("rendering")
    return [render_job(job, settings) for job in jobs]


def quiet_interrupts() -> None:
    """Pool initializer: Ctrl-C reaches every process of the terminal's group; a worker just ends, without a traceback.

    The parent reports the interruption once (exit 130) and shuts the pools down.
    A worker also ends when the process that started it dies (even by SIGKILL),
    instead of waiting forever on a queue that its siblings keep open.
    """
    signal.signal(signal.SIGINT, lambda *_: os._exit(130))
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: orphans end when their queue is closed
        pass


def cheap_pool(workers: int) -> ProcessPoolExecutor:
    """A fork pool whose processes all start now, before any other thread exists."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"), initializer=quiet_interrupts)
    pool.submit(os.getpid).result()  # Python 3.11+ starts every fork worker on first submit
    return pool


def pdf_pool(workers: int, settings: RenderSettings, bytecode_dir: Path | None, seal: Seal | None) -> RecyclingPool:
    """A forkserver pool of recycled workers that notices a lost one; the server preloads WeasyPrint once."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["generator.render.report", "generator.render.pdf_engine", "generator.render.weasyprint_import"])
    start = functools.partial(start_pdf_worker, settings, bytecode_dir, seal)
    return RecyclingPool(workers, context, PDF_TASKS_PER_CHILD, initializer=start)


def start_pdf_worker(settings: RenderSettings, bytecode_dir: Path | None, seal: Seal | None) -> None:
    """Pool initializer of a PDF worker: quiet interrupts, and the report's templates from the build's sealed store.

    A worker starts from the fork server, which has compiled nothing: without the store each worker (a new one
    every ``PDF_TASKS_PER_CHILD`` PDFs) compiled the report's templates from source, ~130 ms. With it the first
    worker compiles and seals them, and every later one, in this build or the next, loads them.

    Then everything the worker holds so far (WeasyPrint, its fonts, the templates) is frozen out of the garbage
    collector: a render makes many objects, and each full collection it set off walked all of those as well. The
    worker lives for a few dozen PDFs, so what is frozen with it is never a growing leak.
    """
    quiet_interrupts()
    if bytecode_dir is not None and seal is not None:
        from jinja2 import TemplateError

        from generator.builder.template_cache import SealedBytecodeCache

        try:
            prepare(settings, ("pdf",), SealedBytecodeCache(bytecode_dir, seal))
        except (TemplateError, OSError):  # a broken or missing template of the project's: its render reports it, with file and line
            pass
    gc.freeze()
