"""Ctrl-C during a build: exit 130 with one line, no worker tracebacks, the output folder intact (real command)."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from generator.builder.orchestrator import MIN_POOL_JOBS
from tests.conftest import CLI
from tests.test_write_atomic import build, leftovers, snapshot, write_incidents


def interrupt_at(project: Path, step: str, *args: str) -> tuple[int, str]:
    """Start a build in its own process group (like a terminal's), wait for ``step``, press Ctrl-C for the whole group."""
    process = subprocess.Popen([*CLI, "build", "--format", "md,html", "--force", "--jobs", "2", "--quiet", *args], cwd=project,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "POSTMORTEM_TEST_PAUSE": f"{step}:60"})
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.startswith(f"paused at {step}"):
            break
    os.killpg(process.pid, signal.SIGINT)
    rest = process.stderr.read()
    return process.wait(timeout=60), "".join(seen) + rest


@pytest.mark.parametrize("step", ["rendering", "staging"])
def test_ctrl_c_exits_130_with_one_line_and_leaves_the_output_intact(tmp_path: Path, step: str) -> None:
    count = 2 * MIN_POOL_JOBS  # a build on the worker pool, in more than one chunk
    write_incidents(tmp_path, count, "Before")
    assert build(tmp_path).returncode == 0
    before = snapshot(tmp_path / "output")
    write_incidents(tmp_path, count, "After")
    code, stderr = interrupt_at(tmp_path, step)
    assert code == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    printed = [line for line in stderr.splitlines() if not line.startswith("paused at")]
    assert printed == ["interrupted"], stderr
    assert snapshot(tmp_path / "output") == before
    result = build(tmp_path)  # the next build finishes the job and cleans up
    assert result.returncode == 0 and leftovers(tmp_path) == []
    assert "After 0" in (tmp_path / "output" / "incident-000.md").read_text("utf-8")
