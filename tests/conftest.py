"""Shared fixtures: the repository's sample incidents and a default site config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.model.catalog import find_incident_files, load_incident
from generator.model.config import SiteConfig
from generator.model.incident import Incident
from tests.cli_runner import CLI, postmortem

__all__ = ["CLI", "postmortem"]  # the one way tests run the command

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


def load_sample(incident_id: str, config: SiteConfig | None = None) -> Incident:
    incident, diagnostics = load_incident(INCIDENTS / f"{incident_id}.yaml", config or SiteConfig())
    assert incident is not None, [d.format() for d in diagnostics]
    return incident


def sample_ids() -> list[str]:
    return [path.stem for path in find_incident_files(INCIDENTS)]


@pytest.fixture
def config() -> SiteConfig:
    return SiteConfig()


@pytest.fixture(autouse=True)
def _run_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test, and every process it starts without a cwd, runs in a fresh folder, never in the checkout."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
