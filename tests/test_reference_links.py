"""Reference-style links: each field is rendered on its own, so a reference to a definition in another
field is reported by ``validate`` (path:line:col) and shows as plain text, never as literal ``[a][b]``."""

from __future__ import annotations

from pathlib import Path

from generator.model.catalog import load_incident
from generator.model.config import SiteConfig
from generator.model.markdown_syntax import drop_unresolved_references
from generator.render.markdown import markdown_block, markdown_to_html, markdown_to_text
from generator.render.postmortem import render_markdown
from generator.render.report import report_html
from generator.render.status_post import render_status_post
from generator.render.text_post import render_text
from tests.conftest import postmortem

SOURCE = """title: Reference links
company: Example Inc.
impact: minor
status: resolved
zone: Europe/London
started_at: 2024-03-02T09:00:00Z
resolved_at: 2024-03-02T11:00:00Z
summary: |
  See [the dashboard][dash] for the error rate.

  [dash]: https://grafana.example.com/d/abc
root_cause: |
  The same graph: [the error graph][dash], and [the runbook][runbook].
  Also [dash] as a shortcut, and `[code][dash]` stays code.
next_steps: "Compare with [the dashboard][Dash] again."
updates:
  - status: resolved
    posted_at: 2024-03-02T11:00:00Z
    body: Resolved [sic] with [a collapsed one][].
"""


def test_validate_warns_at_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "refs.yaml"
    path.write_text(SOURCE, encoding="utf-8")
    result = postmortem("validate", "refs.yaml", cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("refs.yaml:13:19: warning: link reference [dash] is defined in `summary`, not in this field")
    assert lines[1].startswith("refs.yaml:13:48: warning: link reference [runbook] is not defined in `root_cause`")
    assert lines[2].startswith("refs.yaml:14:8: warning: link reference [dash] is defined in `summary`")
    assert lines[3].startswith("refs.yaml:15:27: warning: link reference [Dash] is defined in `summary`")
    assert lines[4].startswith("refs.yaml:19:31: warning: link reference [a collapsed one] is not defined in `updates[0].body`")
    assert len(lines) == 6 and lines[-1] == "1 file(s) valid"  # [sic] is prose; `[code][dash]` is code
    strict = postmortem("validate", "--strict", "refs.yaml", cwd=tmp_path, timeout=120)
    assert strict.returncode == 1


def test_no_output_shows_broken_reference_syntax(tmp_path: Path) -> None:
    path = tmp_path / "refs.yaml"
    path.write_text(SOURCE, encoding="utf-8")
    incident, _ = load_incident(path, SiteConfig())
    assert incident is not None
    config = SiteConfig()
    outputs = {"md": render_markdown(incident, config), "html": render_status_post(incident, config),
               "pdf": report_html(incident, config), "txt": render_text(incident, config)}
    for name, text in outputs.items():
        for broken in ("[the error graph][dash]", "[the runbook][runbook]", "[the dashboard][Dash]", "[a collapsed one][]"):
            assert broken not in text, (name, broken)
        assert "the error graph" in text and "the runbook" in text and "a collapsed one" in text, name
        assert "[code][dash]" in text, name  # code is never rewritten
    assert 'href="https://grafana.example.com/d/abc">the dashboard</a>' in outputs["html"]  # resolved in its own field


def test_rewrite_keeps_resolved_references_and_code() -> None:
    text = "[a][x] and [b][y] and `[c][y]`\n\n    [d][y]\n\n[x]: https://example.com/x"
    assert drop_unresolved_references(text) == "[a][x] and b and `[c][y]`\n\n    [d][y]\n\n[x]: https://example.com/x"
    assert "<p>b</p>" in markdown_to_html("[b][y]") and markdown_block("[b][y] <x>") == "b &lt;x>"
    assert markdown_to_text("[b][y]") == "b"
