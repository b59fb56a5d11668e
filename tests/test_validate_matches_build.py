"""``validate`` refuses whatever ``build`` would refuse (issue 9, classes 5 and 11).

Each input here once passed ``validate`` and then crashed ``build`` with a
traceback; now both commands report the same ``path:line:col: error`` and exit 1,
and ``new``/``update --at`` and ``import`` refuse the same moments.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from generator.clock import ClockError, parse_moment
from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.ids import RESERVED_IDS
from generator.model.types import MAX_LINE_CHARS
from tests.conftest import postmortem

BASE_TEXT = (Path(__file__).parent / "inputs" / "base.yaml").read_text("utf-8").split("\n", 1)[1]
OVERFLOWING = ["0001-01-01T00:30:00+05:00", "9999-12-31T23:00:00-05:00", "0001-01-01T23:59:00+23:59", "9999-12-31T00:00:00Z"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return postmortem(*args, cwd=cwd, timeout=300)


def write(folder: Path, name: str, text: str) -> Path:
    (folder / "incidents").mkdir(exist_ok=True)
    path = folder / "incidents" / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path


CASES = {
    "index": ("index", BASE_TEXT, "incidents/index.yaml:1:1: error: id 'index' is reserved"),
    "404": ("not-found", 'id: "404"\n' + BASE_TEXT, "incidents/not-found.yaml:1:5: error: id '404' is reserved"),
    "fffe": ("fffe", BASE_TEXT.replace("title: Checkout errors", 'title: "Checkout \\uFFFE errors"'),
             "incidents/fffe.yaml:1:8: error: non-character U+FFFE is not allowed (written as an escape in this value)"),
    "ffff": ("ffff", BASE_TEXT.replace("text: Alerts fired.", 'text: "Alerts \\U0000FFFF fired."'),
             "error: non-character U+FFFF is not allowed"),
    "raw-fffe": ("raw-fffe", BASE_TEXT.replace("Alerts fired.", "Alerts \ufffe fired."), "error: non-character U+FFFE is not allowed"),
    "surrogate": ("surrogate", BASE_TEXT.replace("title: Checkout errors", 'title: "half \\uD800 a character"'),
                  "error: YAML syntax: found invalid Unicode character escape code"),  # libyaml refuses it first
    **{f"moment-{n}": (f"moment-{n}", BASE_TEXT.replace("started_at: 2023-10-28T09:00:00Z", f"started_at: {moment}"),
                       f"error: started_at: '{moment}' is too close to the year 1 or 9999 to be shown in every time zone")
       for n, moment in enumerate(OVERFLOWING)},
}


def test_validate_and_build_refuse_alike(tmp_path: Path) -> None:
    """Through the real commands, every case in one run: both exit 1 with every message; build leaves the output as it was."""
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "kept.txt").write_text("previous output", "utf-8")
    for name, text, _message in CASES.values():
        write(tmp_path, name, text)
    for command in (["validate"], ["build", "--format", "md,html"]):
        result = run(*command, cwd=tmp_path)
        assert result.returncode == 1, (command, result.stderr)
        assert "Traceback" not in result.stderr
        for _name, _text, message in CASES.values():
            assert message in result.stderr, (command, message, result.stderr)
        assert result.stderr.splitlines()[-1] == f"{len(CASES)} error(s), 0 warning(s)"
    assert [p.name for p in (tmp_path / "output").iterdir()] == ["kept.txt"]


def test_the_surrogate_check_covers_what_libyaml_lets_through() -> None:
    from generator.errors import InputError
    from generator.load.yaml_reader import read_yaml_text

    for text in ("title: \"\\uFDD0\"\n", "title: \"\\U0010FFFF\"\n", "title: \"x\ufdef\"\n"):
        with pytest.raises(InputError, match="non-character U\\+"):
            read_yaml_text(text, "x.yaml")


@pytest.mark.parametrize("reserved", sorted(RESERVED_IDS))
def test_every_reserved_id_is_refused_from_the_file_name_and_from_id(tmp_path: Path, reserved: str) -> None:
    for name, text in ((reserved, BASE_TEXT), ("other", f'id: "{reserved}"\n' + BASE_TEXT)):
        _incident, diagnostics = load_incident(write(tmp_path, name, text), SiteConfig())
        assert [d.message for d in diagnostics if d.severity == "error"] == [
            f"id {reserved!r} is reserved: the site uses that name itself; "
            + ("rename the file or set `id:`" if name == reserved else "set `id:` to another id")]


def test_the_edge_of_the_range_builds_in_every_zone(tmp_path: Path) -> None:
    """The first and last moments ``validate`` accepts build every format in the zones furthest from UTC."""
    for n, (zone, moment) in enumerate([("Pacific/Kiritimati", "0001-01-02T00:00:00Z"), ("Etc/GMT+12", "9999-12-30T23:59:59Z"),
                                        ("Etc/GMT-14", "9999-12-30T23:59:59Z"), ("America/Adak", "0001-01-02T00:00:00Z")]):
        text = BASE_TEXT.replace("zone: Europe/London", f"zone: {zone}\ntimeline_zone: {zone}")
        write(tmp_path, f"edge-{n}", re.sub(r"2023-10-28T\d\d:\d\d:\d\dZ", moment, text))  # every moment at the edge
    assert run("validate", cwd=tmp_path).returncode == 0
    result = run("build", "-q", "--jobs", "1", cwd=tmp_path)  # PDFs in this process, not on a new PDF pool (test_build.py's)
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "output").glob("edge-*.pdf"))) == 4


@pytest.mark.parametrize("moment", [*OVERFLOWING, "0001-01-01T00:30", "9999-12-31T23:30"])
def test_clock_refuses_moments_that_overflow(moment: str) -> None:
    with pytest.raises(ClockError, match="too close to the year 1 or 9999"):
        parse_moment(moment, "Asia/Kolkata")


def test_new_and_update_at_refuse_overflowing_moments(tmp_path: Path) -> None:
    result = run("new", "Checkout errors", "--at", OVERFLOWING[0], "--dir", "incidents", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "too close to the year 1 or 9999" in result.stderr and not (tmp_path / "incidents").exists()
    path = write(tmp_path, "open-incident", BASE_TEXT)
    result = run("update", str(path), "-s", "update", "Still on it.", "--at", OVERFLOWING[1], cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "too close to the year 1 or 9999" in result.stderr and path.read_text("utf-8") == BASE_TEXT


def test_import_refuses_overflowing_moments(tmp_path: Path) -> None:
    export = json.loads((Path(__file__).parent / "fixtures" / "statuspage" / "single-incident.json").read_text("utf-8"))
    export["started_at"] = OVERFLOWING[0]
    (tmp_path / "export.json").write_text(json.dumps(export), "utf-8")
    result = run("import", "statuspage", "export.json", "-o", "incidents", "--zone", "Asia/Kolkata", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "too close to the year 1 or 9999 to be shown in every time zone" in result.stderr
    assert not (tmp_path / "incidents").exists()


# --- class 11: `new` refuses an over-long title ------------------------------------------------

def test_new_refuses_an_over_long_title_and_writes_nothing(tmp_path: Path) -> None:
    result = run("new", "A" * (MAX_LINE_CHARS + 1), "--dir", "incidents", "--at", "2021-09-13T16:53:00+01:00", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"the title is {MAX_LINE_CHARS + 1:,} characters; the limit is {MAX_LINE_CHARS:,}" in result.stderr
    assert not (tmp_path / "incidents").exists()


def test_new_writes_nothing_that_would_not_validate(tmp_path: Path) -> None:
    result = run("new", "Checkout \ufffe errors", "--dir", "incidents", "--at", "2021-09-13T16:53:00+01:00", cwd=tmp_path)
    assert result.returncode == 1 and "non-character U+FFFE is not allowed" in result.stderr
    assert "would not validate; nothing written" in result.stderr and not list(tmp_path.rglob("*.yaml"))


def test_new_accepts_a_title_at_the_limit(tmp_path: Path) -> None:
    result = run("new", "A" * MAX_LINE_CHARS, "--dir", "incidents", "--at", "2021-09-13T16:53:00+01:00", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (path,) = (tmp_path / "incidents").glob("*.yaml")
    assert run("validate", str(path), cwd=tmp_path).returncode == 0
