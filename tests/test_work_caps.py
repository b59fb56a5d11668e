"""Work per file is capped: costly Markdown and long lists are clear errors (issue 9, class 9).

How long the worst file the caps allow takes to build is measured, not asserted:
``python benchmarks/worst_case.py`` prints it.  These tests check the caps themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.types import MAX_MARKDOWN_CHARS
from generator.model.work import MARKDOWN_WEIGHTS, MAX_LIST_ENTRIES, MAX_LIST_LENGTH, MAX_MARKDOWN_WORK, markdown_work, work_problems
from generator.render.markdown import markdown_block, markdown_to_html
from tests.conftest import load_sample, postmortem, sample_ids

BASE = Path(__file__).parent / "inputs" / "base.yaml"
FIELDS = ("summary", "root_cause", "mitigation", "next_steps", "lessons_learned", "internal_notes")


def _data() -> dict[str, object]:
    return yaml.safe_load(BASE.read_text("utf-8"))


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def _write(folder: Path, name: str, data: dict[str, object]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=10**9), "utf-8")
    return path


def _errors(path: Path) -> list[str]:
    _incident, diagnostics = load_incident(path, SiteConfig())
    return [f"{d.line}:{d.column}: {d.message}" for d in diagnostics if d.severity == "error"]


def test_the_issues_file_is_refused_by_validate_and_build(tmp_path: Path) -> None:
    """Fields full of ``[`` (under 1 MB, each under the field cap): a clear error from both commands, nothing built."""
    data = _data()
    for field in FIELDS:
        data[field] = "[" * 47_000
    _write(tmp_path / "incidents", "brackets", data)
    for command in (["validate"], ["build"]):
        result = postmortem(*command, cwd=tmp_path, timeout=300)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "error: the text of this file is too costly to render (" in result.stderr
        assert f"the limit is {MAX_MARKDOWN_WORK:,}" in result.stderr
    assert not (tmp_path / "output").exists()


def test_the_error_points_at_the_costliest_field(tmp_path: Path) -> None:
    data = _data()
    data["summary"] = "Plain words. " * 2_000
    data["root_cause"] = "*a" * 20_000
    path = _write(tmp_path, "emphasis", data)
    (error,) = _errors(path)
    line = path.read_text("utf-8").splitlines().index(next(x for x in path.read_text("utf-8").splitlines() if x.startswith("root_cause:"))) + 1
    assert error.startswith(f"{line}:13: the text of this file is too costly to render")
    assert f"this field alone is {markdown_work('*a' * 20_000):,}" in error


@pytest.mark.parametrize("key", ["updates", "components", "action_items"])
def test_a_list_over_the_cap_is_refused_at_the_list(tmp_path: Path, key: str) -> None:
    data = _data()
    entries = data[key]
    assert isinstance(entries, list)
    if key == "components":
        data[key] = [{"name": f"Component {i}"} for i in range(MAX_LIST_LENGTH + 1)]
    else:
        data[key] = [entries[-1]] * (MAX_LIST_LENGTH + 1)
    path = _write(tmp_path, key.replace("_", "-"), data)
    errors = _errors(path)
    assert any(f"{MAX_LIST_LENGTH + 1:,} entries; the limit is {MAX_LIST_LENGTH:,} per list" in e for e in errors), errors


def test_lists_within_their_caps_can_still_be_too_many_together(tmp_path: Path) -> None:
    data = _data()
    update = data["updates"][-1]  # type: ignore[index]
    entry = data["problems"][0]["timeline"][-1]  # type: ignore[index]
    data["updates"] = [update] * MAX_LIST_LENGTH
    data["problems"] = [{"name": f"Problem {p}", "timeline": [entry] * MAX_LIST_LENGTH} for p in range(3)]
    errors = _errors(_write(tmp_path, "many", data))
    assert errors == [f"1:1: the file's lists hold 2,008 entries together; the limit is {MAX_LIST_ENTRIES:,}"]  # 4 × 500 and 8 more


def test_markdown_work_weighs_costly_characters() -> None:
    assert markdown_work("plain words") == len("plain words")
    for char, weight in MARKDOWN_WEIGHTS.items():
        assert markdown_work(char * 10) == 10 * weight
    assert markdown_work("[a](b)\n") == 7 + sum(MARKDOWN_WEIGHTS.get(c, 1) - 1 for c in "[a](b)\n")


def test_real_incidents_are_far_under_the_caps() -> None:
    """The seeds and samples use under a twentieth of the work cap, and no list is near its cap."""
    for incident_id in sample_ids():
        incident = load_sample(incident_id)
        assert work_problems(incident) == []
        text = "".join(v for v in (getattr(incident, f) for f in type(incident).model_fields) if isinstance(v, str))
        assert markdown_work(text) * 20 < MAX_MARKDOWN_WORK


PATHOLOGICAL = ['"a\' ', "[", "![", "*a", "_", "`", "<", "[a](", "> ", "- ", "\\", "&#", "[x]: ", "~~", "|", "<a ", "](", "[](", "a\n"]


@pytest.mark.parametrize("unit", PATHOLOGICAL)
def test_pathological_text_at_the_field_cap_is_refused_or_within_the_work_cap(unit: str) -> None:
    """Each pathological unit filling one field: over the work cap it never reaches a renderer; under it, it renders.

    (How long the accepted worst cases take is what ``benchmarks/worst_case.py`` measures.)
    """
    text = (unit * (MAX_MARKDOWN_CHARS // len(unit) + 1))[: MAX_MARKDOWN_CHARS - 1]
    incident = load_sample(sample_ids()[0]).model_copy(update={"summary": text})
    problems = [message for _, message in work_problems(incident)]
    if markdown_work(text) > MAX_MARKDOWN_WORK:
        assert problems and "too costly to render" in problems[0]
    if not problems:
        assert markdown_to_html(text) is not None and markdown_block(text) is not None


def test_a_file_over_the_cap_is_refused_without_parsing_its_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal itself must be cheap: the reference analysis (a full Markdown parse) is skipped over the cap."""
    import generator.model.checks as checks

    def parse_anyway(_incident: object) -> list[object]:
        raise AssertionError("the text of a file over the work cap was parsed")

    monkeypatch.setattr(checks, "reference_problems", parse_anyway)
    data = _data()
    data["summary"] = "[" * 47_000
    data["root_cause"] = "[" * 47_000
    errors = _errors(_write(tmp_path, "brackets", data))
    assert any("too costly to render" in e for e in errors), errors
