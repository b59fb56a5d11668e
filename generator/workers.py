"""Work that runs in pool processes: load and validate an incident, render its formats.

Everything crossing the process boundary is a plain picklable value; template
errors are turned into ``TemplateFailure`` in the worker and raised again in
the parent, so the CLI reports them exactly as in a single-process build.

Two pools, two start methods, chosen deliberately:

* Markdown/HTML work uses ``fork``: the parent has already imported pydantic,
  the models and Jinja and compiled the templates, so a forked worker starts in
  about a millisecond with all of it.  The pool is created (and, on Python
  3.11+, all its processes started) before any progress-bar thread exists, and
  its workers are never replaced, so no fork happens while another thread may
  hold a lock.
* PDF work uses ``forkserver`` with recycled workers (``RecyclingPool``): WeasyPrint grows by
  ~30 MiB per 100 PDFs in one process, so workers are recycled, and recycling
  forks a replacement from the pool's handler *thread*, which ``fork``
  cannot do safely (``ProcessPoolExecutor`` even refuses it).  The fork server is a
  clean single-threaded process that preloads WeasyPrint once, so each
  replacement starts with WeasyPrint already imported instead of paying ~0.6 s.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config import SiteConfig
from generator.errors import Diagnostic
from generator.model.incident import Incident

PDF_TASKS_PER_CHILD = 25
_PR_SET_PDEATHSIG = 1
CHEAP_FORMATS = ("md", "html")
SITE_PAGE = "page"  # the site's permalink page of one incident, rendered and cached like a format
SITE_RECORD = "record"  # the incident's pickled ``SiteRecord``, which the site-wide files are assembled from
SITE_FORMATS = (SITE_PAGE, SITE_RECORD)


@dataclass(frozen=True)
class RenderSettings:
    """What every render needs besides the incident; small and picklable."""

    config: SiteConfig
    internal: bool = False
    templates: Path | None = None
    bytecode_dir: Path | None = None
    formats: tuple[str, ...] = ("md", "html", "pdf")  # the build's per-incident files, which site pages link to
    in_site: bool = False  # a build: the post sits beside the site's index.html and feeds, and links back to them


@dataclass(frozen=True)
class Job:
    """Load ``source`` (when ``model`` is None) and render the wanted ``formats``.

    ``model`` is the validated incident pickled once, by the worker that loaded
    it: the parent stores and forwards those bytes without unpickling them.
    """

    source: str
    model: bytes | None
    formats: tuple[str, ...]


@dataclass(frozen=True)
class TemplateFailure:
    """A Jinja error, flattened so it can cross the process boundary."""

    message: str
    syntax: bool = False
    lineno: int | None = None
    name: str | None = None
    filename: str | None = None

    def exception(self) -> Exception:
        from jinja2 import TemplateError, TemplateSyntaxError

        if self.syntax:
            return TemplateSyntaxError(self.message, self.lineno or 0, self.name, self.filename)
        return TemplateError(self.message)


@dataclass
class JobResult:
    source: str
    slug: str | None = None  # set when the incident loaded and validated
    visibility: str | None = None
    model: bytes | None = None  # the pickled incident, when this job loaded it
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outputs: dict[str, bytes] = field(default_factory=dict)
    failure: TemplateFailure | None = None


def wanted_formats(visibility: str, formats: tuple[str, ...], internal: bool) -> tuple[str, ...]:
    """Public builds skip internal incidents; internal builds give them no HTML status post."""
    if visibility != "public":
        return tuple(f for f in formats if f != "html") if internal else ()
    return formats


def prepare(settings: RenderSettings, formats: tuple[str, ...]) -> None:
    """Create the Jinja environments and compile the templates once, with the bytecode cache.

    Called in the parent before forking (so workers inherit compiled templates)
    and in a process that renders without a pool.
    """
    from generator.render.environment import make_environment

    wanted = {"md": [(True, "postmortem.md")], "html": [(False, "status_post.html"), (False, "partials/updates.html")],
              "pdf": [(False, "report.html")], SITE_PAGE: [(False, "site/incident.html")]}
    for fmt in formats:
        for markdown, name in wanted.get(fmt, []):
            env = make_environment(settings.templates, markdown=markdown)
            if settings.bytecode_dir is not None and env.bytecode_cache is None:
                from jinja2 import FileSystemBytecodeCache

                settings.bytecode_dir.mkdir(parents=True, exist_ok=True)
                env.bytecode_cache = FileSystemBytecodeCache(str(settings.bytecode_dir))
            env.get_template(name)


def render_one(incident: Incident, fmt: str, settings: RenderSettings) -> bytes:
    config, internal, templates = settings.config, settings.internal, settings.templates
    if fmt == "md":
        from generator.render.md import render_markdown

        return render_markdown(incident, config, internal=internal, templates=templates).encode()
    if fmt == "html":
        from generator.render.html import render_status_post

        return render_status_post(incident, config, templates=templates, site_links=settings.in_site).encode()
    if fmt == "pdf":
        from generator.render.pdf import render_pdf

        return render_pdf(incident, config, internal=internal, templates=templates)
    if fmt == SITE_PAGE:  # rendered next to the post, so the two share each Markdown rendering (see ``markdown.MEMO_SIZE``)
        from generator.site import render_incident_page

        return render_incident_page(incident, config, templates=templates, formats=settings.formats)
    if fmt == SITE_RECORD:  # after the page, so its Markdown renderings are memoised already
        from generator.site import public_record

        return pickle.dumps(public_record(incident, config), protocol=5)
    if fmt == "txt":  # plain-text post for e-mail and status tools (public view only)
        from generator.render.text import render_text

        return render_text(incident, config).encode()
    raise ValueError(f"unknown format {fmt!r}")


def unpickled_model(model: bytes | None) -> Incident | None:
    """A cached model, or None when there is none or it was pickled by other library versions."""
    if model is None:
        return None
    try:
        incident = pickle.loads(model)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return incident if isinstance(incident, Incident) else None


def run_job(job: Job, settings: RenderSettings) -> JobResult:
    """Load (if needed) and render one incident; never raises for bad input or templates."""
    from jinja2 import TemplateError, TemplateSyntaxError

    diagnostics: list[Diagnostic] = []
    incident = unpickled_model(job.model)
    if incident is None:
        from generator.model.catalog import load_incident

        incident, diagnostics = load_incident(Path(job.source), settings.config)
    result = JobResult(job.source, diagnostics=diagnostics)
    if incident is None or any(d.severity == "error" for d in diagnostics):
        return result
    result.slug, result.visibility = incident.slug, incident.visibility
    if job.model is None:
        result.model = pickle.dumps(incident, protocol=5)
    from generator.site.incident import site_wide

    incident = site_wide(incident)
    try:
        for fmt in wanted_formats(incident.visibility, job.formats, settings.internal):
            result.outputs[fmt] = render_one(incident, fmt, settings)
    except TemplateSyntaxError as exc:
        result.failure = TemplateFailure(exc.message or str(exc), True, exc.lineno, exc.name, exc.filename)
    except TemplateError as exc:
        result.failure = TemplateFailure(str(exc))
    return result


def run_jobs(jobs: list[Job], settings: RenderSettings) -> list[JobResult]:
    from generator.write.tree import pause_for_tests

    pause_for_tests("rendering")
    return [run_job(job, settings) for job in jobs]


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


class RecyclingPool:
    """``multiprocessing.Pool`` with ``maxtasksperchild``, behind the small part of the executor API we use.

    Not ``ProcessPoolExecutor(max_tasks_per_child=...)``: on Python 3.11 it
    hangs once a worker retires (the replacement is skipped while the idle
    semaphore still counts finished tasks; CPython gh-115634), which with
    ``--jobs 1`` happens after the first 25 PDFs.
    """

    def __init__(self, workers: int, context: Any, tasks_per_child: int):
        self.pool = context.Pool(processes=workers, maxtasksperchild=tasks_per_child, initializer=quiet_interrupts)

    def submit(self, function: Callable[..., Any], *args: Any) -> Any:
        """An ``AsyncResult``; like a future, ``.get()`` returns the value or raises the worker's exception."""
        return _AsyncFuture(self.pool.apply_async(function, args))

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        if cancel_futures:
            self.pool.terminate()
        else:
            self.pool.close()
        if wait:
            self.pool.join()


class _AsyncFuture:
    def __init__(self, result: Any):
        self._result = result

    def result(self) -> Any:
        return self._result.get()


def pdf_pool(workers: int) -> RecyclingPool:
    """A forkserver pool of recycled workers; the server preloads WeasyPrint once."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["generator.render.pdf", "generator.render.pdf_engine", "weasyprint"])
    return RecyclingPool(workers, context, PDF_TASKS_PER_CHILD)
