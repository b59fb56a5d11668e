"""Import is strict about shapes (issue 9, class 8).

A value of the wrong JSON type is a clear error at its position, never a
``TypeError``; ids that the import writes into comment lines are one word.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from generator.migrate.shapes import COMPONENT, INCIDENT, PAGE, TRANSITION, UPDATE, json_kind
from generator.migrate.statuspage_import import convert_export
from generator.migrate.statuspage_source import read_export
from tests.conftest import postmortem

SINGLE = json.loads((Path(__file__).parent / "fixtures" / "statuspage" / "single-incident.json").read_text("utf-8"))
WRONG_VALUES = [5, True, "text", ["a"], {"a": 1}]


def _export() -> dict[str, object]:
    incident = copy.deepcopy(SINGLE)
    incident["components"] = incident.get("components") or [{"id": "c1", "name": "API"}]
    update = incident["incident_updates"][0]
    update["affected_components"] = [{"code": "c1", "name": "API", "old_status": "operational", "new_status": "major_outage"}]
    return {"page": {"id": "page1", "name": "Example", "time_zone": "Etc/UTC"}, "incidents": [incident], "components": []}


def _where(export: dict[str, object], spec_name: str) -> dict[str, object]:
    incident = export["incidents"][0]  # type: ignore[index]
    return {"incident": incident, "update": incident["incident_updates"][0], "component": incident["components"][0],
            "transition": incident["incident_updates"][0]["affected_components"][0], "page": export["page"]}[spec_name]


def _convert(tmp_path: Path, export: dict[str, object]) -> list[str]:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), "utf-8")
    parsed = read_export(path)
    convert_export(parsed)
    return [d.message for d in parsed.problems.errors]


CASES = [(name, key, value) for name, spec in (("incident", INCIDENT), ("update", UPDATE), ("component", COMPONENT),
                                               ("transition", TRANSITION), ("page", PAGE))
         for key, allowed in spec.items() for value in WRONG_VALUES if json_kind(value) not in allowed]


@pytest.mark.parametrize(("where", "key", "value"), CASES, ids=[f"{w}.{k}={json.dumps(v)}" for w, k, v in CASES])
def test_every_wrong_json_type_is_a_clear_error(tmp_path: Path, where: str, key: str, value: object) -> None:
    export = _export()
    _where(export, where)[key] = value
    errors = _convert(tmp_path, export)
    assert any(message.startswith(f"`{key}` must be ") for message in errors), errors


@pytest.mark.parametrize("value", ["abc\nid: evil", "a#b", "x" * 101, "\u2028"])
@pytest.mark.parametrize("key", ["page_id", "id"])
def test_ids_written_into_comments_are_one_word(tmp_path: Path, key: str, value: str) -> None:
    export = _export()
    _where(export, "incident")[key] = value
    errors = _convert(tmp_path, export)
    assert f"`{key}` must be one word of printable text (at most 100 characters); it goes into a comment line" in errors


def test_the_issues_examples_through_the_real_command(tmp_path: Path) -> None:
    """``"components": 5`` and a newline in ``page.id``: exit 1 with both problems, no file written, no traceback."""
    export = _export()
    export["page"]["id"] = "p1\nid: injected\nseverity: SEV1"  # type: ignore[index]
    export["incidents"][0]["components"] = 5  # type: ignore[index]
    (tmp_path / "export.json").write_text(json.dumps(export), "utf-8")
    result = postmortem("import", "statuspage", "export.json", "-o", "incidents", cwd=tmp_path, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error: `components` must be a list, not a number" in result.stderr
    assert "error: `id` must be one word of printable text" in result.stderr
    assert not (tmp_path / "incidents").exists()


@pytest.mark.parametrize("text, where", [
    ('{"incidents": [{"name": "a",\n "name": "b", "status": "resolved"}]}', "2:2: error: duplicate key 'name'"),
    ('{"page": {"id": "x"}, "page": {"id": "y"}, "incidents": []}', "1:23: error: duplicate key 'page'"),
    # A key the YAML reader refuses before it can place the repeat: the message still names the key.
    ('{"incidents": [], "a\u202e": 1, "a\u202e": 2}', "1:1: error: invalid JSON: an object repeats the key 'a\\u202e'"),
])
def test_a_key_repeated_in_an_object_is_an_error_at_its_place(tmp_path: Path, text: str, where: str) -> None:
    """``json`` keeps the last of two equal keys silently; an incident file refuses them, so an import does too."""
    from generator.errors import InputError

    path = tmp_path / "export.json"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError) as raised:
        read_export(path)
    assert raised.value.diagnostics[0].format().startswith(f"{path}:{where}")
