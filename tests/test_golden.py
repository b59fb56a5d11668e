"""Golden files pin the Markdown and HTML of every sample incident.

Refresh every golden file after an intended change:  UPDATE_GOLDEN=1 python -m pytest -q -m golden
then review the diff of tests/golden/ before committing.
"""

from __future__ import annotations

import pytest

from generator.model.config import SiteConfig
from generator.render.postmortem import render_markdown
from generator.render.status_post import render_status_post
from tests.conftest import TESTS, assert_matches_golden, load_sample, sample_ids

GOLDEN = TESTS / "golden"

CASES = [
    *[(incident_id, "md", False) for incident_id in sample_ids()],
    *[(incident_id, "html", False) for incident_id in sample_ids()],
    ("2023-10-28-checkout-payment-failures", "md", True),
]


def _render(incident_id: str, fmt: str, internal: bool) -> str:
    incident = load_sample(incident_id)
    if fmt == "md":
        return render_markdown(incident, SiteConfig(), internal=internal)
    return render_status_post(incident, SiteConfig())


@pytest.mark.golden
@pytest.mark.parametrize(("incident_id", "fmt", "internal"), CASES)
def test_output_matches_golden_file(incident_id: str, fmt: str, internal: bool) -> None:
    name = f"{incident_id}{'.internal' if internal else ''}.{fmt}"
    golden = GOLDEN / name
    actual = _render(incident_id, fmt, internal)
    assert_matches_golden(golden, actual)


def test_every_sample_has_golden_files() -> None:
    for incident_id in sample_ids():
        assert (GOLDEN / f"{incident_id}.md").exists()
        assert (GOLDEN / f"{incident_id}.html").exists()
