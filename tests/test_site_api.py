"""The static JSON API has the field names and value types of a real status-page v2 export."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from generator.model.config import SiteConfig
from generator.site import render_site
from generator.site.api import escape_json_bytes
from tests.conftest import TESTS
from tests.test_site_support import SEED_CONFIG, canary_incident, internal_incident, seeds, synthetic

FIXTURE = json.loads((TESTS / "fixtures" / "statuspage" / "github-2024-09-16-incidents.json").read_text("utf-8"))
REAL_INCIDENT = FIXTURE["incidents"][0]
REAL_UPDATE = REAL_INCIDENT["incident_updates"][0]
API_FILES = ["api/v2/incidents.json", "api/v2/incidents/unresolved.json", "api/v2/components.json", "api/v2/summary.json"]


def _refuse_constant(name: str) -> None:
    raise AssertionError(f"{name} in JSON")


def _load(files: dict[str, bytes], path: str) -> Any:
    return json.loads(files[path], parse_constant=_refuse_constant)


def _same_types(ours: dict[str, Any], real: dict[str, Any], where: str) -> None:
    """Each value has the real export's JSON type wherever the real value is not null."""
    for key, value in real.items():
        if value is not None and ours[key] is not None:
            assert type(ours[key]) is type(value), f"{where}.{key}: {type(ours[key]).__name__} vs {type(value).__name__}"


def _timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


def _open_incident() -> Any:
    start = datetime(2024, 9, 16, 21, 31, tzinfo=UTC)
    return synthetic("still-open", start, status="monitoring", impact="critical", resolved_at=None, updates=[
        {"status": "investigating", "posted_at": start + timedelta(minutes=1), "body": "Looking.",
         "components": [{"component": "API", "old_status": "operational", "new_status": "major_outage"}]},
        {"status": "monitoring", "posted_at": start + timedelta(minutes=20), "body": "Fix deployed.",
         "components": [{"component": "API", "old_status": "major_outage", "new_status": "degraded_performance"}]},
    ])


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return render_site([*seeds(), canary_incident(), internal_incident(), _open_incident()], SEED_CONFIG)


def test_incidents_json_has_the_real_exports_field_names_and_types(files: dict[str, bytes]) -> None:
    data = _load(files, "api/v2/incidents.json")
    assert set(data) == set(FIXTURE)
    assert set(data["page"]) == set(FIXTURE["page"])
    _same_types(data["page"], FIXTURE["page"], "page")
    assert data["incidents"]
    for incident in data["incidents"]:
        assert set(incident) == set(REAL_INCIDENT) | {"imported_shortlink"}  # the imported original's short link, kept apart
        _same_types(incident, REAL_INCIDENT, "incident")
        for update in incident["incident_updates"]:
            assert set(update) == set(REAL_UPDATE)
            _same_types(update, REAL_UPDATE, "update")
            for transition in update["affected_components"] or []:
                assert set(transition) == set(REAL_UPDATE["affected_components"][0])
        for component in incident["components"]:
            assert set(component) == set(REAL_INCIDENT["components"][0])
            _same_types(component, REAL_INCIDENT["components"][0], "component")


def test_every_api_file_has_sorted_keys_no_nan_and_offset_timestamps(files: dict[str, bytes]) -> None:
    for path in API_FILES:
        data = _load(files, path)
        plain = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        assert files[path] == escape_json_bytes(plain)  # <, > and & as \u escapes: no tag even if sniffed as HTML
        assert b"<" not in files[path] and b">" not in files[path]
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key, value in node.items():
                    if key.endswith("_at") and value is not None:
                        _timestamp(value)
                    stack.append(value)
            elif isinstance(node, list):
                stack.extend(node)


def test_incident_values_come_from_the_public_view(files: dict[str, bytes]) -> None:
    incidents = {i["id"]: i for i in _load(files, "api/v2/incidents.json")["incidents"]}
    assert next(iter(incidents)) == "still-open"  # newest first
    assert "internal-only-incident" not in incidents
    campaign = incidents["2021-09-13-campaign-reports"]
    assert campaign["name"] == "Issue with Campaign Reports" and campaign["impact"] == "minor" and campaign["status"] == "postmortem"
    assert campaign["created_at"] == "2021-09-13T15:53:00.000Z" and campaign["updated_at"] == "2021-09-15T12:48:00.000Z"
    # The API's resolved_at is the Resolved post (the status change), not the end of the long impact tail the postmortem describes.
    assert campaign["started_at"] == "2021-09-13T13:36:00.000Z" and campaign["resolved_at"] == "2021-09-13T16:46:00.000Z"
    # The "Update" post changed nothing: it carries the status in force, as Statuspage's API has no "update" status.
    assert [u["status"] for u in campaign["incident_updates"]] == ["postmortem", "resolved", "investigating", "investigating"]
    assert campaign["incident_updates"][1]["body"].startswith("<p>We’re satisfied our initial fix")  # sanitised HTML
    assert {c["name"] for c in campaign["components"]} == {"North America - Reporting", "Asia Pacific - Reporting", "Europe - Reporting"}
    canary = incidents["canary-incident"]
    assert [u["status"] for u in canary["incident_updates"]] == ["postmortem", "resolved", "investigating"]  # internal update dropped
    assert canary["incident_updates"][1]["affected_components"] == [
        {"code": canary["components"][0]["id"], "name": "Web", "old_status": None, "new_status": "operational"},
    ]
    still_open = incidents["still-open"]
    assert still_open["monitoring_at"] == "2024-09-16T21:51:00.000Z" and still_open["resolved_at"] is None


def test_update_and_component_ids_are_stable_across_builds() -> None:
    first = json.loads(render_site(seeds(), SEED_CONFIG)["api/v2/incidents.json"])
    more = render_site([*seeds(), synthetic("another", datetime(2025, 1, 1, tzinfo=UTC))], SEED_CONFIG)
    second = {i["id"]: i for i in json.loads(more["api/v2/incidents.json"])["incidents"]}
    for incident in first["incidents"]:
        assert [u["id"] for u in incident["incident_updates"]] == [u["id"] for u in second[incident["id"]]["incident_updates"]]
        assert [c["id"] for c in incident["components"]] == [c["id"] for c in second[incident["id"]]["components"]]


def test_incidents_json_lists_all_incidents_not_only_fifty() -> None:
    start = datetime(2020, 1, 1, tzinfo=UTC)
    many = [synthetic(f"bulk-{n:03d}", start + timedelta(days=n)) for n in range(60)]
    data = json.loads(render_site(many, SEED_CONFIG)["api/v2/incidents.json"])
    assert [i["id"] for i in data["incidents"]] == [f"bulk-{n:03d}" for n in reversed(range(60))]


def test_unresolved_components_and_summary(files: dict[str, bytes]) -> None:
    unresolved = _load(files, "api/v2/incidents/unresolved.json")
    assert [i["id"] for i in unresolved["incidents"]] == ["still-open"]
    components = _load(files, "api/v2/components.json")["components"]
    by_name = {c["name"]: c for c in components if not c["group"]}
    assert by_name["API"]["status"] == "degraded_performance"  # last transition of an open incident
    assert by_name["Europe - Reporting"]["status"] == "operational"  # its incident is resolved
    group = next(c for c in components if c["group"] and c["name"] == "Europe - Dotdigital R1")
    assert group["components"] == [by_name["Europe - Reporting"]["id"]] and by_name["Europe - Reporting"]["group_id"] == group["id"]
    summary = _load(files, "api/v2/summary.json")
    assert set(summary) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert summary["status"] == {"indicator": "critical", "description": "Major System Outage"}
    assert [i["id"] for i in summary["incidents"]] == ["still-open"]
    calm = json.loads(render_site(seeds(), SEED_CONFIG)["api/v2/summary.json"])
    assert calm["status"] == {"indicator": "none", "description": "All Systems Operational"}


def test_page_and_shortlink_use_base_url_only_when_set() -> None:
    plain = json.loads(render_site(seeds(), SEED_CONFIG)["api/v2/incidents.json"])
    assert plain["page"]["url"] is None and all(i["shortlink"] is None for i in plain["incidents"])
    based = json.loads(render_site(seeds(), SiteConfig(base_url="https://status.example.com"))["api/v2/incidents.json"])
    assert based["page"]["url"] == "https://status.example.com/"
    assert based["incidents"][0]["shortlink"] == "https://status.example.com/incidents/2022-04-13-contact-imports-open-tracking-images/"


def test_resolved_at_is_the_resolved_post_and_repeats_or_later_updates_do_not_move_it() -> None:
    start = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    updates = [
        {"status": "investigating", "posted_at": start + timedelta(minutes=5), "body": "Looking."},
        {"status": "resolved", "posted_at": start + timedelta(hours=3), "body": "Resolved again."},
        {"status": "resolved", "posted_at": start + timedelta(hours=1), "body": "Resolved."},
    ]
    own = synthetic("own-field", start, resolved_at=start + timedelta(hours=2), updates=updates)
    fallback = synthetic("from-update", start + timedelta(days=1), resolved_at=None,
                         updates=[{**u, "posted_at": u["posted_at"] + timedelta(days=1)} for u in updates])
    incidents = {i["id"]: i for i in json.loads(render_site([own, fallback], SEED_CONFIG)["api/v2/incidents.json"])["incidents"]}
    assert incidents["own-field"]["resolved_at"] == "2024-03-01T11:00:00.000Z"
    assert incidents["from-update"]["resolved_at"] == "2024-03-02T11:00:00.000Z"


def test_update_bodies_are_the_sanitised_html_a_status_page_stores() -> None:
    start = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    body = "We **rolled back** the [deploy](https://example.com/d).\n\nSecond paragraph."
    incident = synthetic("html-bodies", start, updates=[{"status": "resolved", "posted_at": start + timedelta(hours=1), "body": body},
                                                        {"status": "investigating", "posted_at": start, "body": "Looking *now*."}])
    updates = json.loads(render_site([incident], SEED_CONFIG)["api/v2/incidents.json"])["incidents"][0]["incident_updates"]
    assert updates[0]["body"] == ('<p>We <strong>rolled back</strong> the <a rel="nofollow noopener" href="https://example.com/d">deploy</a>.</p>'
                                  "<p>Second paragraph.</p>")
    assert updates[1]["body"] == "Looking <em>now</em>."  # a lone paragraph unwrapped, as real exports store it


def test_an_update_of_unknown_time_carries_the_status_in_force_where_the_site_shows_it(tmp_path: Any) -> None:
    """An "update" posted at an unknown time sorts where it was written (newest first in the file): the API gave it
    the status of the post the site shows after it (found by an attack pass)."""
    from generator.model.catalog import check_incident_text

    text = ("title: Unknown update\nimpact: major\nstatus: monitoring\nzone: UTC\nstarted_at: 2024-03-09T10:00:00Z\nupdates:\n"
            "  - status: update\n    posted_at: unknown\n    body: Still watching.\n"
            "  - status: monitoring\n    posted_at: 2024-03-09T11:00:00Z\n    body: Fix out.\n"
            "  - status: identified\n    posted_at: 2024-03-09T10:30:00Z\n    body: Found it.\n")
    incident, diagnostics = check_incident_text(text, tmp_path / "2024-03-09-unknown-update.yaml", SiteConfig())
    assert incident is not None, diagnostics
    api = json.loads(render_site([incident], SiteConfig())["api/v2/incidents.json"])["incidents"][0]
    assert [(u["status"], u["body"]) for u in api["incident_updates"]] == [
        ("monitoring", "Still watching."), ("monitoring", "Fix out."), ("identified", "Found it.")]
