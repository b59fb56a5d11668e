"""Shared fixtures: the repository's sample incidents and a default site config."""

from __future__ import annotations

import gc
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.load.sources import find_incident_files
from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.incident import Incident
from tests import shared_pdfs
from tests.cli_runner import CLI, postmortem, run_checked

__all__ = ["CLI", "postmortem", "run_checked"]  # the one way tests run the command

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
INCIDENTS = ROOT / "incidents"
SEED_IDS = ["2021-09-13-campaign-reports", "2022-04-13-contact-imports-open-tracking-images"]
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"

# Every command runs the tree under test (tests/cli_runner.py): forked from this process, or `python -m generator`
# with this checkout first on the import path, never whatever `postmortem` is first on PATH.
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
# The site's "now" is the latest moment in the data unless SOURCE_DATE_EPOCH says otherwise (generator.site.status);
# a build environment that exports it must not move the golden files. Tests that want it set it themselves.
os.environ.pop("SOURCE_DATE_EPOCH", None)
# A shell starts a background job (`pytest &`, nohup) with Ctrl-C ignored, and every process a test starts would
# inherit that: the Ctrl-C tests would then see a command that cannot be interrupted.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def assert_matches_golden(golden: Path, actual: str | bytes) -> None:
    """Compare ``actual`` with the golden file; ``UPDATE_GOLDEN=1`` rewrites it instead (then review ``git diff tests/golden``).

    The one command that refreshes every golden file: ``UPDATE_GOLDEN=1 python -m pytest -q -m golden``.
    """
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    if UPDATE_GOLDEN:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(data)
    assert golden.exists(), f"missing golden file {golden}; run UPDATE_GOLDEN=1 python -m pytest -q -m golden"
    assert data.decode("utf-8") == golden.read_text("utf-8"), f"{golden.name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def load_sample(incident_id: str, config: SiteConfig | None = None) -> Incident:
    incident, diagnostics = load_incident(INCIDENTS / f"{incident_id}.yaml", config or SiteConfig())
    assert incident is not None, [d.format() for d in diagnostics]
    return incident


def sample_ids() -> list[str]:
    return [path.stem for path in find_incident_files(INCIDENTS)]


@pytest.fixture
def config() -> SiteConfig:
    return SiteConfig()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared_pdfs: PDF renders of the same inputs are shared between tests (tests/shared_pdfs.py)")


# The modules that keep a worker longest, longest first (wall time on a worker, measured 2026-12-01). scripts/test
# hands whole modules to the xdist workers (--dist loadfile) in collection order (--no-loadscope-reorder; xdist would otherwise start with
# the modules that have the most tests, and end on a long module with few tests while the other worker idles).
# Starting with the long ones lets the many short ones fill in at the end. Only the order changes; a module that is
# renamed or missing here just runs later.
LONGEST_FIRST = ["test_build", "test_write_atomic", "test_report", "test_site_browser", "test_fidelity_model",
                 "test_branding_locale", "test_pdf_engine", "test_publish_spare", "test_template_cache", "test_cli",
                 "test_cache_hostile_files", "test_cache_untrusted", "test_incident_provenance", "test_pdf_report",
                 "test_serve", "test_markdown_safety", "test_validation", "test_interrupt", "test_work_caps",
                 "test_files_care", "test_build_incremental", "test_weasyprint_import", "test_serve_security",
                 "test_markdown_document", "test_visibility", "test_build_never_crashes", "test_build_site_records",
                 "test_recycling_pool", "test_shared_fonts", "test_site"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: number for number, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: every module keeps its own order


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep what collection imported out of every later garbage collection (tests/cli_runner.py does so after its set-up).

    The full collections that object churn sets off walk the whole heap: the test modules, the package, WeasyPrint.
    Frozen, those objects are never walked again: 17 s of the suite's 220 s of CPU went to the collector.
    The tests then collect the young generation every 10,000 allocations, not 700: the collector took 7.6 s of
    the workers' CPU in a run, 4.5 s so. A forked command goes back to the interpreter's own thresholds.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, *gc.get_threshold()[1:])


@pytest.fixture(scope="session", autouse=True)
def _shared_pdf_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One folder of shared PDF renders for the whole run: beside the xdist workers' own folders when there are workers."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    shared_pdfs.install(root / "shared-pdfs")


@pytest.fixture(autouse=True)
def _share_pdfs_when_marked(request: pytest.FixtureRequest) -> Iterator[None]:
    marker = request.node.get_closest_marker("shared_pdfs")  # shared_pdfs(False) on a test opts out of its module's mark
    with shared_pdfs.sharing(marker is not None and (not marker.args or bool(marker.args[0]))):
        yield


@pytest.fixture(scope="session")
def _working_folders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cwd")


@pytest.fixture(autouse=True)
def _run_in_a_temporary_folder(_working_folders: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test, and every process it starts without a cwd, runs in a fresh folder, never in the checkout.

    Not ``tmp_path_factory.mktemp`` for each test: it lists the whole base folder to find the next free number,
    so a worker's n tests cost n²/2 file names read (~2 ms a test by the end, ~3 s of CPU a suite run).
    """
    folder = Path(tempfile.mkdtemp(dir=_working_folders))
    monkeypatch.chdir(folder)


def _kernel_signal_state() -> str:
    with open("/proc/self/status") as status:
        return " ".join(line.strip() for line in status if line.startswith(("SigBlk", "SigIgn")))


@pytest.fixture(autouse=True)
def _signal_handlers_stay_as_they_were() -> Iterator[None]:
    """A test must not leave SIGINT or SIGTERM handled differently: real child processes inherit an ignored signal."""
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    kernel = _kernel_signal_state()
    yield
    changed = [signal.Signals(number).name for number, handler in before.items() if signal.getsignal(number) != handler]
    if _kernel_signal_state() != kernel:
        changed.append(f"the kernel's ignored/blocked sets ({kernel} -> {_kernel_signal_state()})")
    for number, handler in before.items():
        signal.signal(number, handler)
    assert not changed, f"the test left {', '.join(changed)} handled differently"
