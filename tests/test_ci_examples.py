"""The documented CI jobs parse, build with the real command and keep the build cache between runs."""

from __future__ import annotations

import yaml

from tests.conftest import ROOT

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
