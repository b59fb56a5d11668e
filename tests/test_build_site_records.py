"""The site's listing files are assembled from cached per-incident records: same bytes as a fresh build, less work.

Each edit below changes what the home page, component pages, feeds or JSON API
say; after each, an incremental build must give exactly the tree a cold build
of the same incidents gives.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import generator.site
from generator.builder.options import BuildOptions
from generator.builder.orchestrator import build
from generator.load.sources import find_incident_files
from generator.model.config import SiteConfig
from tests.conftest import INCIDENTS, SEED_IDS
from tests.test_build_incremental import build as run_build
from tests.test_build_incremental import edit, tree

FIRST, SECOND = SEED_IDS
CHECKOUT = "2023-10-28-checkout-payment-failures"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    (folder / "incidents").mkdir(parents=True)
    for incident_id in (*SEED_IDS, CHECKOUT):  # the three samples the counts below are written for
        shutil.copy(INCIDENTS / f"{incident_id}.yaml", folder / "incidents")
    (folder / "postmortem.yaml").write_text("company: Example Inc.\nbase_url: https://status.example.com/\n", "utf-8")
    return folder


def _rename_component(project: Path) -> None:
    path = project / "incidents" / f"{CHECKOUT}.yaml"
    path.write_text(path.read_text("utf-8").replace("Payments API", "Card payments"), "utf-8")


def _reopen(project: Path) -> None:  # an unresolved incident sets its components' statuses in the API
    edit(project / "incidents" / f"{CHECKOUT}.yaml", "status: postmortem", "status: identified")


def _colliding_component(project: Path) -> None:  # "Checkout (Card-payments)" and "Checkout (Card payments)" share a slug
    edit(project / "incidents" / f"{SECOND}.yaml", "summary: |", "components:\n  - group: Checkout\n    name: Card-payments\nsummary: |")


def _retitle(project: Path) -> None:
    edit(project / "incidents" / f"{FIRST}.yaml", "title: Issue with Campaign Reports", "title: Campaign reports were late")


def _make_internal(project: Path) -> None:
    path = project / "incidents" / f"{CHECKOUT}.yaml"
    path.write_text(path.read_text("utf-8") + "visibility: internal\n", "utf-8")


EDITS: list[Callable[[Path], None]] = [_rename_component, _reopen, _colliding_component, _retitle, _make_internal]


def test_incremental_site_equals_a_cold_build_after_each_edit(project: Path, tmp_path: Path) -> None:
    run_build(project, "--format", "md,html")
    for number, change in enumerate(EDITS):
        change(project)
        run_build(project, "--format", "md,html")
        cold = tmp_path / f"cold-{number}"
        shutil.copytree(project / "incidents", cold / "incidents")
        shutil.copy(project / "postmortem.yaml", cold)
        run_build(cold, "--format", "md,html")
        assert tree(project / "output") == tree(cold / "output"), change.__name__


def test_the_edits_reach_the_listing_files(project: Path) -> None:
    """Guards the test above: each edit must really change the files that list incidents."""
    run_build(project, "--format", "md,html")
    for change in EDITS:
        before = tree(project / "output")
        change(project)
        run_build(project, "--format", "md,html")
        after = tree(project / "output")
        listing = ["index.html", "history.atom", "api/v2/incidents.json"]
        assert any(before.get(name) != after.get(name) for name in listing), change.__name__
    assert b"Card-payments" in after["api/v2/components.json"]
    assert not [name for name, data in after.items() if CHECKOUT.encode() in data]


def test_a_changed_incident_re_renders_only_its_own_components_files(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered: list[str] = []
    original = generator.site.render_component_files

    def counting(component, config, *, templates=None):  # type: ignore[no-untyped-def]
        rendered.append(component.name)
        return original(component, config, templates=templates)

    monkeypatch.setattr(generator.site, "render_component_files", counting)
    options = BuildOptions(config=SiteConfig(company="Example Inc."), out_dir=project / "output", formats=("md", "html"),
                           cache_dir=project / ".postmortem-cache")
    sources = find_incident_files(project / "incidents")
    build(sources, options)
    assert len(rendered) == 5  # three of one incident, two public ones of another, none of the third
    rendered.clear()
    _retitle(project)
    build(sources, options)
    assert sorted(rendered) == ["Asia Pacific - Reporting", "Europe - Reporting", "North America - Reporting"]
    rendered.clear()
    build(sources, options)
    assert rendered == []
