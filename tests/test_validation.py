"""Every bad input gets ``path:line:col: error: message`` on stderr, all of them in one run, exit 1.

Fixture style (as in markdown-it-py): each ``tests/inputs/bad/<case>.yaml`` is a
copy of ``tests/inputs/base.yaml`` with one problem, and ``<case>.expected``
holds the exact diagnostic lines the command must print for it (a golden file:
``UPDATE_GOLDEN=1 python -m pytest -q -m golden`` refreshes it with every other).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.model.catalog import load_incident, load_incidents
from generator.model.config import SiteConfig
from generator.model.types import MAX_MARKDOWN_CHARS
from tests.conftest import assert_matches_golden, postmortem

INPUTS = Path(__file__).resolve().parent / "inputs"
BAD = INPUTS / "bad"
CASES = sorted(path.stem for path in BAD.glob("*.yaml"))
SUMMARY_SUFFIX = " warning(s)"


def expected_lines(case: str) -> list[str]:
    return (BAD / f"{case}.expected").read_text("utf-8").splitlines()


def test_every_case_has_an_expected_file() -> None:
    assert len(CASES) >= 60
    assert sorted(p.stem for p in BAD.glob("*.expected")) == CASES
    for case in CASES:
        lines = expected_lines(case)
        assert lines and all(line.startswith(f"{case}.yaml:") and ": error: " in line for line in lines), case


@pytest.mark.golden
@pytest.mark.parametrize("case", CASES)
def test_bad_input_case(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each case alone through the command's entry point, in this process: exit 1, the exact messages, no traceback.

    The real ``postmortem`` process runs every case at once in the next test; a forked one per case cost ten times
    as much CPU as the validation itself.
    """
    monkeypatch.chdir(BAD)
    result = CliRunner().invoke(main, ["validate", f"{case}.yaml"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert_matches_golden(BAD / f"{case}.expected", "".join(f"{line}\n" for line in lines[:-1]))
    assert lines[-1] == f"{len(lines) - 1} error(s), 0 warning(s)"
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_all_problems_of_all_files_in_one_real_run() -> None:
    result = postmortem("validate", *(f"{case}.yaml" for case in CASES), cwd=BAD)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    wanted = sorted(line for case in CASES for line in expected_lines(case))
    printed = result.stderr.splitlines()
    assert sorted(printed[:-1]) == wanted
    assert printed[-1] == f"{len(wanted)} error(s), 0 warning(s)"


def test_good_inputs_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(INPUTS / "good")
    result = CliRunner().invoke(main, ["validate", "base-incident.yaml", "bom-crlf.yaml", "implicit-typing.yaml"])
    assert result.exit_code == 0, result.stderr
    # "12:30" stays a string (the file tests implicit typing), and it is not the site's company (none is configured):
    # the site's pages would name the default, so validate says so at the value.
    assert result.stderr.splitlines() == [
        "implicit-typing.yaml:2:10: warning: `company` is '12:30' but the site's company is 'Example Inc.' (the default: "
        "postmortem.yaml sets none): a build names 'Example Inc.' on this incident's pages, post and report, and only "
        "`postmortem render` names '12:30'; set `company` in postmortem.yaml, or leave it out here",
        "3 file(s) valid"]


def write_case(folder: Path, name: str, replace: tuple[str, str] | None = None, prefix: str = "") -> Path:
    text = (INPUTS / "base.yaml").read_text("utf-8").split("\n", 1)[1]  # without the comment line, like bad/*.yaml
    if replace:
        assert replace[0] in text
        text = text.replace(*replace)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(prefix + text, "utf-8")
    return path


OUT_OF_ORDER = ("      - at: 2023-10-28T09:40:00Z", "      - at: 2023-10-28T09:01:00Z")
WARNING = "warning: timeline entry is earlier than the one before it"


def test_timeline_out_of_order_is_a_warning_and_strict_makes_it_fatal(tmp_path: Path) -> None:
    write_case(tmp_path, "order.yaml", OUT_OF_ORDER)
    warning = f"order.yaml:25:13: {WARNING}"
    relaxed = postmortem("validate", "order.yaml", cwd=tmp_path)
    assert relaxed.returncode == 0 and relaxed.stderr.splitlines() == [warning, "1 file(s) valid"]
    strict = postmortem("validate", "--strict", "order.yaml", cwd=tmp_path)
    assert strict.returncode == 1 and strict.stderr.splitlines() == [warning, "0 error(s), 1 warning(s) (warnings are fatal with --strict)"]
    assert "Traceback" not in relaxed.stderr + strict.stderr
    built = postmortem("build", "--strict", "--format", "md", "order.yaml", cwd=tmp_path)
    assert built.returncode == 1 and warning in built.stderr.splitlines()
    assert not (tmp_path / "output").exists()


def test_several_files_with_several_problems_each(tmp_path: Path) -> None:
    write_case(tmp_path, "one.yaml", ("impact: major\nstatus: resolved", "impact: huge\nstatus: resolvd"))
    write_case(tmp_path, "two.yaml", ("    posted_at: 2023-10-28T09:10:00Z", "    postd_at: 2023-10-28T09:10:00Z"),
               prefix="sumary: oops\n")
    write_case(tmp_path, "three.yaml", OUT_OF_ORDER)
    result = postmortem("validate", "one.yaml", "two.yaml", "three.yaml", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "one.yaml:3:9: error: impact: 'huge' is not allowed; expected none, minor, major, critical or maintenance",
        "one.yaml:4:9: error: status: 'resolvd' is not allowed; expected investigating, identified, monitoring, resolved, postmortem, "
        "scheduled, in_progress, verifying or completed",
        f"three.yaml:25:13: {WARNING}",
        "two.yaml:1:1: error: unknown key `sumary`; did you mean `summary`?",
        "two.yaml:33:5: error: missing required key `posted_at` in `updates[0]`",
        "two.yaml:34:5: error: unknown key `updates[0].postd_at`; did you mean `posted_at`?",
        "5 error(s), 1 warning(s)",
    ]


def test_build_reports_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    write_case(tmp_path, "incidents/a.yaml", ("impact: major", "impact: huge"))
    write_case(tmp_path, "incidents/b.yaml", ("title: Checkout errors", "title: !!python/object/apply:os.system ['x']"))
    result = postmortem("build", "--format", "md,html", "incidents", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if ": error: " in line] == [
        "incidents/a.yaml:3:9: error: impact: 'huge' is not allowed; expected none, minor, major, critical or maintenance",
        "incidents/b.yaml:1:8: error: YAML tags such as 'tag:yaml.org,2002:python/object/apply:os.system' are not allowed; "
        "types come from the schema",
    ]
    assert not (tmp_path / "output").exists()


@pytest.mark.parametrize("args", [
    ["validate", "--bogus"],
    ["render", "x.yaml"],
    ["render", "-f", "docx", "x.yaml"],
    ["build", "--format", "md,docx"],
    ["build", "--format", ","],
    ["render", "--internal", "-f", "html", "x.yaml"],
    ["no-such-command"],
])
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    result = postmortem(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Error:" in result.stderr


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write_case(tmp_path, "first.yaml", prefix="id: same-id\n")
    write_case(tmp_path, "second.yaml", prefix="id: same-id\n")
    result = postmortem("validate", "first.yaml", "second.yaml", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "second.yaml:1:5: error: id 'same-id' is also used by first.yaml; ids must be unique" in result.stderr.splitlines()


def test_file_names_differing_only_in_case(tmp_path: Path) -> None:
    write_case(tmp_path, "Foo.yaml")
    write_case(tmp_path, "foo.yaml")
    result = postmortem("build", "--format", "md", "Foo.yaml", "foo.yaml", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if ": error: " in line] == [(
        "Foo.yaml:1:1: error: the file name gives the id 'Foo', which is not a valid id; "
        "rename the file or set `id:` (lowercase letters, digits and hyphens)"
    )]
    assert not (tmp_path / "output").exists()


def test_same_id_in_different_folders(tmp_path: Path) -> None:
    write_case(tmp_path, "incidents/2023/outage.yaml")
    write_case(tmp_path, "incidents/2024/outage.yaml")
    _loaded, diagnostics = load_incidents(sorted((tmp_path / "incidents").rglob("*.yaml")), SiteConfig())
    assert [d.message for d in diagnostics] == [f"id 'outage' is also used by {tmp_path / 'incidents/2023/outage.yaml'}; ids must be unique"]


def test_markdown_field_cap_gives_a_clear_error(tmp_path: Path) -> None:
    text = "a" * (MAX_MARKDOWN_CHARS + 1)
    summary = "summary: |\n  Card payments failed for some customers."
    path = write_case(tmp_path, "big.yaml", (summary, "summary: " + text))
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is None
    assert [d.format() for d in diagnostics] == [
        f"{path}:17:10: error: summary: text is too long (50,001 characters; the limit is 50,000)"
    ]
    ok = write_case(tmp_path, "ok.yaml", (summary, "summary: " + text[:-1]))
    assert load_incident(ok, SiteConfig())[0] is not None


# --- Property: mutated seed incidents never crash the command -----------------

BASE_DATA = yaml.safe_load((INPUTS / "base.yaml").read_text("utf-8"))
NASTY = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "no", "12:30", "012", "~", "[", "&a x", "*a", "!!python/object:x", "\u202e", "\x00", "2021-02-30T25:00:00Z", "-1", "{}"]
)


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data: dict[str, object], path: tuple[object, ...], action: str, value: object) -> object:
    import copy

    data = copy.deepcopy(data)
    parent: object = data
    for part in path[:-1]:
        parent = parent[part]  # type: ignore[index]
    last = path[-1]
    if action == "delete":
        del parent[last]  # type: ignore[arg-type, union-attr]
    elif action == "swap":
        current = parent[last]  # type: ignore[index]
        parent[last] = [current] if not isinstance(current, list) else {"x": current}  # type: ignore[index]
    else:
        parent[last] = value  # type: ignore[index]
    return data


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_incidents_never_crash(tmp_path: Path, data: st.DataObject) -> None:
    paths = _paths(BASE_DATA)
    path = data.draw(st.sampled_from(paths))
    action = data.draw(st.sampled_from(["delete", "swap", "set"]))
    value = data.draw(NASTY)
    mutated = _mutate(BASE_DATA, path, action, value)
    raw = data.draw(st.booleans())
    text = yaml.safe_dump(mutated, allow_unicode=True) if not raw else yaml.safe_dump(mutated).replace("Checkout", str(value), 1)
    folder = tmp_path / "case"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "case.yaml").write_text(text, "utf-8", errors="surrogatepass")
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=folder):
        result = runner.invoke(main, ["validate", str(folder / "case.yaml")])
    assert result.exit_code in (0, 1), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        lines = result.stderr.splitlines()
        assert lines[-1].endswith(" warning(s)") and all(": error: " in line or ": warning: " in line for line in lines[:-1])
