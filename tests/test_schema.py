"""JSON Schema for editors: generated from the models, committed, and agreeing with the validator.

Also the pre-commit hook definition and ``validate --format json``.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.commands.scaffold import scaffold
from generator.load import read_yaml, read_yaml_text
from generator.model.schema import schema_text
from tests.conftest import INCIDENTS, ROOT, postmortem, sample_ids

SCHEMAS = ROOT / "schemas"
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def as_editor_sees(value: Any) -> Any:
    """The strict reader keeps text; a YAML 1.2 editor types true/false and numbers (the core schema)."""
    if isinstance(value, dict):
        return {key: as_editor_sees(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(item) for item in value]
    if value in {"true", "false"}:
        return value == "true"
    if isinstance(value, str) and _NUMBER.match(value):
        return float(value)
    return value


@functools.cache  # checking the schema itself is most of a validation's cost: once per kind
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _errors(kind: str, data: Any) -> list[str]:
    return sorted(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(kind).iter_errors(as_editor_sees(data)))


@pytest.mark.parametrize("kind", ["incident", "config"])
def test_committed_schema_equals_the_command_output(kind: str) -> None:
    result = CliRunner().invoke(main, ["schema", kind])
    assert result.exit_code == 0
    committed = (SCHEMAS / f"{kind}.schema.json").read_text("utf-8")
    assert result.output == committed == schema_text(kind), f"regenerate: postmortem schema {kind} > schemas/{kind}.schema.json"


def test_schema_command_through_a_real_subprocess() -> None:
    result = postmortem("schema", timeout=60)
    assert result.returncode == 0 and json.loads(result.stdout)["$id"] == "incident.schema.json"
    bad = postmortem("schema", "site", timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.parametrize("incident_id", sample_ids())
def test_every_sample_incident_validates_against_the_schema(incident_id: str) -> None:
    assert _errors("incident", read_yaml(INCIDENTS / f"{incident_id}.yaml").data) == []


def test_modeline_points_at_the_committed_schema() -> None:
    for path in INCIDENTS.glob("*.yaml"):
        first = path.read_text("utf-8").splitlines()[0]
        target = first.removeprefix("# yaml-language-server: $schema=")
        assert target != first and (path.parent / target).resolve() == (SCHEMAS / "incident.schema.json").resolve()


def test_scaffold_validates_against_the_schema() -> None:
    from datetime import datetime

    text = scaffold("A title", datetime.fromisoformat("2021-09-13T16:53:00+01:00"), "Europe/London", "x", "p.yaml")
    assert _errors("incident", read_yaml_text(text, "p.yaml").data) == []


def test_site_config_validates_against_the_schema() -> None:
    assert _errors("config", read_yaml(ROOT / "postmortem.yaml").data) == []
    assert _errors("config", {"labels": {"statuses": {"update": "Progress"}}, "brand_color": "#AABBCC"}) == []


@pytest.mark.parametrize(("data", "expected"), [
    ({"titel": "x"}, "'titel' was unexpected"),
    ({"impact": "huge"}, "'huge' is not one of"),
    ({"started_at": "2021-09-13"}, "not valid under any of the given schemas"),
    ({"started_at": "2021-09-13T16:53:00"}, "not valid under any of the given schemas"),
    ({"zone": "London"}, "not valid under any of the given schemas"),
    ({"id": "Not A Slug"}, "not valid under any of the given schemas"),
    ({"shortlink": "javascript:alert(1)"}, "not valid under any of the given schemas"),
    ({"components": [{"name": "A", "internal": "yes"}]}, "'yes' is not of type 'boolean'"),
    ({"updates": [{"status": "resolved"}]}, "'posted_at' is a required property"),
])
def test_schema_flags_what_the_validator_rejects(data: dict[str, Any], expected: str) -> None:
    base = {"title": "t", "impact": "minor", "status": "resolved"}
    assert any(expected in error for error in _errors("incident", {**base, **data})), _errors("incident", {**base, **data})


@pytest.mark.parametrize("data", [
    {"started_at": "2021-09-13 16:53+01:00"},
    {"started_at": "2021-09-13T16:53Z"},
    {"severity": "2"},
    {"title": "404"},
    {"components": [{"name": "A", "internal": "true"}]},
    {"action_items": [{"text": "x", "due": "2021-09-30"}]},
])
def test_schema_accepts_what_the_validator_accepts(data: dict[str, Any]) -> None:
    from generator.model.incident import Incident

    base = {"title": "t", "impact": "minor", "status": "resolved", **data}
    Incident.model_validate(base)
    assert _errors("incident", base) == []


def test_internal_fields_are_described_as_internal() -> None:
    schema = json.loads((SCHEMAS / "incident.schema.json").read_text("utf-8"))
    assert "internal" in schema["properties"]["internal_notes"]["description"]
    assert "internal" in schema["properties"]["severity"]["description"]
    assert "internal" in schema["$defs"]["ActionItem"]["properties"]["owner"]["description"]
    assert "description" not in schema["properties"]["summary"]


def test_label_keys_are_closed() -> None:
    assert any("'updat' was unexpected" in e for e in _errors("config", {"labels": {"statuses": {"updat": "x"}}}))


def test_pre_commit_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    hook = next(h for h in hooks if h["id"] == "postmortem-validate")
    assert hook["entry"] == "postmortem validate" and hook["language"] == "python"
    pattern = re.compile(hook["files"])
    assert pattern.search("incidents/2021-09-13-x.yaml") and pattern.search("incidents/a/b.yml")
    assert not pattern.search("postmortem.yaml") and not pattern.search("incidents/notes.md")


def test_validate_json_output_shape(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nimpact: huge\nstatus: resolved\nstarted_at: 2021-09-13T10:00:00Z\n", "utf-8")
    result = postmortem("validate", "--format", "json", str(bad), str(INCIDENTS / f"{sample_ids()[0]}.yaml"), timeout=60)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert set(report) == {"valid", "files", "diagnostics"} and report["valid"] is False and report["files"] == 2
    # Diagnostics are sorted by path, and where the checkout lies decides whether the sample's come first.
    first = next(d for d in report["diagnostics"] if d["path"] == str(bad))
    assert set(first) == {"path", "line", "column", "severity", "message"}
    assert (first["path"], first["line"], first["column"], first["severity"]) == (str(bad), 2, 9, "error")
    good = postmortem("validate", "--format", "json", str(INCIDENTS), timeout=60)
    assert good.returncode == 0 and json.loads(good.stdout)["valid"] is True
