"""A remote viewer of ``serve --host 0.0.0.0`` (without ``--internal``) sees where each problem is, never a value of the files.

Error messages quote values back ("status: '<value>' is not allowed", an unknown key, a did-you-mean),
and those values may be internal fields of an internal incident.  Before, the error page, the
banner on every page and the index quoted them to anyone on the network; now a remote viewer gets
``path:line:col`` and the message with every quoted part replaced by ``…`` (a key of the schema in
backticks stays).  This machine's browser, and everyone with ``--internal``, still sees it all.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

C = "canary7f3a"  # a word, so that it can be a key, a zone, an id, a status ...
BASE = """title: Secret thing
visibility: internal
impact: major
status: resolved
started_at: 2024-01-01T00:00:00Z
internal_notes: notes
severity: SEV-1
"""
# Each: lines appended to (or replacing a key of) the internal incident above; every one is invalid and holds the canary.
MUTATIONS = {
    "status": "status: {c}\n",
    "impact": "impact: {c}\n",
    "zone": "zone: Europe/{c}\n",
    "zone-abbreviation": "zone: {C}\n",
    "id": "id: {c}!x\n",
    "timestamp": "detected_at: 2024-01-01T00:00:00{c}\n",
    "unknown-key": "{c}: 1\n",
    "near-key": "internal_note{c}: 1\n",
    "duplicate-key": "{c}: 1\n{c}: 2\n",
    "wrong-type": "severity: [{c}]\n",
    "anchor": "internal_notes: &{c} x\n",
    "tag": "internal_notes: !{c} x\n",
    "unclosed-quote": "internal_notes: \"{c} and more\nseverity: x\n",
    "colon-in-text": "internal_notes: {c}: the rest\n",
    "bad-indent": "internal_notes: |\n    {c} first\n  {c} second\n",
    "escape": "internal_notes: \"{c} \\q\"\n",
    "bool": "data_loss: {c}\n",
    "action": "action_items:\n  - text: x\n    due: 2023-02-30{c}\n    ticket: '{c}:x'\n    status: {c}\n",
    "update": "updates:\n  - status: {c}\n    posted_at: {c}\n    body: x\n",
    "update-component": "components:\n  - name: API\nupdates:\n  - status: resolved\n    posted_at: 2024-01-01T01:00:00Z\n"
                        "    components:\n      - component: {c}\n        new_status: {c}\n",
    "window": "impact_windows:\n  - label: x\n    components: [{c}]\n    start: 2024-01-01T00:00:00Z\n",
    "people": "people:\n  - name: x\n    role: {c}\n",
    "order": "detected_at: 2023-12-31T23:59:00Z\n",  # before the start: both moments come back in the message
    "ticket-url": "action_items:\n  - text: x\n    ticket: javascript:{c}\n",
    "long-title": "title: {c} " + "x" * 400 + "\n",
    "headings": "headings:\n  {c}: x\n",
    "reference": "summary: see [the runbook][{c}] for more\n",  # valid: a warning names the label without quotes
    "dst": "detected_at: 2024-03-31T01:30:00\nzone: Europe/London\n",  # a moment that did not happen, named back
    "backtick-key": "a`{c}`b: 1\n",  # a key that closes the backticks around it in the message
    "quoted-quote": "status: \"it's {c} (\\\") x\"\n",  # its repr escapes a quote
    "unicode-key": "ключ{c}: 1\n",
    "control": "internal_notes: \"{c}\\u0007\"\n",
}
FORBIDDEN = {"order": ["2023-12-31"], "dst": ["01:30", "2024-03-31"]}  # moments of the file, named back without quotes


def incident_text(name: str) -> str:
    lines = MUTATIONS[name].format(c=C, C=C.upper())
    keys = {line.split(":", 1)[0] for line in lines.splitlines() if line and not line.startswith(" ")}
    kept = "".join(line + "\n" for line in BASE.splitlines() if line.split(":", 1)[0] not in keys)
    return kept + lines


def remote(state, path: str) -> str:  # type: ignore[no-untyped-def]
    from generator.preview.server import respond

    return respond(state, path, trusted=False).body.decode()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("remote")
    (folder / "incidents").mkdir()
    for name in MUTATIONS:
        (folder / "incidents" / f"{name}.yaml").write_text(incident_text(name), "utf-8")
    (folder / "postmortem.yaml").write_text("company: Example\n", "utf-8")
    return folder


def test_every_problem_is_named_to_a_remote_viewer_without_a_value_of_the_files(project: Path) -> None:
    from generator.preview.state import PreviewState

    (project / "postmortem.yaml").write_text("company: Example\n", "utf-8")
    state = PreviewState(project / "postmortem.yaml")
    snapshot = state.reload()
    assert {Path(d.path).stem for d in snapshot.errors} == set(MUTATIONS) - {"reference"}  # every file is broken
    assert any(C in d.message and d.severity == "warning" for d in snapshot.diagnostics)
    assert any(C in d.message or C.upper() in d.message for d in snapshot.errors)  # and values do come back in messages
    for name in sorted(set(MUTATIONS) - {"reference"}):
        page = remote(state, f"/{name}.html")
        assert f"{name}.yaml:" in page  # the problem is named by its position ...
        assert C not in page.lower(), (name, [d.message for d in snapshot.errors_for(name)])  # ... no value
        assert not [word for word in FORBIDDEN.get(name, []) if word in page], name
    from generator.preview.pages import errors_block

    for shown in (remote(state, "/"), errors_block(snapshot.diagnostics, trusted=False)):  # every diagnostic, warnings too
        assert C not in shown.lower() and not [word for words in FORBIDDEN.values() for word in words if word in shown]
    assert "warning: link reference […] is not defined in `summary`" in errors_block(snapshot.diagnostics, trusted=False)
    assert "unknown key `…`" in remote(state, "/unknown-key.html")  # the message keeps its words
    assert "status: &#x27;…&#x27; is not allowed; expected investigating," in remote(state, "/status.html")
    assert "`internal_notes`" in remote(state, "/colon-in-text.html")  # a key of the schema stays
    from generator.preview.server import respond

    assert C in respond(state, "/status.html").body.decode()  # this machine's own browser sees the value


def test_a_config_problem_names_no_value_either(project: Path) -> None:
    from generator.preview.state import PreviewState

    (project / "postmortem.yaml").write_text(f"company: Example\nlabels:\n  statuses:\n    {C}: x\n  headings:\n    {C}: [x]\n"
                                             f"zone: {C}\nlogo: {C}.png\n", "utf-8")
    state = PreviewState(project / "postmortem.yaml")
    state.reload()
    page = remote(state, "/")
    assert "postmortem.yaml:" in page and C not in page.lower()


def test_over_http_a_remote_client_gets_positions_and_this_machine_gets_values(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real handler: a client that is not this machine (simulated: ``from_this_machine`` says no) without ``--internal``."""
    from generator.preview import server as preview_server
    from generator.preview.state import PreviewState

    (project / "postmortem.yaml").write_text("company: Example\n", "utf-8")  # the config test may have broken it
    state = PreviewState(project / "postmortem.yaml")
    state.reload()
    with_internal = PreviewState(project / "postmortem.yaml", internal=True)
    with_internal.reload()
    with serving(state) as fetch, serving(with_internal) as fetch_internal:
        assert C in fetch("/people.html")  # this machine's browser: people[0].role (an internal field) and its value
        monkeypatch.setattr(preview_server, "from_this_machine", lambda client: False)
        for path in ("/people.html", "/anchor.html", "/status.html", "/", "/missing-page.html"):
            page = fetch(path)
            assert "people.yaml:" in page or path not in {"/people.html", "/"}
            assert C not in page.lower(), path
        assert "people[0].role: &#x27;…&#x27; is not allowed" in fetch("/people.html")
        assert str(project) not in fetch("/people.html")  # nor the serving machine's folders: incidents/people.yaml
        assert "Values from the files are shown as …" in fetch("/people.html")  # and the viewer is told why
        assert C in fetch_internal("/people.html")  # --internal: everyone who can reach the port is trusted


@contextmanager
def serving(state) -> Iterator[Callable[[str], str]]:  # type: ignore[no-untyped-def]
    """The preview's real request handler on a free port; yields a GET that returns the body (error pages too)."""
    from http.server import ThreadingHTTPServer

    from generator.preview import server as preview_server

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), preview_server.make_handler(state, lambda line: None))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def fetch(path: str) -> str:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{httpd.server_address[1]}{path}", timeout=30) as answer:
                return answer.read().decode()
        except urllib.error.HTTPError as failed:  # error pages are 500
            return failed.read().decode()

    try:
        yield fetch
    finally:
        httpd.shutdown()
        httpd.server_close()

