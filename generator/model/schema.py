"""JSON Schema for editors, generated from the pydantic models so it never drifts from them.

The models validate *text* (the strict reader keeps every YAML scalar a string),
while an editor's YAML parser types ``2`` as a number and ``true`` as a boolean.
The generator below therefore describes what the validators accept as an editor
sees it: flags are booleans, plain text may also be a number (``severity: 2``),
timestamps are strings matching what ``types.Timestamp`` parses (seconds and the
``T`` optional, an offset required, so RFC 3339's stricter ``date-time`` format
is not used), and ids, zones, URLs and colours carry the validators' patterns.
Fields that never reach public outputs say so in their description.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from generator.model import types
from generator.model.visibility import is_public_field

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_TIMESTAMP = r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)"
TIMESTAMP_PATTERN = rf"^(~\s*)?{_TIMESTAMP}$"
TIMESTAMP_HELP = ("ISO 8601 date-time with an offset, e.g. 2021-09-13T16:53:00+01:00; "
                  "a leading ~ marks a time known only roughly (printed \"around 16:53\")")
LOOSE_TIMESTAMP_PATTERN = rf"^((~\s*)?{_TIMESTAMP}|\d{{4}}-\d{{2}}-\d{{2}})$"
LOOSE_TIMESTAMP_HELP = TIMESTAMP_HELP + "; or a date alone (2021-09-13) when the time was not recorded"
POSTED_AT_HELP = LOOSE_TIMESTAMP_HELP + "; or `unknown` for a post whose time was not recorded (it keeps its place in the list)"
TICKET_HELP = "A ticket ID (PAY-1432, Bug 5554823) or an http(s)/mailto URL"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
ZONE_PATTERN = r"^(UTC|[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)+)$"
URL_PATTERN = r"^\s*([Hh][Tt][Tt][Pp][Ss]?://[^\s/$.?#]\S*|[Mm][Aa][Ii][Ll][Tt][Oo]:\S+)\s*$"  # ECMA-262: no inline flags
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
INTERNAL_NOTE = "(internal) never shown in public outputs."


def _after_patterns() -> dict[object, dict[str, Any]]:
    from generator.model.config import check_colour

    return {
        types.check_slug: {"pattern": types.SLUG_PATTERN.pattern},
        types.check_zone: {"pattern": ZONE_PATTERN, "examples": ["Europe/London", "America/New_York", "UTC"]},
        types.check_url: {"pattern": URL_PATTERN},
        types.check_ticket: {"description": TICKET_HELP},
        check_colour: {"pattern": COLOUR_PATTERN},
    }


class EditorSchema(GenerateJsonSchema):
    """pydantic's generator, taught what the project's validators accept."""

    def function_after_schema(self, schema: core_schema.AfterValidatorFunctionSchema) -> JsonSchemaValue:
        """A validated string: the validator's pattern or description added."""
        inner = self.generate_inner(schema["schema"])
        extra = _after_patterns().get(schema["function"]["function"])
        return {**inner, **extra} if extra else inner

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        """Timestamps, dates and flags as an editor's YAML parser sees them."""
        function = schema["function"]["function"]
        if function is types.timestamp_validator:
            return {"type": "string", "pattern": TIMESTAMP_PATTERN, "description": TIMESTAMP_HELP}
        if function is types.loose_timestamp_validator:
            return {"type": "string", "pattern": LOOSE_TIMESTAMP_PATTERN, "description": LOOSE_TIMESTAMP_HELP}
        if function is types.parse_day:
            return {"type": "string", "pattern": DATE_PATTERN, "description": "A date, e.g. 2021-09-30"}
        if function is types.parse_flag:
            return {"type": "boolean"}
        return super().function_before_schema(schema)

    def str_schema(self, schema: core_schema.StringSchema) -> JsonSchemaValue:
        """Plain text: a YAML editor reads ``severity: 2`` as a number, the tool as the text ``2``."""
        generated = super().str_schema(schema)
        return {**generated, "type": ["string", "number"]}


def _models(root: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model reachable from ``root``, by class name (the schema's ``$defs`` keys)."""
    from generator.model.validate import find_model

    found: dict[str, type[BaseModel]] = {}
    pending = [root]
    while pending:
        model = pending.pop()
        if model.__name__ in found:
            continue
        found[model.__name__] = model
        pending.extend(m for f in model.model_fields.values() if (m := find_model(f.annotation)))
    return found


def _mark_internal(schema: dict[str, Any], models: dict[str, type[BaseModel]], root: type[BaseModel]) -> None:
    from generator.model.base import StrictModel

    nodes = [(root.__name__, schema), *((name, node) for name, node in schema.get("$defs", {}).items())]
    for name, node in nodes:
        model = models.get(name)
        if model is None or not issubclass(model, StrictModel):
            continue
        for key, prop in node.get("properties", {}).items():
            if key != "internal" and not is_public_field(model, key):
                prop["description"] = INTERNAL_NOTE


def _label_keys(schema: dict[str, Any]) -> None:
    """Label overrides accept exactly the keys of the built-in string table."""
    from generator.i18n import LOCALES

    labels = schema.get("$defs", {}).get("Labels", {}).get("properties", {})
    for group in ("statuses", "headings"):
        if group in labels:
            value = labels[group].pop("additionalProperties")
            labels[group]["properties"] = {key: value for key in LOCALES["en"][group]}
            labels[group]["additionalProperties"] = False


def incident_schema() -> dict[str, Any]:
    """The JSON Schema of an incident file."""
    from generator.model.incident import Incident

    schema = Incident.model_json_schema(schema_generator=EditorSchema)
    _mark_internal(schema, _models(Incident), Incident)
    schema["properties"]["id"]["description"] = "Defaults to the file name without .yaml."
    posted_at = schema["$defs"]["Update"]["properties"]["posted_at"]
    schema["$defs"]["Update"]["properties"]["posted_at"] = {
        "anyOf": [{key: value for key, value in posted_at.items() if key != "description"}, {"const": "unknown"}],
        "description": POSTED_AT_HELP,
    }
    return {"$schema": DRAFT, "$id": "incident.schema.json", **schema}


def config_schema() -> dict[str, Any]:
    """The JSON Schema of ``postmortem.yaml``."""
    from generator.model.config import SiteConfig

    schema = SiteConfig.model_json_schema(schema_generator=EditorSchema)
    _label_keys(schema)
    return {"$schema": DRAFT, "$id": "config.schema.json", **schema}


SCHEMAS = {"incident": incident_schema, "config": config_schema}


def schema_text(kind: str) -> str:
    """The schema as committed under ``schemas/``: stable key order, two-space indent, final newline."""
    return json.dumps(SCHEMAS[kind](), indent=2, ensure_ascii=False) + "\n"
