"""Schema errors and cross-field errors arrive in the same run; timestamp errors speak plainly and give
the offset in force in the incident's zone at that moment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.types import offset_hint
from tests.conftest import postmortem

BASE = (Path(__file__).parent / "inputs" / "base.yaml").read_text("utf-8")


def _messages(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is None or not [d for d in diagnostics if d.severity == "error"]
    return [f"{d.line}:{d.column}: {d.message}" for d in diagnostics]


def test_schema_and_cross_field_errors_in_one_real_run(tmp_path: Path) -> None:
    text = (BASE.replace("impact: major", "impact: huge")  # schema
            .replace("resolved_at: 2023-10-28T11:00:00Z", "resolved_at: 2023-10-28T08:00:00Z")  # before the start
            .replace("    posted_at: 2023-10-28T09:10:00Z", "    posted_at: 2023-10-28T08:10:00Z")  # before the start
            .replace("    components: [Checkout]", "    components: [Checkout, Chekout]"))  # unknown component
    (tmp_path / "many.yaml").write_text(text, encoding="utf-8")
    result = postmortem("validate", "many.yaml", cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert any(": error: impact: 'huge' is not allowed" in line for line in lines)
    assert any(": error: `resolved_at` (2023-10-28T08:00:00+00:00) is before the impact started" in line for line in lines)
    assert any(": error: update posted (2023-10-28T08:10:00+00:00) before the incident began" in line for line in lines)
    assert any(": error: unknown component 'Chekout'" in line for line in lines)
    assert lines[-1] == "4 error(s), 0 warning(s)"


def test_a_bad_config_and_bad_incidents_are_reported_in_one_run(tmp_path: Path) -> None:
    """A bad postmortem.yaml used to end validate and build before any incident was read: fix it, run again, and
    only then learn of the incidents' problems. The keys that are valid alone (here incidents_dir) still apply."""
    (tmp_path / "postmortem.yaml").write_text('company: "Co\\nX"\nzone: Mars/Base\nincidents_dir: reports\n', "utf-8")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "a.yaml").write_text(BASE.replace("impact: major", "impact: huge"), "utf-8")
    expected = ["postmortem.yaml:1:10: error: company: must be a single line",
                "postmortem.yaml:2:7: error: zone: unknown time zone 'Mars/Base'"]
    for command in ("validate", "build"):
        result = postmortem(command, cwd=tmp_path, timeout=120)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        lines = result.stderr.splitlines()
        assert [line for line in lines if line.startswith("postmortem.yaml")] == expected, command
        assert any(line.endswith("a.yaml:4:9: error: impact: 'huge' is not allowed; expected none, minor, major, critical "
                                 "or maintenance") for line in lines), (command, lines)
        assert lines[-1] == "3 error(s), 0 warning(s)", command
        assert not (tmp_path / "output").exists()
    # A valid `company` beside a bad key is still the site's: an incident naming another is warned of in the same run.
    (tmp_path / "postmortem.yaml").write_text("company: Other\nzone: Mars/Base\nincidents_dir: reports\n", "utf-8")
    (tmp_path / "reports" / "a.yaml").write_text(BASE, "utf-8")
    result = postmortem("validate", cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and "but the site's company is 'Other' (postmortem.yaml)" in result.stderr, result.stderr


def test_a_check_that_depends_on_an_invalid_value_stays_quiet(tmp_path: Path) -> None:
    # started_at is malformed: no "give started_at" and no "before the impact started" on top of it.
    messages = _messages(tmp_path, BASE.replace("started_at: 2023-10-28T09:00:00Z", "started_at: yesterday"))
    assert len(messages) == 1 and "started_at: 'yesterday' is not a timestamp" in messages[0], messages
    # A broken component entry: names cannot be checked, so no "unknown component" follows from it.
    messages = _messages(tmp_path, BASE.replace("  - name: Payments database\n", "  - nmae: Payments database\n"))
    assert all("unknown component" not in m for m in messages) and any("did you mean `name`" in m for m in messages), messages
    # A broken update keeps the indexes of the others: the problem in updates[1] is still found at its line.
    text = BASE.replace("  - status: investigating\n", "  - status: investigatin\n").replace(
        "    posted_at: 2023-10-28T11:00:00Z", "    posted_at: 2023-10-28T08:00:00Z")
    messages = _messages(tmp_path, text)
    assert any("updates[0].status: 'investigatin' is not allowed" in m for m in messages), messages
    assert any("update posted (2023-10-28T08:00:00+00:00) before the incident began" in m for m in messages), messages
    # A wrongly typed list gives its own error only.
    messages = _messages(tmp_path, BASE.replace("components:\n  - name: Checkout\n  - name: Payments database\n    internal: true\n",
                                               "components: Checkout\n"))
    assert messages == ["9:13: components: expected a list"], messages


@pytest.mark.parametrize(("value", "zone", "hint"), [
    ("2023-01-10T10:00:00", "Europe/London", "in Europe/London that moment is GMT, so write 2023-01-10T10:00:00+00:00"),
    ("2023-07-10T10:00:00", "Europe/London", "in Europe/London that moment is BST, so write 2023-07-10T10:00:00+01:00"),
    ("2024-02-10T18:00:00", "America/Denver", "that moment is MST, so write 2024-02-10T18:00:00-07:00"),
    ("2023-10-29T01:30:00", "Europe/London", "01:30 happened twice in Europe/London on 2023-10-29 (the clocks went back); "
                                             "write 2023-10-29T01:30:00+01:00 (BST) for the first or 2023-10-29T01:30:00+00:00 (GMT)"),
    ("2023-03-26T01:30:00", "Europe/London", "01:30 did not happen in Europe/London on 2023-03-26 (the clocks went forward)"),
])
def test_offset_hint_is_the_offset_in_force_then(value: str, zone: str, hint: str) -> None:
    assert hint in offset_hint(datetime.fromisoformat(value), zone)


def test_missing_offset_hint_uses_the_incidents_zone(tmp_path: Path) -> None:
    text = BASE.replace("zone: Europe/London", "zone: America/New_York").replace(
        "resolved_at: 2023-10-28T11:00:00Z", "resolved_at: 2023-12-01T11:00:00")
    messages = _messages(tmp_path, text)
    assert any("'2023-12-01T11:00:00' has no UTC offset; in America/New_York that moment is EST, so write 2023-12-01T11:00:00-05:00" in m
               for m in messages), messages


@pytest.mark.parametrize(("value", "words"), [
    ("2023-02-29T10:00:00Z", "February 2023 has 28 days (not a leap year)"),
    ("2023-04-31T10:00:00Z", "April 2023 has 30 days"),
    ("2023-13-01T10:00:00Z", "there is no month 13"),
    ("2023-10-28T24:00:00Z", "the hour 24 does not exist"),
    ("2023-10-28T10:60:00Z", "the minute 60 does not exist"),
    ("2023-10-28T10:00:61Z", "the second 61 does not exist"),
    ("2023-10-28T10:00:00+24:00", "the UTC offset must be between -23:59 and +23:59"),
    ("2023-10-28T10:00:00+01:00junk", "write it as 2021-09-13T16:53:00+01:00"),
])
def test_malformed_timestamps_never_show_a_python_message(tmp_path: Path, value: str, words: str) -> None:
    messages = _messages(tmp_path, BASE.replace("started_at: 2023-10-28T09:00:00Z", f"started_at: '{value}'"))
    assert len(messages) == 1 and words in messages[0], messages
    for python_words in ("must be in", "out of range", "Invalid isoformat", "isoformat string", "unconverted data"):
        assert python_words not in messages[0]
