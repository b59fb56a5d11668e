"""The strict YAML reader: tags, aliases, duplicate keys, implicit typing, encoding, size, nesting.

Per-file diagnostics of the command are covered by the fixture suite in
test_validation.py (tests/inputs/bad); here the reader is exercised directly
with generated inputs (1 MB files, 10,000 levels of nesting, every control
character) and through one real ``postmortem`` subprocess.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import InputError
from generator.load import read_yaml
from generator.load.yaml_reader import MAX_DEPTH, MAX_FILE_BYTES, read_yaml_text
from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from tests.conftest import postmortem

INPUTS = Path(__file__).resolve().parent / "inputs"


def problems(text: str) -> list[str]:
    """Every diagnostic for ``text`` as ``line:col: message``; [] when it reads cleanly."""
    try:
        read_yaml_text(text, "f.yaml")
    except InputError as exc:
        return [f"{d.line}:{d.column}: {d.message}" for d in exc.diagnostics]
    return []


@pytest.mark.parametrize("text, expected", [
    ('title: !!python/object/apply:os.system ["id"]\n', "1:8: YAML tags such as 'tag:yaml.org,2002:python/object/apply:os.system' are not allowed"),
    ("a:\n  b: !!python/name:os.system x\n", "2:6: YAML tags such as 'tag:yaml.org,2002:python/name:os.system'"),
    ("a: !!binary aGVsbG8=\n", "1:4: YAML tags such as 'tag:yaml.org,2002:binary'"),
    ("a: !!int 12\n", "1:4: YAML tags such as 'tag:yaml.org,2002:int'"),
    ("a: !custom x\n", "1:4: YAML tags such as '!custom'"),
    ("a: !<tag:example.com,2024:x> y\n", "1:4: YAML tags such as 'tag:example.com,2024:x'"),
    ("a: !!set {x, y}\n", "1:4: YAML tags such as 'tag:yaml.org,2002:set'"),
])
def test_tags_are_rejected_with_position(text: str, expected: str) -> None:
    found = problems(text)
    assert len(found) == 1 and found[0].startswith(expected), found


def test_anchor_and_alias_are_rejected() -> None:
    assert problems("a: &x secret\nb: *x\n") == [
        "1:4: YAML anchors (&x) are not allowed",
        "2:4: YAML aliases (*name) are not allowed; write the value out",
    ]


def test_billion_laughs_fails_fast() -> None:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 30)]
    found = problems("\n".join(lines) + "\n")
    assert found[-1] == "2:10: YAML aliases (*name) are not allowed; write the value out"
    assert len(found) <= 3  # stops at the first alias instead of expanding 10**30 strings


def test_duplicate_keys_name_both_lines() -> None:
    assert problems("title: a\nimpact: minor\ntitle: b\n") == ["3:1: duplicate key 'title' (first defined on line 1)"]
    assert problems("u:\n  - x: 1\n    y: 2\n    x: 3\n") == ["4:5: duplicate key 'x' (first defined on line 2)"]
    assert problems("u:\n  - x: 1\n  - x: 2\n") == []  # same key in different mappings is fine


@pytest.mark.parametrize("scalar", ["no", "yes", "off", "On", "12:30", "012", "0x1F", "1.10", "1e3", "true", ".inf", "2021-09-13", "+1"])
def test_implicit_typing_never_applies(scalar: str) -> None:
    assert read_yaml_text(f"a: {scalar}\nb: [{scalar}]\n", "f.yaml").data == {"a": scalar, "b": [scalar]}


def test_implicit_typing_through_the_model() -> None:
    incident, diagnostics = load_incident(INPUTS / "good" / "implicit-typing.yaml", SiteConfig(), in_site=False)
    assert diagnostics == [] and incident is not None
    assert (incident.title, incident.company, incident.summary) == ("no", "12:30", "true")
    assert (incident.components[0].name, incident.components[0].group) == ("012", "012")
    assert incident.impact_windows[0].label == "1.10"
    assert incident.problems[0].name == "on"
    assert incident.problems[0].timeline[0].text == "0x1F"
    assert incident.action_items[0].text == "2021-09-13"
    assert incident.updates[1].body == "1e3"


@pytest.mark.parametrize("word, accepted", [("true", True), ("false", True), ("yes", False), ("no", False), ("on", False),
                                            ("True", False), ("1", False), ("'true'", True)])
def test_booleans_accept_only_true_and_false(tmp_path: Path, word: str, accepted: bool) -> None:
    text = (INPUTS / "base.yaml").read_text().replace("    internal: true", f"    internal: {word}")
    (tmp_path / "x.yaml").write_text(text)
    incident, diagnostics = load_incident(tmp_path / "x.yaml", SiteConfig())
    if accepted:
        assert incident is not None and diagnostics == []
    else:
        assert [d.message for d in diagnostics] == ["components[1].internal: must be true or false"]
        assert (diagnostics[0].line, diagnostics[0].column) == (12, 15)


def test_file_over_the_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("title: x\nsummary: |\n" + "  " + "a" * (MAX_FILE_BYTES + 10) + "\n")
    with pytest.raises(InputError) as caught:
        read_yaml(path)
    message = caught.value.diagnostics[0].format()
    assert message.startswith(f"{path}:1:1: error: file is ") and message.endswith("bytes; the limit is 1,000,000")


def test_file_just_under_the_size_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    body = "a: " + "x" * (MAX_FILE_BYTES - 10) + "\n"
    path.write_text(body)
    assert len(read_yaml(path).data["a"]) == MAX_FILE_BYTES - 10  # type: ignore[index]


@pytest.mark.parametrize("text", [
    "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "a: " + "{b: " * 10_000 + "}" * 10_000 + "\n",
    "".join(" " * i + f"k{i}:\n" for i in range(200)) + " " * 200 + "v\n",
    "".join(" " * (2 * i) + "- \n" for i in range(100)),
])
def test_deep_nesting_fails_fast(text: str) -> None:
    found = problems(text)
    assert len(found) == 1 and found[0].endswith(f"nesting deeper than {MAX_DEPTH} levels"), found


def test_nesting_at_the_limit_is_fine() -> None:
    assert problems("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n") == []


@pytest.mark.parametrize("prefix, bad, column", [
    (b"title: ", b"\xff", 8),
    (b"title: caf\xc3\xa9 ", b"\xc3(", 13),
    (b"title: \xe2\x82\xac\xe2\x82\xac", b"\xe2\x82", 10),
])
def test_invalid_utf8_points_at_the_bad_byte(tmp_path: Path, prefix: bytes, bad: bytes, column: int) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"impact: minor\n" + prefix + bad + b"\n")
    with pytest.raises(InputError) as caught:
        read_yaml(path, "x.yaml")
    assert caught.value.diagnostics[0].format() == f"x.yaml:2:{column}: error: invalid UTF-8 (byte 0x{bad[0]:02x}); save the file as UTF-8"


def test_bom_and_crlf_are_accepted_with_correct_positions(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbftitle: a\r\nimpact: minor\r\nsummary: |\r\n  one\r\n  two\r\n")
    document = read_yaml(path)
    assert document.data == {"title": "a", "impact": "minor", "summary": "one\ntwo\n"}
    assert document.positions.values[("impact",)] == (2, 9)
    incident, diagnostics = load_incident(INPUTS / "good" / "bom-crlf.yaml", SiteConfig())
    assert incident is not None and diagnostics == [] and incident.title == "Checkout errors"
    assert "\r" not in (incident.summary or "")


@pytest.mark.parametrize("text, expected", [
    ("a: 1\n---\nb: 2\n", ["2:1: only one YAML document per file is allowed"]),
    ("---\na: 1\n...\n---\nb: 2\n", ["4:1: only one YAML document per file is allowed"]),
    ("a: [1, 2\nb: 3\n", ["2:2: YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence)"]),
    # Reported where the quote was opened, with the fix (issue 11), not at the end of the file.
    ("a: 'open\n", ["1:4: YAML syntax: this value opens a single quote (') that is not closed on this line, so YAML reads "
                    "everything up to the next ' as part of it; add the closing ' at the end of the value"]),
    ("a: b: c\n", ['1:4: YAML syntax: this text contains a colon followed by a space, which YAML reads as the start of '
                   'another key; put the whole text in quotes, e.g. title: "Payments: card errors"']),
    ("a:\n\t- b\n", ["2:1: YAML syntax: found character that cannot start any token (while scanning for the next token)"]),
    ("? [a]\n: b\n", ["1:3: mapping keys must be plain text, not a list or mapping"]),
    ("a: 1\n~: b\n", ["2:1: mapping key is empty; write a key name before the colon"]),
])
def test_structure_and_syntax_errors(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "- a\n- b\n", "just text\n", "~\n"])
def test_non_mapping_documents_are_not_incidents(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text)
    incident, diagnostics = load_incident(path, SiteConfig())
    assert incident is None and len(diagnostics) == 1
    assert diagnostics[0].message in {
        "file is empty; expected a mapping of keys to values",
        "file has no data (only comments or blank lines); expected a mapping of keys to values",
        "expected a mapping of keys to values at the top level",
    }


FORBIDDEN = [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + [0x7F, 0x85, 0x9F] + [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]


@pytest.mark.parametrize("code", FORBIDDEN, ids=[f"U+{c:04X}" for c in FORBIDDEN])
def test_control_and_bidi_characters_are_errors_with_position(code: int) -> None:
    kind = "bidirectional control" if code >= 0x2000 else "control"
    assert problems(f"impact: minor\ntitle: ab{chr(code)}c\n") == [f"2:10: {kind} character U+{code:04X} is not allowed"]
    if code < 0x100:
        escaped = f'"ab\\x{code:02x}c"'
    else:
        escaped = f'"ab\\u{code:04x}c"'
    message = f"{kind} character U+{code:04X} is not allowed (written as an escape in this value)"
    assert problems(f"impact: minor\ntitle: {escaped}\n") == [f"2:8: {message}"]


def test_tab_newline_and_ordinary_unicode_are_fine() -> None:
    assert read_yaml_text('a: "x\\ty"\nb: |\n  é 漢字 🙂 \u200f\n', "f.yaml").data == {"a": "x\ty", "b": "é 漢字 🙂 \u200f\n"}


def test_every_control_character_is_reported_in_one_run() -> None:
    assert problems("a: x\x01\nb: y\x02\n") == ["1:5: control character U+0001 is not allowed", "2:5: control character U+0002 is not allowed"]


def test_real_command_reports_yaml_problems(tmp_path: Path) -> None:
    (tmp_path / "tagged.yaml").write_text('title: !!python/object/apply:os.system ["touch pwned"]\n')
    (tmp_path / "aliased.yaml").write_text("title: &t x\nsummary: *t\n")
    result = postmortem("validate", "tagged.yaml", "aliased.yaml", cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "aliased.yaml:1:8: error: YAML anchors (&t) are not allowed",
        "aliased.yaml:2:10: error: YAML aliases (*name) are not allowed; write the value out",
        "tagged.yaml:1:8: error: YAML tags such as 'tag:yaml.org,2002:python/object/apply:os.system' are not allowed; types come from the schema",
        "3 error(s), 0 warning(s)",
    ]
    assert not (tmp_path / "pwned").exists()


def test_an_ascii_file_is_checked_for_the_same_characters_as_any_other() -> None:
    """ASCII text takes a faster scan: every ASCII character is refused or accepted exactly as in a
    file that also holds non-ASCII text, with the same message at the same place."""

    def problems(text: str) -> list[tuple[int, int, str]]:
        try:
            read_yaml_text(text, "x.yaml")
        except InputError as exc:
            return [(d.line, d.column, d.message) for d in exc.diagnostics if "not allowed" in d.message]
        return []

    for code in range(128):
        if chr(code) in "\n\r":
            continue
        ascii_only = problems(f"title: a{chr(code)}b\n")
        assert ascii_only == problems(f"title: a{chr(code)}b\nsummary: é\n"), code
        assert bool(ascii_only) == ((code < 32 and chr(code) != "\t") or code == 127), code
