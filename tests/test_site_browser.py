"""A real headless browser opens the site from ``file://`` without console errors.

Skipped when Chromium is not installed. A positive control proves that a
console error would be seen.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generator.site import render_site
from tests.conftest import SEED_IDS
from tests.test_site_support import SEED_CONFIG, seeds

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def _open(page: Path, profile: Path) -> tuple[str, list[str]]:
    """The DOM Chromium built and the console lines it logged."""
    result = subprocess.run(
        [CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=60, check=False,
    )
    return result.stdout, [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def test_pages_open_in_chromium_without_console_errors(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for path, body in render_site(seeds(), SEED_CONFIG).items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><title>x</title><script>console.error('control'); missing();</script>")
    _, control = _open(bad, tmp_path / "profile-control")
    assert control, "the positive control logged nothing: console capture is not working"
    for n, (path, expected) in enumerate([("index.html", "Incident history"), (f"incidents/{SEED_IDS[0]}/index.html", "Root Cause")]):
        dom, console = _open(site / path, tmp_path / f"profile-{n}")
        assert expected in dom
        assert console == [], console
