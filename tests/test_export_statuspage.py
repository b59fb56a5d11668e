"""``postmortem export statuspage``: our incidents as a v2 ``incidents.json``; import → export keeps shared fields."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.migrate.bodies import html_to_markdown
from tests.conftest import postmortem

FIXTURES = Path(__file__).parent / "fixtures" / "statuspage"
GITHUB = FIXTURES / "github-2024-09-16-incidents.json"


def cli(*args: str) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr


def imported(tmp_path: Path, export: Path, *extra: str) -> Path:
    folder = tmp_path / "incidents"
    code, _out, err = cli("import", "statuspage", str(export), "-o", str(folder), *extra)
    assert code == 0, err
    return folder


def exported(*args: str) -> dict:
    code, out, err = cli("export", "statuspage", *args, "-o", "-")
    assert code == 0, err
    return json.loads(out, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))


def instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def transitions(update: dict) -> list[tuple[str, str | None, str]]:
    return [(c["name"], c["old_status"] or None, c["new_status"]) for c in update.get("affected_components") or []]


def assert_same_incident(source: dict, ours: dict) -> None:
    for key in ("id", "name", "status", "impact", "shortlink"):
        assert ours[key] == source[key], key
    for key in ("started_at", "resolved_at", "scheduled_for", "scheduled_until"):
        assert instant(ours.get(key)) == instant(source.get(key)), key
    assert [u["status"] for u in ours["incident_updates"]] == [u["status"] for u in source["incident_updates"]]
    for theirs, mine in zip(source["incident_updates"], ours["incident_updates"], strict=True):
        assert instant(mine["display_at"]) == instant(theirs["display_at"])
        assert html_to_markdown(mine["body"]) == html_to_markdown(theirs["body"])
        assert transitions(mine) == transitions(theirs)
        assert mine["incident_id"] == source["id"]
    assert sorted(c["name"] for c in ours["components"]) == sorted(c["name"] for c in source["components"] if not c.get("group"))


def test_round_trip_of_the_real_export_keeps_every_shared_field(tmp_path: Path) -> None:
    folder = imported(tmp_path, GITHUB)
    source = json.loads(GITHUB.read_text("utf-8"))
    ours = exported(str(folder))
    assert {k: ours["page"][k] for k in ("id", "name", "time_zone")} == {k: source["page"][k] for k in ("id", "name", "time_zone")}
    assert [i["id"] for i in ours["incidents"]] == [i["id"] for i in source["incidents"]]
    for theirs, mine in zip(source["incidents"], ours["incidents"], strict=True):
        assert_same_incident(theirs, mine)
        assert mine["page_id"] == source["page"]["id"]
    assert ours["incidents"][1]["incident_updates"][3]["body"] == (
        "<p>We are seeing up to 2% of Git SSH connections failing.</p>"
        "<p>We have taken suspected problematic hosts out of rotation and are monitoring for recovery and continuing to investigate.</p>")


def round_trip(folder: Path, work: Path) -> Path:
    """Export ``folder`` and import the export into a new folder."""
    out = work / "export.json"
    code, _out, err = cli("export", "statuspage", str(folder), "-o", str(out))
    assert code == 0, err
    again = work / "again"
    code, _out, err = cli("import", "statuspage", str(out), "-o", str(again))
    assert code == 0, err
    return again


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.yaml")}


def test_export_then_import_gives_the_same_files_byte_for_byte(tmp_path: Path) -> None:
    for name in ("github-2024-09-16-incidents.json", "london-dst-incidents.json"):
        first = imported(tmp_path / name, FIXTURES / name)
        assert files(round_trip(first, tmp_path / name)) == files(first), name


def test_exports_without_a_page_settle_after_one_round_trip(tmp_path: Path) -> None:
    """With no page in the source, the export names the site's company; internal drafts and provenance notes stay behind."""
    for name in ("management-api-list.json", "single-incident.json"):
        first = imported(tmp_path / name, FIXTURES / name, "--zone", "America/Chicago")
        second = round_trip(first, tmp_path / name / "1")
        assert files(round_trip(second, tmp_path / name / "2")) == files(second), name
        assert sorted(files(second)) == sorted(files(first))


def test_maintenance_postmortem_and_groups_survive_the_round_trip(tmp_path: Path) -> None:
    folder = imported(tmp_path, FIXTURES / "management-api-list.json", "--zone", "America/Chicago")
    ours = {i["id"]: i for i in exported(str(folder))["incidents"]}
    source = {i["id"]: i for i in json.loads((FIXTURES / "management-api-list.json").read_text("utf-8"))}
    maintenance = ours["p31zjtct2jer"]
    assert_same_incident(source["p31zjtct2jer"], maintenance)
    assert maintenance["scheduled_for"] == "2024-07-10T03:00:00.000Z"
    postmortem = ours["k9pd8xq2n4vb"]
    assert postmortem["incident_updates"][0]["status"] == "postmortem"
    assert html_to_markdown(postmortem["incident_updates"][0]["body"]) == html_to_markdown(source["k9pd8xq2n4vb"]["postmortem_body"])
    api = next(c for c in postmortem["components"] if c["name"] == "API")
    document = exported(str(folder))
    group = next(c for c in document["components"] if c["group"])
    assert group["name"] == "Core services" and api["group_id"] == group["id"] and api["id"] in group["components"]
    # The unpublished postmortem draft is internal: it is not exported.
    assert all(u["status"] != "postmortem" for u in ours["b4ckf1ll3d00"]["incident_updates"])


def test_only_the_public_view_is_exported(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    folder.mkdir()
    (folder / "2024-01-02-secret.yaml").write_text(
        "title: Secret\nimpact: minor\nstatus: resolved\nvisibility: internal\nstarted_at: 2024-01-02T10:00:00Z\n"
        "resolved_at: 2024-01-02T11:00:00Z\nupdates:\n  - status: resolved\n    posted_at: 2024-01-02T11:00:00Z\n    body: done\n", "utf-8")
    (folder / "2024-01-03-public.yaml").write_text(
        "title: Public\nimpact: minor\nstatus: resolved\nstarted_at: 2024-01-03T10:00:00Z\nresolved_at: 2024-01-03T11:00:00Z\n"
        "severity: SEV3\ninternal_notes: internal words\n"
        "components:\n  - name: API\n  - name: Hidden box\n    internal: true\n"
        "updates:\n  - status: resolved\n    posted_at: 2024-01-03T11:00:00Z\n    body: Fixed.\n"
        "    components:\n      - component: Hidden box\n        new_status: operational\n"
        "  - status: identified\n    posted_at: 2024-01-03T10:30:00Z\n    body: internal update words\n    internal: true\n"
        "  - status: investigating\n    posted_at: 2024-01-03T10:05:00Z\n    body: Looking.\n", "utf-8")
    code, out, err = cli("export", "statuspage", str(folder), "-o", "-")
    assert code == 0, err
    text = out.decode()
    for secret in ("Secret", "SEV3", "internal words", "Hidden box", "internal update words"):
        assert secret not in text
    document = json.loads(text)
    assert [i["name"] for i in document["incidents"]] == ["Public"]
    assert [u["status"] for u in document["incidents"][0]["incident_updates"]] == ["resolved", "investigating"]


def test_output_is_sorted_deterministic_and_written_atomically(tmp_path: Path) -> None:
    folder = imported(tmp_path, GITHUB)
    target = tmp_path / "out" / "incidents.json"
    result = postmortem("export", "statuspage", str(folder), "-o", str(target), timeout=120, text=False, real=True)
    assert result.returncode == 0, result.stderr
    first = target.read_bytes()
    _code, again, _err = cli("export", "statuspage", str(folder))
    assert again == first
    assert first == json.dumps(json.loads(first), sort_keys=True, indent=2, ensure_ascii=False).encode() + b"\n"


def test_invalid_incident_fails_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    folder.mkdir()
    (folder / "bad.yaml").write_text("title: x\nimpact: huge\nstatus: resolved\n", "utf-8")
    code, out, err = cli("export", "statuspage", str(folder))
    assert code == 1 and not out
    assert "bad.yaml:2:9: error: impact: 'huge' is not allowed" in err
    assert "Traceback" not in err
