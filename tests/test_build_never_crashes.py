"""Property: ``build`` on mutated incidents, configs and imports exits 0 or 1, never with a traceback (issue 9).

Hypothesis mutates a valid incident, a site config and a status-page export with
values drawn from the attacks of issue 9 and from arbitrary text, then runs the
real ``build`` command in-process (Markdown, HTML and the site; PDFs only in the
one subprocess smoke test, which runs every format).  Bounded: a few dozen examples.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from tests.conftest import postmortem

INPUTS = Path(__file__).parent / "inputs"
BASE = yaml.safe_load((INPUTS / "base.yaml").read_text("utf-8"))
EXPORT = json.loads((Path(__file__).parent / "fixtures" / "statuspage" / "single-incident.json").read_text("utf-8"))
ATTACKS = [
    "A</style><style>h1{display:none}</style>", 'x" onmouseover="alert(1)', "```\n<img src=x onerror=alert(1)>\n```",
    "[x]: javascript:alert(1)", "[the details][x]", "https://t.example/A)[click](javascript:alert(1))", "\ufffe", "\uffff",
    "0001-01-01T00:30:00+05:00", "9999-12-31T23:00:00-05:00", "index", "404", "api", "[" * 2_000, "*a" * 1_000, "a\n" * 500,
    "#12345g", "Letter", "Europe/London", "Mars/Olympus", "", " ", "null", "no", "012", "true", "\u202e", "x" * 400,
]
VALUES = (st.sampled_from(ATTACKS) | st.text(max_size=30) | st.integers(-5, 10**6) | st.booleans() | st.none()
          | st.lists(st.sampled_from(ATTACKS), max_size=3)
          | st.dictionaries(st.sampled_from(["name", "x", "at"]), st.sampled_from(ATTACKS), max_size=2))
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data: object, draw: st.DataObject, times: int) -> object:
    data = copy.deepcopy(data)
    for _ in range(times):
        paths = _paths(data)
        if not paths:
            break
        path = draw.draw(st.sampled_from(paths))
        parent: object = data
        for part in path[:-1]:
            parent = parent[part]  # type: ignore[index]
        if draw.draw(st.booleans()) and isinstance(parent, dict) and len(parent) > 1:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw.draw(VALUES)  # type: ignore[index]
    return data


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "incidents").mkdir(parents=True)
    return folder


def _build(folder: Path, *extra: str) -> None:
    """``postmortem build`` in-process: exit 0 or 1, and nothing but diagnostics on stderr."""
    result = CliRunner().invoke(main, ["build", "-q", "--format", "md,html", "-o", str(folder / "output"), *extra])
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        assert result.stderr.strip(), "exit 1 without saying why"


def _dump(data: object) -> str:
    return yaml.dump(data, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=10**6)


@SETTINGS
@given(draw=st.data())
def test_mutated_incidents_build_or_fail_cleanly(tmp_path: Path, monkeypatch, draw: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    folder = _fresh(tmp_path / "incident")
    monkeypatch.chdir(folder)
    (folder / "incidents" / "case.yaml").write_text(_dump(_mutate(BASE, draw, draw.draw(st.integers(1, 3)))), "utf-8")
    _build(folder, *(["--internal"] if draw.draw(st.booleans()) else []))


CONFIG = {"company": "Example", "zone": "Europe/London", "locale": "en", "brand_color": "#1f6feb", "paper": "A4",
          "footer": "Questions? support@example.com", "confidentiality": "Internal", "base_url": "https://status.example.com/",
          "labels": {"statuses": {"update": "Progress"}, "headings": {"root_cause": "What went wrong"}}}


@SETTINGS
@given(draw=st.data())
def test_mutated_configs_build_or_fail_cleanly(tmp_path: Path, monkeypatch, draw: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    folder = _fresh(tmp_path / "config")
    monkeypatch.chdir(folder)
    (folder / "postmortem.yaml").write_text(_dump(_mutate(CONFIG, draw, draw.draw(st.integers(1, 3)))), "utf-8")
    (folder / "incidents" / "case.yaml").write_text(_dump(BASE), "utf-8")
    _build(folder, *(["--internal"] if draw.draw(st.booleans()) else []))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(draw=st.data())
def test_mutated_imports_build_or_fail_cleanly(tmp_path: Path, monkeypatch, draw: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    folder = _fresh(tmp_path / "import")
    monkeypatch.chdir(folder)
    export = {"page": {"id": "p1", "name": "Example", "time_zone": "Etc/UTC"}, "incidents": [EXPORT]}
    (folder / "export.json").write_text(json.dumps(_mutate(export, draw, draw.draw(st.integers(1, 3)))), "utf-8")
    result = CliRunner().invoke(main, ["import", "statuspage", "export.json", "-o", "incidents"])
    assert result.exit_code in (0, 1), (result.exit_code, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr
    _build(folder)


def test_smoke_real_process_every_format(tmp_path: Path) -> None:
    """One real ``build`` (every format, PDFs included) over files holding the attacks: exit 1 for the refused one, then 0."""
    (tmp_path / "incidents").mkdir()
    for number, attack in enumerate([ATTACKS[0], ATTACKS[2], ATTACKS[3], ATTACKS[6]]):
        data = copy.deepcopy(BASE)
        data["company"] = attack if "\n" not in attack else "Example"
        data["summary"] = attack
        data["problems"][0]["timeline"][0]["text"] = attack
        (tmp_path / "incidents" / f"attack-{number}.yaml").write_text(_dump(data), "utf-8")
    result = postmortem("build", "-q", cwd=tmp_path, timeout=600)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "attack-3.yaml:" in result.stderr and "non-character U+FFFE" in result.stderr
    (tmp_path / "incidents" / "attack-3.yaml").unlink()
    # --jobs 1: the PDFs render in the command's own process, already set up, not on a new PDF pool (whose fork
    # server imports WeasyPrint again, ~2 s of CPU); the pool's own tests are in test_build.py.
    result = postmortem("build", "-q", "--jobs", "1", cwd=tmp_path, timeout=600)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert len(list((tmp_path / "output").glob("attack-*.pdf"))) == 3
