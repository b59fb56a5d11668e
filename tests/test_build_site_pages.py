"""The build caches each incident's site page on its own and gives the same site as ``render_site``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import generator.site.pages
from generator.builder.options import BuildOptions
from generator.builder.orchestrator import build
from generator.model.catalog import load_incidents
from generator.model.config import SiteConfig
from generator.site import render_site
from tests.conftest import INCIDENTS, SEED_IDS

CONFIG = SiteConfig(company="Dotdigital", zone="Europe/London")


def project(folder: Path) -> list[Path]:
    (folder / "incidents").mkdir(parents=True)
    for incident_id in SEED_IDS:
        shutil.copy(INCIDENTS / f"{incident_id}.yaml", folder / "incidents")
    return sorted((folder / "incidents").glob("*.yaml"))


@pytest.fixture
def page_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Slugs of the incident pages rendered in this process."""
    rendered: list[str] = []
    original = generator.site.pages.render_incident_page

    def spy(item: Any, *args: Any) -> bytes:
        rendered.append(item.slug)
        return original(item, *args)

    monkeypatch.setattr(generator.site.pages, "render_incident_page", spy)
    return rendered


def options(folder: Path, formats: tuple[str, ...] = ("md", "html")) -> BuildOptions:
    return BuildOptions(config=CONFIG, out_dir=folder / "output", formats=formats, cache_dir=folder / "cache", jobs=1)


@pytest.mark.parametrize("formats", [("md", "html"), ("html",)])
def test_built_site_equals_render_site_with_the_builds_formats(tmp_path: Path, formats: tuple[str, ...]) -> None:
    sources = project(tmp_path)
    build(sources, options(tmp_path, formats))
    loaded, _ = load_incidents(sources, CONFIG)
    expected = render_site([item.incident for item in loaded], CONFIG, formats=formats)
    assert {name: (tmp_path / "output" / name).read_bytes() for name in expected} == expected
    page = expected[f"incidents/{SEED_IDS[0]}/index.html"].decode()
    assert ".pdf" not in page and (f"{SEED_IDS[0]}.md" in page) == ("md" in formats)


def test_one_changed_incident_re_renders_only_its_own_page(tmp_path: Path, page_renders: list[str]) -> None:
    sources = project(tmp_path)
    build(sources, options(tmp_path))
    assert sorted(page_renders) == sorted(SEED_IDS)
    page_renders.clear()
    build(sources, options(tmp_path))
    assert page_renders == []
    text = sources[0].read_text("utf-8")
    sources[0].write_text(text.replace("title: Issue with Campaign Reports", "title: Issue with campaign reports", 1), "utf-8")
    build(sources, options(tmp_path))
    assert page_renders == [SEED_IDS[0]]
    assert b"Issue with campaign reports" in (tmp_path / "output" / "incidents" / SEED_IDS[0] / "index.html").read_bytes()
    page_renders.clear()
    build(sources, options(tmp_path, ("html",)))
    assert sorted(page_renders) == sorted(SEED_IDS)  # the links to other formats changed


def test_colliding_component_slugs_are_the_same_as_render_site(tmp_path: Path) -> None:
    """``A B`` and ``A-B`` give the same slug, so both pages link to code-suffixed component pages."""
    folder = tmp_path / "incidents"
    folder.mkdir()
    for number, name in enumerate(["A B", "A-B"]):
        (folder / f"2024-01-0{number + 1}-clash.yaml").write_text(
            f"title: Clash {number}\nimpact: minor\nstatus: resolved\nzone: UTC\n"
            f"started_at: 2024-01-0{number + 1}T10:00:00Z\nresolved_at: 2024-01-0{number + 1}T11:00:00Z\n"
            f"components:\n  - name: {name}\nsummary: Something broke.\n", "utf-8")
    sources = sorted(folder.glob("*.yaml"))
    result = build(sources, options(tmp_path))
    assert result.incidents == 2
    loaded, diagnostics = load_incidents(sources, CONFIG)
    assert not [d for d in diagnostics if d.severity == "error"]
    expected = render_site([item.incident for item in loaded], CONFIG, formats=("md", "html"))
    components = sorted(name for name in expected if name.startswith("components/") and name.endswith("index.html"))
    assert len(components) == 2 and all(name.split("/")[1] != "a-b" for name in components)
    output = tmp_path / "output"
    for name, data in expected.items():
        assert (output / name).read_bytes() == data, name
