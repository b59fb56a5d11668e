"""Public versus internal: nothing internal reaches a public output, and new fields are internal by default.

The canary test plants one canary string in every non-PUBLIC field of every
model (found by walking the model classes, so a future field cannot be
forgotten) and in an ``internal: true`` entry of every list that allows one,
then greps every public file the real command produces.
"""

from __future__ import annotations

import copy
import subprocess
import typing
from pathlib import Path
from typing import Annotated

import pytest
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.incident import (
    ActionItem,
    ActionSubItem,
    Component,
    CustomSection,
    DocumentState,
    ImpactFigure,
    ImpactWindow,
    Incident,
    IncidentTimelineEntry,
    Person,
    Problem,
    StrictModel,
    TimelineEntry,
    Update,
)
from generator.model.types import PUBLIC, Line
from generator.model.visibility import is_public_field, public_view
from tests.conftest import load_sample, postmortem
from tests.shared_pdfs import page_texts

INPUTS = Path(__file__).resolve().parent / "inputs"
BASE = yaml.safe_load((INPUTS / "base.yaml").read_text("utf-8"))
CANARY = "CANARYq7z"
INTERNAL_COMPONENT = f"{CANARY} component"

# One valid internal entry per model that can be marked internal; each carries the canary.
INTERNAL_ENTRIES: dict[type[StrictModel], dict[str, object]] = {
    Component: {"name": INTERNAL_COMPONENT, "group": f"{CANARY} group", "internal": True},
    ImpactWindow: {"label": f"{CANARY} window", "components": [INTERNAL_COMPONENT], "start": "2023-10-28T09:00:00Z",
                   "end": "2023-10-28T09:30:00Z", "internal": True},
    TimelineEntry: {"at": "2023-10-28T09:20:00Z", "text": f"{CANARY} entry", "internal": True},
    Problem: {"name": f"{CANARY} problem", "root_cause": f"{CANARY} cause",
              "timeline": [{"at": "2023-10-28T09:21:00Z", "text": f"{CANARY} step"}], "internal": True},
    ActionItem: {"text": f"{CANARY} action", "internal": True},
    ActionSubItem: {"text": f"{CANARY} action step", "internal": True},
    IncidentTimelineEntry: {"at": "2023-10-28T09:22:00Z", "text": f"{CANARY} incident entry", "milestone": f"{CANARY} milestone",
                            "internal": True},
    ImpactFigure: {"value": "42%", "text": f"{CANARY} figure", "internal": True},
    CustomSection: {"title": f"{CANARY} section title", "body": f"{CANARY} section body", "internal": True},
    Person: {"name": f"{CANARY} person", "role": "responder"},  # people are internal unless `internal: false`
    DocumentState: {"status": f"{CANARY} document status", "internal": True},
    Update: {"status": "update", "posted_at": "2023-10-28T09:30:00Z", "body": f"{CANARY} update",
             "components": [{"component": INTERNAL_COMPONENT, "new_status": "major_outage"}], "internal": True},
}


def submodel(annotation: object) -> type[StrictModel] | None:
    """The StrictModel class inside ``annotation`` (``list[Problem]``, ``Problem | None`` ...), if any."""
    if isinstance(annotation, type) and issubclass(annotation, StrictModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = submodel(argument)
        if found:
            return found
    return None


def all_models(model: type[StrictModel] = Incident) -> list[type[StrictModel]]:
    found = [model]
    for field in model.model_fields.values():
        child = submodel(field.annotation)
        if child and child not in found:
            found += [m for m in all_models(child) if m not in found]
    return found


def canary_value(model: type[BaseModel], name: str) -> object:
    """A valid value for an internal field that contains the canary; fail for a type we cannot plant."""
    field = model.model_fields[name]
    child = submodel(field.annotation)
    if child is not None and typing.get_origin(field.annotation) is list:  # e.g. evidence links: one entry of canaries
        entry = {key: canary_value(child, key) for key, sub in child.model_fields.items() if sub.is_required()}
        return [entry]
    annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation  # type: ignore[valid-type]
    adapter = TypeAdapter(annotation)
    for candidate in (f"{CANARY} {name}", f"https://tickets.example.com/{CANARY}", "2023-10-28T09:00:00Z"):
        try:
            if CANARY in str(adapter.validate_python(candidate)):
                return candidate
        except ValidationError:
            continue
    raise AssertionError(f"cannot plant a canary in internal field {model.__name__}.{name}: teach this test its type")


def plant(model: type[StrictModel], data: dict[str, object], *, entries: bool = True) -> None:
    """Put the canary in every internal field of ``data`` and an internal entry in every list that allows one."""
    for name, field in model.model_fields.items():
        if not is_public_field(model, name) and name != "internal":
            data[name] = canary_value(model, name)
        child = submodel(field.annotation)
        if child is None:
            continue
        if typing.get_origin(field.annotation) is not list and name not in data and "internal" in child.model_fields:
            data[name] = copy.deepcopy(INTERNAL_ENTRIES[child])  # a single record marked internal (e.g. `document`)
        value = data.setdefault(name, []) if typing.get_origin(field.annotation) is list else data.get(name)
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for item in list(items):
            plant(child, item, entries=entries)
        if entries and isinstance(value, list) and "internal" in child.model_fields:
            entry = copy.deepcopy(INTERNAL_ENTRIES[child])
            plant(child, entry, entries=False)
            value.append(entry)


def canary_incident() -> dict[str, object]:
    data = copy.deepcopy(BASE)
    data["internal_notes"] = "seed"
    data["updates"].append({"status": "postmortem", "posted_at": "2023-10-29T10:00:00Z", "body": "Postmortem."})  # type: ignore[attr-defined]
    plant(Incident, data)
    # Public entries that refer to the internal component must not reveal its name.
    data["impact_windows"][0]["components"].append(INTERNAL_COMPONENT)  # type: ignore[index]
    data["updates"][0]["components"] = [{"component": "Checkout", "new_status": "partial_outage"},  # type: ignore[index]
                                        {"component": INTERNAL_COMPONENT, "new_status": "major_outage"}]
    return data


def test_every_model_that_can_be_internal_has_a_canary_entry() -> None:
    internal_capable = {m for m in all_models() if "internal" in m.model_fields}
    assert internal_capable == set(INTERNAL_ENTRIES)


def test_canary_incident_is_valid_and_really_carries_canaries(tmp_path: Path) -> None:
    path = tmp_path / "canary.yaml"
    path.write_text(yaml.safe_dump(canary_incident(), sort_keys=False), "utf-8")
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is not None and [d for d in diagnostics if d.severity == "error"] == [], [d.format() for d in diagnostics]
    dumped = incident.model_dump_json()
    for model in all_models():
        for name in model.model_fields:
            if not is_public_field(model, name) and name != "internal":
                assert f"{CANARY} {name}" in dumped or f"tickets.example.com/{CANARY}" in dumped, (model.__name__, name)
    assert CANARY not in public_view(incident).model_dump_json()  # type: ignore[union-attr]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    result = postmortem(*args, cwd=cwd, timeout=300, text=False)
    assert b"Traceback" not in result.stderr
    return result


@pytest.fixture
def canary_project(tmp_path: Path) -> Path:
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "canary.yaml").write_text(yaml.safe_dump(canary_incident(), sort_keys=False), "utf-8")
    return tmp_path


def test_canary_never_reaches_public_outputs(canary_project: Path) -> None:
    public_files: dict[str, bytes] = {}
    for fmt in ("md", "html"):
        result = run("render", "incidents/canary.yaml", "-f", fmt, "-o", "-", cwd=canary_project)
        assert result.returncode == 0, result.stderr
        public_files[f"render.{fmt}"] = result.stdout
    for fmt in ("md", "html"):  # the period report's public variant (its PDF comes from the same HTML)
        result = run("report", "--until", "2023-10-31", "-f", fmt, "-o", "-", cwd=canary_project)
        assert result.returncode == 0, result.stderr
        assert b"Checkout errors" in result.stdout  # positive control: the incident is in the report
        public_files[f"report.{fmt}"] = result.stdout
    result = run("build", "--format", "md,html", "-o", "public", cwd=canary_project)
    assert result.returncode == 0, result.stderr
    built = [p for p in (canary_project / "public").rglob("*") if p.is_file()]
    assert {p.name for p in built} >= {"canary.md", "canary.html"}
    public_files.update({str(p): p.read_bytes() for p in built})
    try:
        from generator.site import render_site
    except ImportError:  # pragma: no cover - the site is optional
        render_site = None
    if render_site is not None:
        incident, _ = load_incident(canary_project / "incidents" / "canary.yaml", SiteConfig())
        site = render_site([incident], SiteConfig())  # type: ignore[list-item]
        assert site, "the site renders files"
        public_files.update({f"site/{name}": data for name, data in site.items()})
    for name, data in public_files.items():
        assert data.count(CANARY.encode()) == 0, name
        if Path(name).stem in {"render", "canary"}:
            assert b"Checkout errors" in data, name  # positive control: the incident is there
    assert b"Checkout" in public_files["render.html"] and b"Payments database" not in public_files["render.html"]


def test_internal_markdown_shows_the_canary(canary_project: Path) -> None:
    result = run("render", "incidents/canary.yaml", "-f", "md", "--internal", "-o", "-", cwd=canary_project)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    for shown in (f"{CANARY} internal_notes", f"{CANARY} owner", f"tickets.example.com/{CANARY}", f"{CANARY} problem",
                  f"{CANARY} entry", f"{CANARY} update", f"{CANARY} action", f"{CANARY} window", f"{CANARY} incident entry",
                  f"{CANARY} milestone", f"{CANARY} label", f"{CANARY} figure", f"{CANARY} section title", f"{CANARY} person",
                  f"{CANARY} document status", f"{CANARY} action step"):
        assert shown in text, shown


def test_internal_period_report_shows_the_canary(canary_project: Path) -> None:
    result = run("report", "--until", "2023-10-31", "-f", "md", "--internal", "-o", "-", cwd=canary_project)
    assert result.returncode == 0, result.stderr
    assert f"{CANARY} owner".encode() in result.stdout and f"{CANARY} severity".encode() in result.stdout


def test_internal_incident_has_no_public_output(tmp_path: Path) -> None:
    data = copy.deepcopy(BASE)
    data["visibility"] = "internal"
    (tmp_path / "secret.yaml").write_text(yaml.safe_dump(data), "utf-8")
    result = run("render", "secret.yaml", "-f", "html", "-o", "-", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode().strip() == "error: incident 'secret' is internal; use --internal for an internal report"
    incident, _ = load_incident(tmp_path / "secret.yaml", SiteConfig())
    assert incident is not None and public_view(incident) is None


def test_every_internal_field_has_a_default() -> None:
    """The public view drops internal fields, so each needs a default to fall back to."""
    for model in all_models():
        for name, field in model.model_fields.items():
            if not is_public_field(model, name):
                assert not field.is_required(), f"{model.__name__}.{name} is internal but required"


def test_a_new_field_without_public_is_dropped() -> None:
    class FutureIncident(Incident):
        secret_budget: Line | None = None
        shown_field: Annotated[Line | None, PUBLIC] = None

    incident, _ = load_incident(INPUTS / "base.yaml", SiteConfig())
    assert incident is not None
    future = FutureIncident.model_validate({**incident.model_dump(), "secret_budget": "a lot", "shown_field": "hello"})
    view = public_view(future)
    assert isinstance(view, FutureIncident)
    assert view.secret_budget is None and view.shown_field == "hello" and view.title == incident.title


def test_public_view_keeps_public_facts_and_hides_internal_references() -> None:
    incident, diagnostics = load_incident(INPUTS / "base.yaml", SiteConfig())
    assert incident is not None, diagnostics
    data = incident.model_dump()
    data["impact_windows"][0]["components"].append("Payments database")
    data["updates"][0]["components"] = [{"component": "Payments database", "new_status": "major_outage"},
                                        {"component": "Checkout", "new_status": "degraded_performance"}]
    view = public_view(Incident.model_validate(data))
    assert view is not None
    assert [c.name for c in view.components] == ["Checkout"]
    assert view.impact_windows[0].components == ["Checkout"]
    assert [t.component for t in view.updates[0].components] == ["Checkout"]
    assert view.action_items[0].owner is None and view.action_items[0].ticket is None
    assert view.summary == incident.summary and view.problems[0].timeline == incident.problems[0].timeline


def test_public_fields_are_declared_not_guessed() -> None:
    """Sanity for the allowlist: at least the known internal fields are internal."""
    internal = {(m.__name__, n) for m in all_models() for n in m.model_fields if not is_public_field(m, n)}
    assert {("Incident", "internal_notes"), ("Incident", "severity"), ("ActionItem", "owner"), ("ActionItem", "ticket"),
            ("Problem", "notes")} <= internal
    assert is_public_field(Incident, "title") and is_public_field(ActionItem, "text")


def test_a_view_is_its_own_view_even_after_the_memo_forgets_it() -> None:
    import generator.model.visibility as visibility


    incident = load_sample("2023-10-28-checkout-payment-failures")
    view = visibility.public_view(incident)
    assert view is not None and view is not incident
    visibility._views.clear()
    assert visibility.public_view(view) is view
    copy = incident.model_copy()  # a full incident that merely looks like one seen before is filtered again
    filtered = visibility.public_view(copy)
    assert filtered is not copy and filtered is not None and filtered.internal_notes is None


def _pdf_texts(data: bytes) -> str:
    """Everything a reader can get out of a PDF: its extracted text and every (inflated) stream, strings in any encoding."""
    import re
    import zlib

    parts = list(page_texts(data))
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            parts.append(match.group(1).decode("latin-1"))
    raw = data.decode("latin-1") + "".join(parts)
    return raw + raw.encode("latin-1", "replace").decode("utf-16-be", "replace")


def test_canary_never_reaches_the_public_pdf_nor_its_timeline_picture(canary_project: Path) -> None:
    """The PDF carries the timeline picture as a ``data:`` image (its text drawn, its title and description as /Alt)."""
    texts = {}
    for variant in ("public", "internal"):
        result = run("render", "incidents/canary.yaml", "-f", "pdf", *(["--internal"] if variant == "internal" else []),
                     "-o", f"{variant}.pdf", cwd=canary_project)
        assert result.returncode == 0, result.stderr
        texts[variant] = _pdf_texts((canary_project / f"{variant}.pdf").read_bytes())
    assert "Checkout errors" in texts["public"]  # positive controls: the incident is there, and the canary can be found
    assert CANARY in texts["internal"]
    assert CANARY not in texts["public"]
