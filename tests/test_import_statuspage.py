"""``postmortem import statuspage``: real and hand-written exports become incident files that validate and render."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.i18n import strings
from generator.load import read_yaml
from generator.migrate.bodies import html_to_markdown
from generator.migrate.statuspage_import import convert_export
from generator.migrate.statuspage_source import read_export
from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.render import formatting
from tests.conftest import postmortem

FIXTURES = Path(__file__).parent / "fixtures" / "statuspage"
GITHUB = FIXTURES / "github-2024-09-16-incidents.json"
MONTHS = strings("en", {})["months"]


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def import_into(folder: Path, export: Path, *extra: str) -> str:
    code, _out, err = cli("import", "statuspage", str(export), "-o", str(folder), *extra)
    assert code == 0, err
    assert "Traceback" not in err
    return err


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def render_html(path: Path) -> str:
    code, out, err = cli("render", str(path), "-f", "html", "-o", "-")
    assert code == 0, err
    return out


def visible_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_real_export_validates_and_renders_every_body_and_time(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    err = import_into(folder, GITHUB)
    assert "2 new, 0 changed, 0 unchanged, 0 skipped" in err
    validated = postmortem("validate", str(folder), timeout=120)
    assert validated.returncode == 0, validated.stderr
    assert "2 file(s) valid" in validated.stderr

    source = json.loads(GITHUB.read_text("utf-8"))
    assert source["page"]["time_zone"] == "Etc/UTC"
    files = {read_yaml(p).data["title"]: p for p in folder.glob("*.yaml")}  # type: ignore[index]
    for raw in source["incidents"]:
        page = render_html(files[raw["name"]])
        text = visible_text(page)
        for update in raw["incident_updates"]:
            body = " ".join(html.unescape(re.sub(r"<br\s*/?>", " ", update["body"])).split())
            assert body in text, body
            moment = datetime.fromisoformat(update["display_at"])
            assert f"Posted {formatting.posted(moment, 'Etc/UTC', MONTHS)}" in text
            assert f"{moment:%b %d, %Y - %H:%M}" in text  # the status page's own display, to the minute
            assert f'datetime="{formatting.iso(moment)}"' in page  # the exact instant, milliseconds and all
            assert not re.search(r'datetime="[^"]*\.\d{4,}', page)  # HTML allows at most 3 fraction digits
        assert read_yaml(files[raw["name"]]).data["shortlink"] == raw["shortlink"]  # type: ignore[index]


def test_yaml_round_trips_through_the_strict_reader(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    import_into(folder, GITHUB)
    export = read_export(GITHUB)
    for item in convert_export(export):
        path = next(p for p in folder.glob("*.yaml") if f"incident={item.source_id}" in p.read_text("utf-8"))
        data = read_yaml(path).data
        expected = json.loads(json.dumps(item.data))
        for update in expected.get("updates", []):
            update["body"] += "\n"  # written as a `|` block scalar
        assert data == expected
        text = path.read_text("utf-8")
        assert text.startswith("# yaml-language-server: $schema=")
        assert "body: |\n" in text


def test_second_import_is_a_no_op(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    import_into(folder, GITHUB)
    before = snapshot(folder)
    err = import_into(folder, GITHUB)
    assert "0 new, 0 changed, 2 unchanged, 0 skipped" in err
    assert snapshot(folder) == before


def test_line_breaks_become_markdown_breaks_not_live_html(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    import_into(folder, GITHUB)
    import_into(folder, FIXTURES / "single-incident.json")
    ssh = next(folder.glob("*git-ssh.yaml"))
    assert "<br" not in ssh.read_text("utf-8")
    assert "<p>We are seeing up to 2% of Git SSH connections failing.</p>\n<p>We have taken suspected" in render_html(ssh)
    webhook = next(folder.glob("*webhook*.yaml"))
    text = webhook.read_text("utf-8")
    assert "Deliveries are back to normal.\\\n      Thanks for your patience." in text
    assert "Queue workers were saturated.\\\n      We are adding capacity." in text
    page = render_html(webhook)
    assert "Deliveries are back to normal.<br />\nThanks for your patience." in page
    assert "<strong>monitoring</strong>" in page
    assert 'href="https://status.example.com/history"' in page
    for banned in ("<script", "alert(", "javascript:", "<img", "\r"):
        assert banned not in page and banned not in text


def test_no_html_survives_as_html() -> None:
    hostile = '<div onclick="x()">a</div><iframe src="https://evil.example"></iframe><svg onload=1>b</svg><a href="data:text/html,x">c</a>'
    assert html_to_markdown(hostile) == "a\n\nbc"
    assert html_to_markdown("x &lt;script&gt; y") == "x <script> y"  # text; the renderer escapes it


def test_maintenance_keeps_its_window_statuses_and_transitions(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    err = import_into(folder, FIXTURES / "management-api-list.json", "--zone", "America/Chicago")
    assert "3 new" in err
    data = read_yaml(folder / "2024-07-08-scheduled-database-maintenance.yaml").data
    assert data["impact"] == "maintenance" and data["status"] == "completed"  # type: ignore[index]
    assert data["scheduled_for"] == "2024-07-09T22:00:00-05:00"  # type: ignore[index]
    assert data["scheduled_until"] == "2024-07-10T00:00:00-05:00"  # type: ignore[index]
    assert [u["status"] for u in data["updates"]] == ["completed", "verifying", "in_progress", "scheduled"]  # type: ignore[index]
    assert data["updates"][2]["components"] == [  # type: ignore[index]
        {"component": "Database", "old_status": "operational", "new_status": "under_maintenance"}]
    assert data["components"] == [{"group": "Core services", "name": "Database"}]  # type: ignore[index]
    # A plain-text body's newlines are breaks, and its "- " lines stay text as they were on the page.
    assert "\\- writes may be delayed" in data["updates"][3]["body"]  # type: ignore[index]
    page = render_html(folder / "2024-07-08-scheduled-database-maintenance.yaml")
    assert "During this window:<br />\n- writes may be delayed<br />" in page


def test_postmortem_body_becomes_a_postmortem_update(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    import_into(folder, FIXTURES / "management-api-list.json", "--zone", "America/Chicago")
    data = read_yaml(folder / "2024-01-15-elevated-api-error-rates.yaml").data
    postmortem = data["updates"][0]  # type: ignore[index]
    assert postmortem["status"] == "postmortem" and postmortem["posted_at"] == "2024-01-18T10:00:00-06:00"
    assert postmortem["body"].startswith("**Summary**\n\nBetween 16:05 and 17:48 CST")
    assert "- A configuration push removed a connection-pool limit.\n- The database rejected new connections." in postmortem["body"]
    assert "[the full report](https://example.com/rca/2024-01-15)" in postmortem["body"]
    page = render_html(folder / "2024-01-15-elevated-api-error-rates.yaml")
    assert "<li>The database rejected new connections.</li>" in page
    assert "identified a configuration change as the cause &amp; are rolling it back" in page
    # An unpublished postmortem draft is kept, but internal: it never reaches the public post.
    draft = read_yaml(folder / "2023-12-04-login-failures-for-sso-users.yaml").data
    assert draft["updates"][0]["status"] == "postmortem" and draft["updates"][0]["internal"] == "true"  # type: ignore[index]
    assert "Draft: the root cause" not in render_html(folder / "2023-12-04-login-failures-for-sso-users.yaml")
    assert "backfilled" in (folder / "2023-12-04-login-failures-for-sso-users.yaml").read_text("utf-8")


def test_incident_without_components_has_no_components_key(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    import_into(folder, GITHUB)
    data = read_yaml(next(folder.glob("*git-ssh.yaml"))).data
    assert "components" not in data  # type: ignore[operator]
    assert all("components" not in u for u in data["updates"])  # type: ignore[index]


def test_single_incident_object_with_empty_body_and_unknown_group(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    import_into(folder, FIXTURES / "single-incident.json", "--zone", "America/Chicago")
    path = folder / "2024-05-02-webhook-delivery-delays.yaml"
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is not None and not diagnostics
    assert incident.components[0].name == "Webhooks" and incident.components[0].group is None
    first = incident.updates[-1]
    assert first.body == "(No message was posted with this update.)"
    assert first.components[0].old_status is None and first.components[0].new_status == "degraded_performance"


@pytest.mark.parametrize(("zone_args", "expected"), [
    ((), {"started_at": "2024-03-31T00:40:00+00:00", "resolved_at": "2024-03-31T03:05:00+01:00"}),
])
def test_dst_zone_keeps_local_offsets(tmp_path: Path, zone_args: tuple[str, ...], expected: dict[str, str]) -> None:
    folder = tmp_path / "incidents"
    err = import_into(folder, FIXTURES / "london-dst-incidents.json", *zone_args)
    assert "page time zone 'London' mapped to 'Europe/London'" in err  # a Rails zone name from older pages
    clocks = read_yaml(folder / "2024-03-31-reporting-outage-over-the-clock-change.yaml").data
    assert clocks["zone"] == "Europe/London"  # type: ignore[index]
    for key, value in expected.items():
        assert clocks[key] == value  # type: ignore[index]
    assert [u["posted_at"] for u in clocks["updates"]] == [  # type: ignore[index]
        "2024-03-31T03:05:00+01:00", "2024-03-31T02:10:00+01:00", "2024-03-31T00:45:00+00:00"]
    summer = read_yaml(folder / "2024-07-01-delayed-sending-in-the-eu-region.yaml").data
    assert summer["started_at"] == "2024-07-01T12:00:00+01:00"  # given in UTC, written in the page zone  # type: ignore[index]
    page = render_html(folder / "2024-03-31-reporting-outage-over-the-clock-change.yaml")
    assert "Posted Mar 31, 2024 - 00:45 GMT" in visible_text(page) and "Posted Mar 31, 2024 - 02:10 BST" in visible_text(page)


def test_chicago_offsets_differ_in_summer_and_winter(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    import_into(folder, FIXTURES / "management-api-list.json", "--zone", "America/Chicago")
    summer = read_yaml(folder / "2024-07-08-scheduled-database-maintenance.yaml").data
    winter = read_yaml(folder / "2024-01-15-elevated-api-error-rates.yaml").data
    assert summer["started_at"].endswith("-05:00") and winter["started_at"].endswith("-06:00")  # type: ignore[index]
    assert winter["updates"][-1]["posted_at"] == "2024-01-15T16:12:41.120-06:00"  # milliseconds kept  # type: ignore[index]
    assert "Posted Jan 15, 2024 - 16:40 CST" in visible_text(render_html(folder / "2024-01-15-elevated-api-error-rates.yaml"))


def test_edited_files_are_kept_unless_forced_and_unedited_ones_follow_the_source(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    import_into(folder, GITHUB)
    ssh = next(folder.glob("*git-ssh.yaml"))
    edited = ssh.read_text("utf-8").replace("We are currently investigating this issue.", "We are looking into it.")
    ssh.write_text(edited, "utf-8")
    err = import_into(folder, GITHUB)
    assert "edited since it was imported; use --force" in err and "1 skipped" in err
    assert ssh.read_text("utf-8") == edited

    changed = json.loads(GITHUB.read_text("utf-8"))
    changed["incidents"][0]["name"] = "Incident with Pages and Actions (updated)"
    export = tmp_path / "changed.json"
    export.write_text(json.dumps(changed), "utf-8")
    err = import_into(folder, export)
    assert "0 new, 1 changed, 0 unchanged, 1 skipped" in err  # same file (found by id), rewritten: nobody edited it
    assert len(list(folder.glob("*.yaml"))) == 2

    err = import_into(folder, GITHUB, "--force")
    assert "0 new, 2 changed" in err
    assert "We are currently investigating this issue." in ssh.read_text("utf-8")


def test_same_name_same_day_gets_collision_free_ids(tmp_path: Path) -> None:
    source = json.loads(GITHUB.read_text("utf-8"))
    twin = json.loads(json.dumps(source["incidents"][1]))
    twin["id"] = "tw1n0000abcd"
    source["incidents"].append(twin)
    export = tmp_path / "twins.json"
    export.write_text(json.dumps(source), "utf-8")
    folder = tmp_path / "incidents"
    import_into(folder, export)
    names = sorted(p.name for p in folder.glob("*.yaml"))
    assert names == ["2024-09-16-disruption-with-git-ssh-r3x7x31k7nn1.yaml", "2024-09-16-disruption-with-git-ssh-tw1n0000abcd.yaml",
                     "2024-09-16-incident-with-pages-and-actions.yaml"]
    assert "0 new, 0 changed, 3 unchanged" in import_into(folder, export)
    code, _out, err = cli("validate", str(folder))
    assert code == 0, err


def test_hand_written_file_with_the_same_name_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    folder.mkdir()
    mine = folder / "2024-09-16-disruption-with-git-ssh.yaml"
    mine.write_text("title: mine\n", "utf-8")
    import_into(folder, GITHUB)
    assert mine.read_text("utf-8") == "title: mine\n"
    assert (folder / "2024-09-16-disruption-with-git-ssh-r3x7x31k7nn1.yaml").exists()


@pytest.mark.parametrize(("content", "expected"), [
    ('{"incidents": [1, 2,]}', ":1:21: error: invalid JSON: "),
    ("", ":1:1: error: invalid JSON: Expecting value"),
    ('{"foo": 1}', ":1:1: error: not a status-page export"),
    ("[1]", ":1:2: error: an incident must be an object"),
    ('{"incidents": {"a": 1}}', ":1:15: error: `incidents` must be a list"),
    ('{"incidents": [NaN]}', ":1:1: error: invalid JSON: NaN is not valid JSON"),
    ('{\n "id": "a", "name": "x", "status": "resolvd", "impact": "minor",\n "started_at": "2024-01-01T00:00:00Z"}',
     ":2:36: error: unknown incident status 'resolvd'"),
    ('{"id": "a", "name": "x", "status": "resolved", "impact": "huge", "started_at": "2024-01-01T00:00:00Z"}',
     ":1:58: error: unknown impact 'huge'"),
    ('{"id": "a", "name": "x", "status": "resolved", "impact": "minor", "started_at": "yesterday"}',
     ":1:81: error: 'yesterday' is not an ISO 8601 timestamp"),
    ('{"id": "a", "name": "x", "status": "resolved", "impact": "minor", "started_at": "2024-01-01T00:00:00"}',
     "has no UTC offset"),
    ('{"id": "a", "name": " ", "status": "resolved", "impact": "minor", "created_at": "2024-01-01T00:00:00Z"}',
     "error: missing incident `name`"),
    ('{"id": "a", "name": "x", "status": "resolved", "impact": "minor", "started_at": "2024-01-01T00:00:00Z",\n'
     ' "incident_updates": [{"status": "resolved", "body": "ok"}]}', ":2:23: error: missing timestamp `display_at`"),
    ('{"id": "a", "name": "x", "status": "resolved", "impact": "minor", "started_at": "2024-01-01T00:00:00Z", "incident_updates": '
     '[{"status": "resolved", "body": "ok", "display_at": "2024-01-01T01:00:00Z",\n'
     ' "affected_components": [{"name": "API", "new_status": "broken"}]}]}',
     "error: unknown component status 'broken'"),
])
def test_malformed_input_gives_clean_positioned_errors(tmp_path: Path, content: str, expected: str) -> None:
    export = tmp_path / "export.json"
    export.write_text(content, "utf-8")
    folder = tmp_path / "incidents"
    code, _out, err = cli("import", "statuspage", str(export), "-o", str(folder))
    assert code == 1
    assert f"{export}{expected}" in err or expected in err, err
    assert "Traceback" not in err
    assert not folder.exists() or not list(folder.iterdir())


def test_unreadable_inputs_exit_1_without_traceback(tmp_path: Path) -> None:
    missing = postmortem("import", "statuspage", str(tmp_path / "nope.json"), "-o", str(tmp_path / "out"), timeout=120, real=True)
    assert missing.returncode == 1 and "nope.json:1:1: error: cannot read file" in missing.stderr
    binary = tmp_path / "binary.json"
    binary.write_bytes(b'{"a": "\xff"}')
    code, _out, err = cli("import", "statuspage", str(binary), "-o", str(tmp_path / "out"))
    assert code == 1 and "binary.json:1:8: error: invalid UTF-8 (byte 0xff)" in err


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    err = import_into(folder, GITHUB, "--dry-run")
    assert "would write" in err and "2 new" in err
    assert not folder.exists()
