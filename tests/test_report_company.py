"""A built PDF and a built status post name the site's company (a build clears each incident's own ``company``).

Before, every PDF of ``postmortem build`` read "Company None": the table printed the incident's
``company``, which ``site_wide`` sets to None so that one company names the whole site. The status
post's page header did the same until 2026-12-01 (seen in a screenshot of a built post): both now
print the render context's ``company``, the one name every document shows. A file that names another
company than the site's gets a warning from ``validate``, ``build``, ``serve`` and ``report`` (its own name
would silently not be shown); ``render`` names the file's own and says nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import INCIDENTS, SEED_IDS, TESTS, postmortem
from tests.shared_pdfs import pdf_text


def test_a_built_pdf_names_the_sites_company(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    shutil.copy(INCIDENTS / f"{SEED_IDS[0]}.yaml", tmp_path / "incidents")
    (tmp_path / "postmortem.yaml").write_text("company: Example Site Inc.\n", "utf-8")
    result = postmortem("build", "--format", "pdf", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    text = pdf_text(tmp_path / "output" / f"{SEED_IDS[0]}.pdf")
    assert "None" not in text
    assert text.count("Example Site Inc.") >= 2  # the heading and the facts table


def test_a_built_status_post_is_headed_by_the_sites_company_and_a_rendered_one_by_its_own(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    source = TESTS / "inputs" / "fidelity" / "cloudflare.yaml"  # its own company: Cloudflare
    shutil.copy(source, tmp_path / "incidents" / "2019-07-02-cloudflare-waf-cpu-exhaustion.yaml")
    source = tmp_path / "incidents" / "2019-07-02-cloudflare-waf-cpu-exhaustion.yaml"
    (tmp_path / "postmortem.yaml").write_text("company: Example Site Inc.\n", "utf-8")
    result = postmortem("build", "--format", "html", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    # The file names a company the built post will not show: the build says so at the value, once.
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert warnings == [f"{source}:10:10: warning: `company` is 'Cloudflare' but the site's company is "
                        "'Example Site Inc.' (postmortem.yaml): a build names 'Example Site Inc.' on this incident's pages, "
                        "post and report, and only `postmortem render` names 'Cloudflare'; set `company` in postmortem.yaml, "
                        "or leave it out here"]
    built = (tmp_path / "output" / f"{source.stem}.html").read_text("utf-8")
    assert '<header class="site-header"><p>Example Site Inc.</p></header>' in built
    assert ">None<" not in built and "Incident Report for Example Site Inc." in built
    rendered = postmortem("render", str(source), "-f", "html", "-o", "-", cwd=tmp_path)
    assert rendered.returncode == 0, rendered.stderr
    assert '<header class="site-header"><p>Cloudflare</p></header>' in rendered.stdout
    assert "warning" not in rendered.stderr  # render names the file's own company: nothing to warn about


def test_the_same_company_typed_with_other_accents_is_not_another_company(tmp_path: Path) -> None:
    """"Café" typed as e + combining accent against "Café" typed as é: the same name, no warning (attack pass)."""
    from generator.model.catalog import load_incident
    from generator.model.config import SiteConfig

    path = tmp_path / "2024-01-01-x.yaml"
    path.write_text("title: x\ncompany: Cafe\u0301\nimpact: minor\nstatus: resolved\nstarted_at: 2024-01-01T00:00:00Z\n"
                    "resolved_at: 2024-01-01T01:00:00Z\n", "utf-8")
    _incident, diagnostics = load_incident(path, SiteConfig(company="Caf\u00e9"))
    assert [d.message for d in diagnostics] == []
    _incident, diagnostics = load_incident(path, SiteConfig(company="Cafe"))
    assert len([d for d in diagnostics if "but the site's company is 'Cafe'" in d.message]) == 1
