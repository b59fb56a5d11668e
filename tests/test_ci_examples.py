"""The documented CI jobs parse, keep the build cache between runs, and a fresh checkout really uses it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml

from tests.conftest import INCIDENTS, ROOT, postmortem

EXAMPLES = ROOT / "examples" / "ci"


def test_github_actions_job_caches_the_build_cache_and_publishes_the_output() -> None:
    workflow = yaml.safe_load((EXAMPLES / "github-pages.yml").read_text("utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == ".postmortem-cache" and cache["with"]["restore-keys"]
    assert any("postmortem build" in step.get("run", "") and "SOURCE_DATE_EPOCH" in step.get("run", "") for step in steps)
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "output"
    assert workflow["jobs"]["deploy"]["needs"] == "build"


def test_gitlab_job_caches_the_build_cache_and_publishes_public() -> None:
    job = yaml.safe_load((EXAMPLES / "gitlab-pages.yml").read_text("utf-8"))["pages"]
    assert job["cache"]["paths"] == [".postmortem-cache/"]
    script = "\n".join(job["script"])
    assert "postmortem build --strict --quiet -o public" in script and "SOURCE_DATE_EPOCH" in script
    assert job["artifacts"]["paths"] == ["public"]


def test_a_restored_cache_is_used_by_a_fresh_checkout_only_with_the_key_the_jobs_pass(tmp_path: Path) -> None:
    """What the jobs do: keep `.postmortem-cache/` only; the state folder (and its key file) is gone in a fresh clone."""
    workflow = yaml.safe_load((EXAMPLES / "github-pages.yml").read_text("utf-8"))
    build_step = next(step for step in workflow["jobs"]["build"]["steps"] if step.get("name") == "Build")
    assert build_step["env"]["POSTMORTEM_CACHE_KEY"] == "${{ secrets.POSTMORTEM_CACHE_KEY }}"
    assert "POSTMORTEM_CACHE_KEY" in (EXAMPLES / "gitlab-pages.yml").read_text("utf-8")
    shutil.copytree(INCIDENTS, tmp_path / "incidents")
    def fresh_clone_build(key: str | None) -> str:
        shutil.rmtree(tmp_path / "output", ignore_errors=True)
        shutil.rmtree(tmp_path / ".postmortem-state", ignore_errors=True)
        env = {name: value for name, value in os.environ.items() if name != "POSTMORTEM_CACHE_KEY"}
        result = postmortem("build", "--format", "md,html", cwd=tmp_path, timeout=300,
                            env=env | ({"POSTMORTEM_CACHE_KEY": key} if key else {}))
        assert result.returncode == 0, result.stderr
        return result.stderr

    fresh_clone_build("the-secret")
    with_key = fresh_clone_build("the-secret")
    assert "not usable" not in with_key and "(0 changed," in with_key, with_key
    without_key = fresh_clone_build(None)
    assert "not sealed with this project's key" in without_key and "(0 changed," not in without_key, without_key
