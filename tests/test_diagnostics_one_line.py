"""A diagnostic is one line, whatever the file's name or its keys hold.

Before, an incident author could start lines of their own in the CI log: a quoted key
``"a\\n::error title=x::y"`` or a file name with a line break printed a line that GitHub
Actions reads as a workflow command (``::error``, ``::add-mask::``, ``::stop-commands::``).
"""

from __future__ import annotations

from pathlib import Path

from generator.errors import Diagnostic
from tests.conftest import postmortem


def test_line_breaks_and_controls_are_escaped() -> None:
    diagnostic = Diagnostic("incidents/a\n::warning::b\x1b[31m.yaml", 1, 2, "unknown key `k\r\n::add-mask::x\u2028y\x85z`")
    assert diagnostic.format() == ("incidents/a\\n::warning::b\\x1b[31m.yaml:1:2: error: "
                                   "unknown key `k\\r\\n::add-mask::x\\u2028y\\x85z`")
    assert Diagnostic("a\tb.yaml", 1, 1, "tab\tstays").format() == "a\tb.yaml:1:1: error: tab\tstays"


def test_a_crafted_key_or_file_name_cannot_start_a_line_in_the_log(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "k.yaml").write_text('"a\\n::error title=pwned::injected": 1\n', "utf-8")
    (tmp_path / "incidents" / "f\n::warning::named.yaml").write_text("title: x\n", "utf-8")
    result = postmortem("validate", cwd=tmp_path, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith("::")], result.stderr
    assert "unknown key `a\\n::error title=pwned::injected`" in result.stderr
