"""A built PDF names the site's company in its facts table (a build clears each incident's own ``company``).

Before, every PDF of ``postmortem build`` read "Company None": the table printed the incident's
``company``, which ``site_wide`` sets to None so that one company names the whole site.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import INCIDENTS, SEED_IDS, postmortem


def test_a_built_pdf_names_the_sites_company(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    shutil.copy(INCIDENTS / f"{SEED_IDS[0]}.yaml", tmp_path / "incidents")
    (tmp_path / "postmortem.yaml").write_text("company: Example Site Inc.\n", "utf-8")
    result = postmortem("build", "--format", "pdf", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "output" / f"{SEED_IDS[0]}.pdf").pages)
    assert "None" not in text
    assert text.count("Example Site Inc.") >= 2  # the heading and the facts table
