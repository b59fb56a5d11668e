"""The static site's pages: goldens, relative links, accessibility basics, privacy and determinism.

Refresh every golden file after an intended change:  UPDATE_GOLDEN=1 python -m pytest -q -m golden
then review the diff of tests/golden/site/ before committing.
"""

from __future__ import annotations

import json
import posixpath
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from generator.i18n import LOCALES
from generator.model.config import SiteConfig
from generator.model.incident import Incident, StrictModel
from generator.model.visibility import is_public_field
from generator.render.status_post import render_status_post
from generator.site import render_site
from tests.conftest import SEED_IDS, TESTS, assert_matches_golden
from tests.test_site_support import CANARY, SEED_CONFIG, canary_incident, internal_incident, scan, seeds, synthetic

GOLDEN = TESTS / "golden" / "site"
BASE = SiteConfig(company="Dotdigital", zone="Europe/London", base_url="https://status.example.com/history")


def _core_outputs(files: dict[str, bytes], formats: tuple[str, ...] = ("md", "pdf", "html")) -> set[str]:
    """The per-incident files the core build writes next to the site (the site links to them)."""
    slugs = {path.split("/")[1] for path in files if path.startswith("incidents/")}
    return {f"{slug}.{ext}" for slug in slugs for ext in formats}


def _all_incidents() -> list[Incident]:
    start = datetime(2024, 2, 28, 23, 30, tzinfo=UTC)
    return [*seeds(), *[synthetic(f"synthetic-{n}", start + timedelta(days=9 * n)) for n in range(4)], canary_incident(), internal_incident()]


# --- goldens -----------------------------------------------------------------

@pytest.mark.golden
@pytest.mark.parametrize("path", ["index.html", f"incidents/{SEED_IDS[1]}/index.html"])
def test_page_matches_golden_file(path: str) -> None:
    actual = render_site(seeds(), SEED_CONFIG)[path]
    golden = GOLDEN / ("index.html" if path == "index.html" else "incident.html")
    assert_matches_golden(golden, actual)


# --- the files and what they say --------------------------------------------

def test_site_has_every_expected_file() -> None:
    files = render_site(seeds(), BASE)
    expected = {
        "index.html", "404.html", "history.atom", "history.rss", "sitemap.xml",
        "api/v2/incidents.json", "api/v2/incidents/unresolved.json", "api/v2/components.json", "api/v2/summary.json",
        *[f"incidents/{slug}/index.html" for slug in SEED_IDS],
        "components/europe-dotdigital-r1-europe-reporting/index.html",
        "components/europe-dotdigital-r1-europe-reporting/history.atom",
    }
    assert expected <= set(files)
    assert len([p for p in files if p.startswith("components/") and p.endswith("index.html")]) == 3


def test_home_page_is_newest_first_grouped_by_month_with_range_duration_and_first_sentence() -> None:
    html = render_site(seeds(), SEED_CONFIG)["index.html"].decode()
    assert html.index("April 2022") < html.index("September 2021")
    assert html.index("Contact imports, email open tracking") < html.index("Issue with Campaign Reports")
    assert "Sep 13, 2021 - 14:36 – Sep 14, 2021 - 18:21 BST" in html
    assert "1d 3h 45m" in html and "2h 48m" in html
    assert "On Monday 13th September 2021, we experienced an issue with campaign reports" in html
    assert "This issue only affected email campaigns" not in html  # only the first sentence
    assert 'class="entry impact-minor"' in html


def test_incident_page_has_post_content_formats_and_metadata() -> None:
    files = render_site(seeds(), BASE)
    html = files[f"incidents/{SEED_IDS[0]}/index.html"].decode()
    assert 'Posted <time datetime="2021-09-13T16:53:00+01:00">Sep 13, 2021 - 16:53 BST</time>' in html
    post = render_status_post(seeds()[0], BASE)
    assert re.findall(r'<p class="posted">.*?</p>', html) == re.findall(r'<p class="posted">.*?</p>', post)  # agrees with the post
    assert "We reverted the problem code at 16:07 UTC" in html  # postmortem partial
    assert f'href="../../{SEED_IDS[0]}.md"' in html and f'href="../../{SEED_IDS[0]}.pdf"' in html
    without_pdf = render_site(seeds(), BASE, formats=("md", "html"))[f"incidents/{SEED_IDS[0]}/index.html"].decode()
    assert f'href="../../{SEED_IDS[0]}.md"' in without_pdf and ".pdf" not in without_pdf
    page = scan(files[f"incidents/{SEED_IDS[0]}/index.html"])
    permalink = f"https://status.example.com/history/incidents/{SEED_IDS[0]}/"
    assert f'<link rel="canonical" href="{permalink}">' in html
    assert page.meta["og:url"] == permalink and page.meta["og:title"] == "Issue with Campaign Reports"
    assert page.meta["og:type"] == "article"
    assert page.meta["description"].startswith("On Monday 13th September 2021")


def test_without_base_url_no_absolute_self_links_and_no_sitemap() -> None:
    files = render_site(seeds(), SEED_CONFIG)
    assert "sitemap.xml" not in files
    for path, body in files.items():
        if path.endswith(".html"):
            page = scan(body)
            assert not any(link.startswith(("http://", "https://")) and "example.com" in link for link in page.links), path
            assert 'rel="canonical"' not in body.decode() and "og:url" not in page.meta


def test_component_pages_list_exactly_their_incidents() -> None:
    start = datetime(2024, 1, 10, 8, 0, tzinfo=UTC)
    only_db = synthetic("db-only", start, components=[{"name": "Database", "group": "Core"}], updates=[])
    both = synthetic("db-and-api", start + timedelta(days=1), components=[{"name": "Database", "group": "Core"}, {"name": "API"}])
    files = render_site([only_db, both], SEED_CONFIG)
    db = files["components/core-database/index.html"].decode()
    api = files["components/api/index.html"].decode()
    assert "incidents/db-only/index.html" in db and "incidents/db-and-api/index.html" in db
    assert "incidents/db-only/index.html" not in api and "incidents/db-and-api/index.html" in api
    assert "<h1>Core (Database)</h1>" in db


def test_component_slugs_that_collide_stay_distinct_and_stable() -> None:
    start = datetime(2024, 1, 10, 8, 0, tzinfo=UTC)
    incident = synthetic("collide", start, components=[{"name": "A/B"}, {"name": "A B"}, {"name": "Zürich"}, {"name": "日本"}], updates=[])
    paths = sorted(p for p in render_site([incident], SEED_CONFIG) if p.startswith("components/") and p.endswith("index.html"))
    slugs = [p.split("/")[1] for p in paths]
    assert len(set(slugs)) == 4
    assert "zurich" in slugs and "ri-ben" in slugs
    assert sum(s.startswith("a-b-") for s in slugs) == 2


def test_interface_strings_exist_in_every_locale_and_are_used() -> None:
    assert all(set(LOCALES[locale]["site"]) == set(LOCALES["en"]["site"]) for locale in LOCALES)
    assert all(len(LOCALES[locale]["site"]["month_names"]) == 12 for locale in LOCALES)
    german = render_site(seeds(SiteConfig(locale="de", zone="Europe/London")), SiteConfig(locale="de", zone="Europe/London"))
    html = german["index.html"].decode()
    assert '<html lang="de">' in html and "Störungsverlauf" in html and "September 2021" in html and "April 2022" in html
    french = render_site(seeds(), SiteConfig(locale="fr", zone="Europe/London"))["index.html"].decode()
    assert "septembre 2021" in french and "Historique des incidents" in french


def test_user_templates_override_site_templates(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "404.html").write_text('{% extends "builtin/site/404.html" %}{% block main %}<h1>Custom 404</h1>{% endblock %}')
    files = render_site(seeds(), SEED_CONFIG, templates=tmp_path)
    assert "<h1>Custom 404</h1>" in files["404.html"].decode()
    assert "Custom 404" not in files["index.html"].decode()


def test_empty_collection_still_gives_a_working_site() -> None:
    files = render_site([internal_incident()], SEED_CONFIG)
    assert "No incidents reported." in files["index.html"].decode()
    assert json.loads(files["api/v2/incidents.json"])["incidents"] == []
    assert b"<updated>1970-01-01T00:00:00+00:00</updated>" in files["history.atom"]


def test_duplicate_ids_are_refused() -> None:
    start = datetime(2024, 1, 10, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="share the id"):
        render_site([synthetic("same", start), synthetic("same", start + timedelta(days=1))], SEED_CONFIG)


# --- links and accessibility -------------------------------------------------

@pytest.mark.parametrize("formats", [("md", "html", "pdf"), ("md", "html"), ("html",)], ids=["all-formats", "no-pdf", "html-only"])
@pytest.mark.parametrize("config", [SEED_CONFIG, BASE], ids=["no-base-url", "base-url"])
def test_every_internal_link_resolves_to_a_file_of_the_site(config: SiteConfig, formats: tuple[str, ...]) -> None:
    files = render_site(_all_incidents(), config, formats=formats)
    known = set(files) | _core_outputs(files, formats)
    checked = 0
    for path, body in files.items():
        if not path.endswith(".html"):
            continue
        page = scan(body)
        for link in page.links:
            if link.startswith("data:image/svg+xml,"):  # the inline favicon
                continue
            if link.startswith(("https://", "http://", "mailto:")):
                if path != "404.html":
                    assert not link.startswith("https://status.example.com"), f"{path}: absolute internal link {link}"
                continue
            assert not link.startswith("/"), f"{path}: root-relative link {link} breaks under a sub-path"
            target, _, fragment = link.partition("#")
            if not target:
                assert fragment in page.ids, f"{path}: dangling fragment {link}"
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            assert resolved in known, f"{path}: {link} -> {resolved} is not a file of the site"
            checked += 1
    assert checked > 50


def test_404_links_work_from_any_depth_when_the_site_has_an_address() -> None:
    page = scan(render_site(seeds(), BASE)["404.html"])
    assert "https://status.example.com/history/index.html" in page.links
    assert all(link.startswith("https://") for link in page.links if not link.startswith(("#", "data:image/svg+xml,")))


def test_pages_have_lang_landmarks_and_ordered_headings() -> None:
    for path, body in render_site(_all_incidents(), BASE).items():
        if not path.endswith(".html"):
            continue
        page = scan(body)
        assert page.html_lang == "en", path
        assert {"main", "header", "footer", "nav", "title"} <= set(page.tags), path
        assert page.headings and page.headings[0] == 1 and page.headings.count(1) == 1, path
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, f"{path}: heading level jumps from h{before} to h{after}"
        assert "viewport" in page.meta and page.meta["description"], path
        assert b"<script" not in body and b"<img" not in body, path  # self-contained: no JS, no fetched resources
        assert b'<link rel="stylesheet"' not in body and b"@import" not in body, path


# --- privacy -----------------------------------------------------------------

def test_canary_covers_every_internal_field_of_the_model() -> None:
    """If someone adds an internal field, this fails until the canary incident fills it too."""
    from generator.model import incident as model

    internal = {(cls.__name__, name) for cls in vars(model).values()
                if isinstance(cls, type) and issubclass(cls, StrictModel) and cls is not StrictModel
                for name in cls.model_fields if not is_public_field(cls, name)}
    covered = {
        ("Incident", "severity"), ("Incident", "internal_notes"), ("Problem", "notes"), ("Problem", "internal"),
        ("ActionItem", "owner"), ("ActionItem", "ticket"), ("ActionItem", "internal"), ("Component", "internal"),
        ("ImpactWindow", "internal"), ("TimelineEntry", "internal"), ("Update", "internal"),
        ("ActionSubItem", "internal"), ("IncidentTimelineEntry", "internal"), ("IncidentTimelineEntry", "links"),
        ("ImpactFigure", "internal"), ("CustomSection", "internal"), ("Person", "internal"), ("DocumentState", "internal"),
    }
    assert internal == covered


def test_internal_values_and_internal_incidents_never_reach_any_site_file() -> None:
    files = render_site(_all_incidents(), BASE)
    for path, body in files.items():
        assert CANARY.encode() not in body, f"internal value leaked into {path}"
        assert b"internal-only-incident" not in body, f"internal incident referenced in {path}"
    assert not any("internal-only-incident" in path for path in files)
    # Positive control: the canary incident's public values do reach the site, so the scan above can see text.
    assert b"Public title of the canary incident" in files["index.html"]
    assert b"Investigating publicly." in files["incidents/canary-incident/index.html"]
    assert b"Public step." in files["incidents/canary-incident/index.html"]


def test_sample_with_internal_entries_leaks_nothing() -> None:
    from tests.conftest import load_sample

    incident = load_sample("2023-10-28-checkout-payment-failures")
    files = render_site([incident], SEED_CONFIG)
    secrets = [incident.severity, incident.internal_notes, *[u.body for u in incident.updates if u.internal]]
    for secret in filter(None, secrets):
        probe = secret.strip().splitlines()[0][:40].encode()
        assert all(probe not in body for body in files.values()), probe


# --- determinism -------------------------------------------------------------

def test_input_order_does_not_change_a_single_byte() -> None:
    incidents = _all_incidents()
    reference = render_site(incidents, BASE)
    for seed in range(3):
        shuffled = list(incidents)
        random.Random(seed).shuffle(shuffled)
        assert render_site(shuffled, BASE) == reference


# The same bytes from other interpreters, zones, hash seeds and clocks: the whole site, built twice by real processes,
# in tests/test_build.py (test_builds_are_byte_identical_across_file_order_time_zone_and_hash_seed).
