"""scripts/setup skips pip only when this checkout is installed with everything it needs (scripts/installed_here.py)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("installed_here", ROOT / "scripts" / "installed_here.py")
installed_here = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(installed_here)


def test_requirements_are_checked_by_version_and_by_extra() -> None:
    assert installed_here.requirements_met(["jinja2>=3", "pyyaml"], "")
    assert not installed_here.requirements_met(["jinja2>=999"], "")
    assert not installed_here.requirements_met(["no-such-package-anywhere>=1"], "")
    only_for_tests = ['hypothesis>=999; extra == "test"']
    assert installed_here.requirements_met(only_for_tests, "")  # not asked for
    assert not installed_here.requirements_met(only_for_tests, "test")


def test_another_checkout_or_an_edited_pyproject_is_not_installed_here(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    script = [sys.executable, str(ROOT / "scripts" / "installed_here.py")]
    assert subprocess.run([*script, str(tmp_path), "test"]).returncode == 1  # the install points elsewhere
    assert installed_here.stamp(tmp_path) == installed_here.stamp(ROOT)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text("utf-8") + "\n# edited\n", "utf-8")
    assert installed_here.stamp(tmp_path) != installed_here.stamp(ROOT)
    assert not installed_here.installed_here(ROOT, "test") or installed_here.stamp_path(ROOT).read_text("ascii") == installed_here.stamp(ROOT)
