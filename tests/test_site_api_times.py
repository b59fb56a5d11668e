"""The JSON API's times never contradict each other or the posts (rule in ``generator.site.api.status_times``),
over the sample incidents and every imported status-page fixture."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.load.sources import find_incident_files
from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.incident import Incident
from generator.site import render_site
from tests.conftest import TESTS
from tests.test_site_support import SEED_CONFIG, synthetic

INCIDENTS = TESTS.parent / "incidents"
FIXTURES = sorted((TESTS / "fixtures" / "statuspage").glob("*.json"))
OPEN = {"investigating", "identified", "monitoring", "in_progress", "verifying"}


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _load(folder: Path) -> list[Incident]:
    incidents = []
    for path in find_incident_files(folder):
        incident, diagnostics = load_incident(path, SEED_CONFIG)
        assert incident is not None, diagnostics
        incidents.append(incident)
    return incidents


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Incident]:
    incidents = _load(INCIDENTS)
    for number, export in enumerate(FIXTURES):
        folder = tmp_path_factory.mktemp(f"import{number}")
        result = CliRunner().invoke(main, ["import", "statuspage", str(export), "-o", str(folder)], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        incidents += [i.model_copy(update={"id": f"{number}-{i.id}"}) for i in _load(folder)]
    return incidents


def check_times(document: dict) -> None:
    posts = sorted((_at(u["display_at"]), u["status"]) for u in document["incident_updates"] if u["status"] != "postmortem")
    created, updated = _at(document["created_at"]), _at(document["updated_at"])
    monitoring = _at(document["monitoring_at"]) if document["monitoring_at"] else None
    resolved = _at(document["resolved_at"]) if document["resolved_at"] else None
    assert created <= updated, document["id"]
    if posts:
        assert created == posts[0][0], document["id"]
    if monitoring:
        assert monitoring in [at for at, status in posts if status == "monitoring"], document["id"]
    if resolved:
        assert created <= resolved, document["id"]
        assert monitoring is None or monitoring <= resolved, document["id"]
        assert all(at <= resolved for at, status in posts if status in OPEN), document["id"]
        final = [at for at, status in posts if status in {"resolved", "completed"} and at >= resolved]
        if any(status in {"resolved", "completed"} for _at_, status in posts):
            assert final and final[0] == resolved, document["id"]  # the Resolved post itself


def test_api_times_agree_over_samples_and_imports(corpus: list[Incident]) -> None:
    assert len(corpus) >= 10
    documents = json.loads(render_site(corpus, SiteConfig(zone="UTC"))["api/v2/incidents.json"])["incidents"]
    assert len(documents) >= 10
    for document in documents:
        check_times(document)


def test_the_contradictions_from_the_report_cannot_happen() -> None:
    start = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    at = start.__add__
    incident = synthetic("contradictions", start, status="postmortem", resolved_at=at(timedelta(minutes=30)), updates=[
        {"status": "postmortem", "posted_at": at(timedelta(days=9)), "body": "Postmortem."},  # not a status change
        {"status": "resolved", "posted_at": at(timedelta(hours=2)), "body": "Resolved."},
        {"status": "resolved", "posted_at": at(timedelta(hours=2, minutes=5)), "body": "Resolved (repeated)."},
        {"status": "update", "posted_at": at(timedelta(hours=3)), "body": "More detail."},  # not a reopening
        {"status": "monitoring", "posted_at": at(timedelta(hours=1)), "body": "Fix in place."},
        {"status": "investigating", "posted_at": at(timedelta(minutes=10)), "body": "Looking."},
    ])
    document = json.loads(render_site([incident], SEED_CONFIG)["api/v2/incidents.json"])["incidents"][0]
    check_times(document)
    assert document["created_at"] == "2024-03-01T10:10:00.000Z"
    assert document["monitoring_at"] == "2024-03-01T11:00:00.000Z"
    assert document["resolved_at"] == "2024-03-01T12:00:00.000Z"
    assert document["updated_at"] == "2024-03-10T10:00:00.000Z"


def test_without_a_resolved_post_resolved_at_follows_the_last_status_post() -> None:
    start = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    incident = synthetic("no-resolved-post", start, status="resolved", resolved_at=start + timedelta(minutes=30), updates=[
        {"status": "postmortem", "posted_at": start - timedelta(days=1) + timedelta(days=10), "body": "Postmortem."},
        {"status": "monitoring", "posted_at": start + timedelta(hours=1), "body": "Watching."},
    ])
    document = json.loads(render_site([incident], SEED_CONFIG)["api/v2/incidents.json"])["incidents"][0]
    check_times(document)
    assert document["resolved_at"] == "2024-03-01T11:00:00.000Z" and document["created_at"] == "2024-03-01T11:00:00.000Z"
    only_postmortem = synthetic("only-postmortem", start, resolved_at=start + timedelta(hours=1), updates=[
        {"status": "postmortem", "posted_at": start + timedelta(days=9), "body": "Postmortem."}])
    document = json.loads(render_site([only_postmortem], SEED_CONFIG)["api/v2/incidents.json"])["incidents"][0]
    assert document["created_at"] == "2024-03-01T10:00:00.000Z" and document["resolved_at"] == "2024-03-01T11:00:00.000Z"
