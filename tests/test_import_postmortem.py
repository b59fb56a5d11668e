"""A status-page postmortem arrives whole: ``postmortem_body`` reaches every output, also when the
export holds a ``postmortem``-status update (the usual case once a postmortem is published)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from generator.load import read_yaml
from generator.migrate.statuspage_import import EMPTY_BODY, merge_postmortem
from tests.conftest import postmortem
from tests.shared_pdfs import pdf_text

EXPORT = Path(__file__).parent / "fixtures" / "statuspage" / "management-api-postmortem-update.json"
POSTMORTEM = "A schema migration locked the sessions table for 62 minutes"
NOTICE = "We have published a postmortem for this incident."


def run(*args: str) -> str:
    done = postmortem(*args, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_merge_keeps_the_notice_and_the_postmortem_once() -> None:
    assert merge_postmortem("", "Body.") == "Body."
    assert merge_postmortem(EMPTY_BODY, "Body.") == "Body."
    assert merge_postmortem("Body.", "Body.") == "Body."
    assert merge_postmortem("We posted it.", "Body.") == "We posted it.\n\nBody."
    assert merge_postmortem("Body.\n\nThanks.", "Body.") == "Body.\n\nThanks."  # the update already holds it
    assert merge_postmortem("Body.", "Body.\n\nMore.") == "Body.\n\nMore."


def test_postmortem_body_reaches_every_output(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    run("import", "statuspage", str(EXPORT), "-o", str(folder))
    dashboard = folder / "2024-02-06-dashboard-unavailable.yaml"
    exports = folder / "2024-03-04-exports-delayed.yaml"
    updates = read_yaml(dashboard).data["updates"]  # type: ignore[index]
    postmortems = [u for u in updates if u["status"] == "postmortem"]
    assert len(postmortems) == 1 and NOTICE in postmortems[0]["body"] and POSTMORTEM in postmortems[0]["body"]
    assert "internal" not in postmortems[0]  # published on the page: public
    empty = [u for u in read_yaml(exports).data["updates"] if u["status"] == "postmortem"]  # type: ignore[index]
    assert empty[0]["body"].strip() == "An export worker pool was scaled to zero by a faulty autoscaling rule."

    out = tmp_path / "site"
    run("build", str(dashboard), str(exports), "-o", str(out), "--format", "md,html,pdf")
    slug = dashboard.stem
    for path in (out / f"{slug}.md", out / f"{slug}.html", out / "incidents" / slug / "index.html"):
        text = " ".join(path.read_text("utf-8").split())
        assert POSTMORTEM in text and NOTICE in text, path
    pdf = pdf_text(out / f"{slug}.pdf")
    assert POSTMORTEM in pdf and NOTICE in pdf
    api = json.loads((out / "api" / "v2" / "incidents.json").read_text("utf-8"))
    bodies = [u["body"] for i in api["incidents"] if i["id"] == slug for u in i["incident_updates"] if u["status"] == "postmortem"]
    assert bodies and POSTMORTEM in bodies[0]
    text = run("render", str(dashboard), "-f", "txt", "-o", "-")
    assert POSTMORTEM in " ".join(text.split())


def test_imported_fractions_of_a_second_stay_within_html_limits(tmp_path: Path) -> None:
    folder = tmp_path / "incidents"
    run("import", "statuspage", str(EXPORT), "-o", str(folder))
    dashboard = folder / "2024-02-06-dashboard-unavailable.yaml"
    data = read_yaml(dashboard).data
    assert data["resolved_at"] == "2024-02-06T11:05:30.250Z"  # type: ignore[index]
    assert data["updates"][-1]["posted_at"] == "2024-02-06T10:02:11.713Z"  # type: ignore[index]
    out = tmp_path / "site"
    run("build", str(dashboard), "-o", str(out), "--format", "html")
    for page in [p for p in out.rglob("*.html")]:
        markup = page.read_text("utf-8")
        assert not re.findall(r'datetime="[^"]*\.\d{4,}', markup), page  # HTML: at most 3 fraction digits
        # Impact periods are shown to the minute at both ends, never "10:00 – 11:05:30".
        assert not re.search(r"\b\d\d:\d\d:\d\d (?:UTC|GMT|BST)", markup), page
    assert 'datetime="2024-02-06T10:02:11.713+00:00"' in (out / f"{dashboard.stem}.html").read_text("utf-8")
