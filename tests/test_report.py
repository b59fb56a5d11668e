"""``postmortem report``: statistics in-process (known values, missing moments, a seeded bootstrap,
availability policies, a window across midnight and a clock change), then the real command once
per format, its usage and input errors, and byte reproducibility."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from generator.load.sources import find_incident_files
from generator.model.availability import describe
from generator.model.catalog import check_incident_text, load_incidents
from generator.model.config import AvailabilityPolicy, SiteConfig
from generator.model.incident import Incident
from generator.render.colour import contrast
from generator.render.provenance import Provenance, provenance
from generator.report import charts
from generator.report.availability import availability
from generator.report.document import build_report
from generator.report.follow_through import causes, open_items, state_of, tracked
from generator.report.gather import ReportIncident, gather, visible
from generator.report.period import Period, choose_period
from generator.report.render import render_report
from generator.report.statistics import bootstrap_difference, compare, median, nearest_rank, sample
from tests.conftest import ROOT, postmortem
from tests.shared_pdfs import pdf_text

EXAMPLE = ROOT / "examples" / "quarterly"
Q3 = Period(date(2024, 8, 1), date(2024, 10, 31), "Europe/London")
NO_GIT = Provenance(None, False, None)


def incident(text: str, name: str = "x") -> Incident:
    found, diagnostics = check_incident_text(text, Path(f"{name}.yaml"), SiteConfig(zone="Europe/London"))
    assert found is not None, [d.format() for d in diagnostics]
    return found


def example_incidents() -> list[Incident]:
    config = SiteConfig(zone="Europe/London")
    loaded, diagnostics = load_incidents(find_incident_files(EXAMPLE / "incidents"), config)
    assert not diagnostics
    return [item.incident for item in loaded]


# --- statistics with known values --------------------------------------------------------------

def test_median_and_nearest_rank_percentile() -> None:
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert nearest_rank(list(range(1, 11)), 0.9) == 9  # ⌈0.9·10⌉ = 9th smallest
    assert nearest_rank(list(range(1, 21)), 0.9) == 18
    assert nearest_rank([1, 2, 3], 0.9) == 3  # ⌈2.7⌉ = 3rd: always a value that happened
    assert nearest_rank([7], 0.9) == 7


def test_missing_moments_are_counted_not_dropped() -> None:
    shown = visible(example_incidents(), internal=False)
    current = gather(shown, Q3).current
    detect = sample(current, "time_to_detect")
    assert detect.missing == ("2024-10-30-login-loop",)
    assert detect.count + len(detect.missing) == len([i for i in current if not i.incident.is_maintenance]) == 8
    first_post = sample(current, "time_to_first_update")
    assert first_post.missing == ("2024-09-17-disk-near-miss",)  # a near miss with no public post
    # Example values: detection 3, 6, 14, 25, 48, 70 min and 3 min for the near miss -> median 14 min, p90 70 min.
    assert detect.median == 14 * 60 and detect.p90 == 70 * 60


def test_metrics_across_midnight_and_the_clock_change() -> None:
    """23:20 BST on Oct 26 to 06:20 GMT on Oct 27, 2024: 8 hours, though the wall clocks differ by 7."""
    overnight = next(i for i in example_incidents() if i.slug == "2024-10-26-overnight-reporting")
    item = gather([overnight], Q3).current[0]
    assert item.metrics.time_to_resolve == timedelta(hours=8)
    assert item.metrics.duration == timedelta(hours=7, minutes=50)
    assert item.metrics.time_to_detect == timedelta(minutes=48)


def test_bootstrap_is_deterministic_and_says_noise_or_not() -> None:
    before = [600.0, 900, 1200, 1500, 1800, 2400, 3000]
    assert bootstrap_difference(before, before, seed="s") == bootstrap_difference(before, before, seed="s")
    low_high = bootstrap_difference(before, [v + 1 for v in before], seed="s")[1:]
    assert low_high[0] <= 0 <= low_high[1]  # one second apart: within noise
    current = sample([], "time_to_detect")
    assert compare(current, current, "time_to_detect").verdict == "too few"


def detected_after(minutes: list[int]) -> list[ReportIncident]:
    """Made-up incidents detected ``minutes`` after their impact began."""
    from generator.model.metrics import compute_metrics

    made = [incident("title: t\nimpact: minor\nstatus: resolved\nstarted_at: 2024-08-01T10:00Z\n"
                     f"detected_at: {(datetime(2024, 8, 1, 10) + timedelta(minutes=m)).isoformat()}Z\n", f"i{n}")
            for n, m in enumerate(minutes)]
    return [ReportIncident(i, i.impact_start, compute_metrics(i)) for i in made]


def test_comparison_verdicts_over_made_up_periods() -> None:
    slow, fast = detected_after([60, 70, 80, 90, 100, 110]), detected_after([5, 6, 7, 8, 9, 10])
    result = compare(sample(fast, "time_to_detect"), sample(slow, "time_to_detect"), "time_to_detect")
    assert result.verdict == "shorter" and result.high is not None and result.high < 0
    assert result.difference == (7.5 - 85) * 60
    assert result == compare(sample(fast, "time_to_detect"), sample(slow, "time_to_detect"), "time_to_detect")
    noisy = compare(sample(detected_after([5, 200, 9, 150, 30]), "time_to_detect"),
                    sample(detected_after([8, 180, 12, 120, 40]), "time_to_detect"), "time_to_detect")
    assert noisy.verdict == "within noise"


# --- availability under a policy ---------------------------------------------------------------

DAY = Period(date(2024, 10, 27), date(2024, 10, 27), "Europe/London")  # 25 hours: the clocks go back
WINDOWED = """title: Reporting down
impact: {impact}
status: resolved
started_at: 2024-10-27T00:30+01:00
resolved_at: 2024-10-27T02:30+00:00
components:
  - name: Reporting
impact_windows:
  - label: Europe
    components: [Reporting]
    start: 2024-10-27T00:30+01:00
    end: 2024-10-27T02:30+00:00
"""


def day_availability(policy: AvailabilityPolicy, impact: str = "critical", text: str = WINDOWED) -> tuple[float, timedelta]:
    item = gather([incident(text.format(impact=impact))], DAY).current[0]
    row = availability([item], ["Reporting"], DAY.start, DAY.end, policy)[0]
    assert row.percent is not None
    return row.percent, row.downtime


def test_availability_counts_real_time_across_the_clock_change() -> None:
    assert DAY.end - DAY.start == timedelta(hours=25)
    percent, down = day_availability(AvailabilityPolicy())
    assert down == timedelta(hours=3)  # 00:30 BST to 02:30 GMT is three hours, not two
    assert percent == 88.0  # 1 - 3/25


def test_availability_policy_variants() -> None:
    assert day_availability(AvailabilityPolicy(), "major")[1] == timedelta(hours=3) * 0.3
    assert day_availability(AvailabilityPolicy(), "minor")[1] == timedelta(0)
    custom = AvailabilityPolicy.model_validate({"weights": {"degraded_performance": "0.5"}})
    assert day_availability(custom, "minor")[1] == timedelta(hours=1, minutes=30)
    by_region = AvailabilityPolicy.model_validate({"regional_windows": "by_region", "regions": ["Europe", "North America"]})
    assert day_availability(by_region)[1] == timedelta(hours=1, minutes=30)  # one region of two
    maintenance = WINDOWED.replace("impact: {impact}", "impact: maintenance\nscheduled_for: 2024-10-27T00:30+01:00\n"
                                   "scheduled_until: 2024-10-27T02:30+00:00").replace("status: resolved", "status: completed")
    assert day_availability(AvailabilityPolicy(), text=maintenance)[1] == timedelta(0)
    counted = AvailabilityPolicy.model_validate({"count_maintenance": "true"})
    assert day_availability(counted, text=maintenance)[1] == timedelta(hours=3)
    assert "maintenance not counted" in describe(AvailabilityPolicy()) and "“statuspage”" in describe(AvailabilityPolicy())


def test_availability_is_rounded_down_and_posted_status_wins() -> None:
    posted = WINDOWED + ("updates:\n  - status: investigating\n    posted_at: 2024-10-27T00:40+01:00\n"
                         "    components:\n      - component: Reporting\n        new_status: partial_outage\n")
    assert day_availability(AvailabilityPolicy(), "critical", posted)[1] == timedelta(hours=3) * 0.3
    short = WINDOWED.replace("end: 2024-10-27T02:30+00:00", "end: 2024-10-27T00:30:01+01:00")
    assert day_availability(AvailabilityPolicy(), text=short)[0] == 99.998  # one second down never reads 100 %


# --- follow-through, causes, periods, charts -----------------------------------------------------

def test_follow_through_is_counted_at_the_reports_end_not_the_clock() -> None:
    shown = visible(example_incidents(), internal=False)
    items = tracked(gather(shown, Q3).current, Q3.last_day, Q3.zone)
    states = [entry.state for entry in items]
    assert (states.count("open"), states.count("overdue"), states.count("done")) == (4, 2, 1)
    oldest = open_items(items)[0]
    assert (oldest.incident.incident.slug, oldest.age_days, oldest.overdue_days) == ("2024-08-06-api-errors-na", 86, 46)
    assert state_of(oldest.item, date(2024, 9, 15)) == "open"  # due that day: not overdue yet
    found, untagged = causes(gather(shown, Q3).current, gather(shown, Q3).previous)
    assert [(c.tag, len(c.incidents), c.previous) for c in found][:2] == [("config-change", 4, 2), ("capacity", 2, 3)]
    assert untagged == 1


def test_internal_incidents_stay_out_of_the_public_variant() -> None:
    everything = example_incidents()
    public = gather(visible(everything, internal=False), Q3).current
    internal = gather(visible(everything, internal=True), Q3).current
    assert "2024-09-10-internal-billing-job" not in {i.incident.slug for i in public}
    assert "2024-09-10-internal-billing-job" in {i.incident.slug for i in internal}


def test_periods_previous_and_defaults() -> None:
    assert Q3.previous() == Period(date(2024, 5, 1), date(2024, 7, 31), "Europe/London")
    assert Q3.months() == [(2024, 8), (2024, 9), (2024, 10)]
    assert choose_period(None, None, date(2024, 10, 31), "UTC").first_day == date(2024, 8, 3)  # 90 days
    with pytest.raises(ValueError, match="after"):
        choose_period(date(2024, 2, 1), date(2024, 1, 1), date(2024, 1, 1), "UTC")


def test_charts_are_accessible_deterministic_and_readable() -> None:
    report = build_report(visible(example_incidents(), internal=False), SiteConfig(zone="Europe/London"), Q3, NO_GIT)
    first = charts.counts_chart(report.counts), *(charts.strip_chart(m, "This period", "Previous period") for m in report.measures)
    again = charts.counts_chart(report.counts), *(charts.strip_chart(m, "This period", "Previous period") for m in report.measures)
    assert first == again
    for svg in first:
        assert re.match(r'<svg [^>]*role="img"[^>]*><title>[^<]+</title><desc>[^<]+</desc>', svg)
        assert "<text " in svg and " id=" not in svg
    assert "Oct 2024: 1 critical, 1 major, 1 minor" in first[0]
    assert "median 14m" in first[1]
    for colour in {*charts.COLOURS.values(), charts.INK, charts.MUTED}:
        assert contrast(colour, "#ffffff") >= 4.5, colour


def test_provenance_outside_and_inside_git(tmp_path: Path) -> None:
    assert provenance(tmp_path).commit is None
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "a.yaml").write_text("title: x\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    found = provenance(tmp_path)
    assert found.commit and re.fullmatch(r"[0-9a-f]{40}", found.commit) and not found.dirty
    (tmp_path / "b.yaml").write_text("title: y\n")
    assert provenance(tmp_path).dirty


def test_markdown_report_lists_every_section() -> None:
    report = build_report(visible(example_incidents(), internal=False), SiteConfig(zone="Europe/London"), Q3, NO_GIT)
    text = render_report(report, "md").decode()
    for heading in ("## Incidents", "## Speed of response", "## Availability", "## Outliers", "## Follow-through",
                    "## Recurring causes", "## Incidents in this period"):
        assert heading in text
    assert "no source commit" in text and "SOURCE\\_DATE\\_EPOCH was not set" in text
    assert "Priya Shah" not in text and "OPS-" not in text  # owners and tickets: internal variant only
    internal = render_report(build_report(visible(example_incidents(), internal=True), SiteConfig(zone="Europe/London"), Q3,
                                          NO_GIT, internal=True), "md").decode()
    assert "Priya Shah" in internal and "OPS-401" in internal and "Billing export job failed" in internal


# --- the real command ------------------------------------------------------------------------

def run(*args: str, cwd: Path = EXAMPLE, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    import os

    result = postmortem("report", *args, cwd=cwd, env={**os.environ, **(env or {})}, text=False)
    assert b"Traceback" not in result.stderr, result.stderr.decode()
    return result


def test_report_as_a_real_process() -> None:
    """One run in a fresh interpreter (the others are forked from the test process): the repository's own incidents."""
    result = postmortem("report", "--since", "2021-09-01", "--until", "2021-09-30", "-f", "md", "-o", "-", cwd=ROOT, real=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Reliability review: Sep 01, 2021 – Sep 30, 2021\n")
    assert "| Issue with Campaign Reports |" in result.stdout


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_command_writes_md_and_html(fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"r.{fmt}"
    result = run("--since", "2024-08-01", "--until", "2024-10-31", "-f", fmt, "-o", str(target))
    assert result.returncode == 0, result.stderr
    text = target.read_text("utf-8")
    assert "Reliability review: Aug 01, 2024 – Oct 31, 2024" in text and "Policy “regional-share”" in text
    assert "Billing export job failed" not in text  # internal incident, public variant
    if fmt == "html":
        assert text.count("<svg ") == 5 and "<title>Incidents by month and impact</title>" in text


def figure_alts(node: object) -> list[str]:
    """The /Alt of every /Figure in a PDF structure tree."""
    node = node.get_object()  # type: ignore[attr-defined]
    found: list[str] = []
    if hasattr(node, "get"):
        if node.get("/S") == "/Figure" and node.get("/Alt"):
            found.append(str(node["/Alt"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object"):
                found += figure_alts(kid)
    return found


def test_command_pdf_is_byte_reproducible(tmp_path: Path) -> None:
    """One PDF through the real command, one in-process from the same input: the same bytes."""
    env = {"SOURCE_DATE_EPOCH": "1730419200"}
    result = run("--since", "2024-08-01", "--until", "2024-10-31", "--component", "Reporting", "-f", "pdf",
                 "-o", str(tmp_path / "r.pdf"), env=env)
    assert result.returncode == 0, result.stderr
    data = (tmp_path / "r.pdf").read_bytes()
    text = pdf_text(data)
    reader = PdfReader(io.BytesIO(data))
    assert "Build date" in text and "2024-11-01 00:00 UTC" in text and "Insights (Reporting)" in text
    assert "Platform (API)" not in text  # --component keeps that component's incidents and figures only
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in catalog  # tagged, for screen readers
    alts = figure_alts(catalog["/StructTreeRoot"])  # each chart's <title> and <desc> as its /Alt
    assert len(alts) == 5
    assert alts[0].startswith("Incidents by month and impact. ") and "incidents in the period" in alts[0]
    assert any(alt.startswith("Time to detect: every incident, by period. Time to detect, from the start of impact")
               for alt in alts)
    import os

    from generator.model.config import load_config

    os.environ.update(env)
    try:
        config, root = load_config(EXAMPLE / "postmortem.yaml")
        shown = visible(example_incidents(), internal=False)
        again = render_report(build_report(shown, config, Q3, provenance(root / "incidents"), component="Reporting"), "pdf")
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
    assert again == data


@pytest.mark.parametrize(("args", "env", "message"), [
    (("--since", "2024-13-01"), {}, "--since '2024-13-01' is not a date"),
    (("--since", "2024-10-01", "--until", "2024-09-01"), {}, "is after --until"),
    (("--component", "Nope"), {}, "no public incident names the component 'Nope'"),
    ((), {"SOURCE_DATE_EPOCH": "yesterday"}, "SOURCE_DATE_EPOCH"),
    (("-f", "docx"), {}, "Invalid value for '-f'"),
])
def test_usage_errors_exit_2(args: tuple[str, ...], env: dict[str, str], message: str) -> None:
    fmt = () if "-f" in args else ("-f", "md")
    result = run(*fmt, *args, "-o", "-", env=env)
    assert result.returncode == 2 and result.stdout == b""
    assert message in result.stderr.decode()


def test_input_errors_are_reported_with_positions_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "bad.yaml").write_text("title: x\nimpact: huge\nstatus: resolved\n", "utf-8")
    (tmp_path / "report.md").write_text("previous", "utf-8")
    result = run("-f", "md", "-o", "report.md", "--until", "2024-10-31", cwd=tmp_path)
    assert result.returncode == 1
    assert re.search(r"incidents/bad\.yaml:2:9: error: ", result.stderr.decode())
    assert (tmp_path / "report.md").read_text("utf-8") == "previous"


@pytest.mark.parametrize("internal", [False, True])
def test_the_pool_loader_matches_the_serial_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, internal: bool) -> None:
    from generator.builder.workers import cheap_pool
    from generator.errors import InputError
    from generator.model.catalog import load_valid
    from generator.report import loading

    sources = find_incident_files(EXAMPLE / "incidents")
    config = SiteConfig(zone="Europe/London")
    monkeypatch.setattr(loading, "POOL_FROM", 2)
    monkeypatch.setattr(loading.os, "cpu_count", lambda: 2)
    imported: list[bool] = []
    pooled, _ = loading.load_catalog(sources, config, strict=False, internal=internal, pool=cheap_pool,
                                     while_loading=lambda: imported.append(True))
    serial, _ = load_valid(sources, config, strict=False)
    expected = visible([item.incident for item in serial], internal=internal)
    assert imported == [True]
    assert len(pooled) == len(expected) and (internal or len(expected) < len(serial))  # the example has an internal one
    assert [i.model_dump() for i in pooled] == [loading.without_prose(i).model_dump() for i in expected]
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nimpact: huge\nstatus: resolved\n", "utf-8")
    with pytest.raises(InputError) as pooled_error:
        loading.load_catalog([*sources, bad], config, strict=False, internal=internal, pool=cheap_pool)
    with pytest.raises(InputError) as serial_error:
        load_valid([*sources, bad], config, strict=False)
    assert pooled_error.value.diagnostics == serial_error.value.diagnostics


@pytest.mark.parametrize("internal", [False, True])
def test_the_report_reads_none_of_the_prose_the_loader_leaves_out(internal: bool) -> None:
    """The loader sends incidents back without the postmortem's prose: the report must not change."""
    from generator.report.loading import UNREAD_FIELDS, without_prose

    shown = visible(example_incidents(), internal=internal)
    slim = [without_prose(i) for i in shown]
    assert any(getattr(i, name) for i in shown for name in UNREAD_FIELDS)
    assert not any(getattr(i, name) for i in slim for name in UNREAD_FIELDS)
    config = SiteConfig(zone="Europe/London")
    for fmt in ("md", "html"):
        full = render_report(build_report(shown, config, Q3, NO_GIT, internal=internal), fmt)
        assert render_report(build_report(slim, config, Q3, NO_GIT, internal=internal), fmt) == full


def test_long_lists_are_cut_and_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.report import document
    from generator.report.render import some

    assert some(["a", "b", "c"], 2) == "a, b and 1 more"
    monkeypatch.setattr(document, "LISTED", 3)
    report = build_report(visible(example_incidents(), internal=False), SiteConfig(zone="Europe/London"), Q3, NO_GIT)
    # The critical one, then the two longest major ones, in date order.
    assert [i.incident.slug for i in report.listed] == ["2024-09-03-email-throttled", "2024-10-08-api-outage-eu",
                                                         "2024-10-26-overnight-reporting"]
    text = render_report(report, "md").decode()
    assert "8 incidents began in this period, all counted above; the 3 with the most severe impact" in text


def _keys(table: dict[str, object], prefix: str = "") -> set[str]:
    found: set[str] = set()
    for key, value in table.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= _keys(value, f"{prefix}{key}.")
    return found


def test_every_language_has_every_string_of_the_report() -> None:
    from generator.i18n import LOCALES

    english = LOCALES["en"]["period_report"]
    for locale, table in LOCALES.items():
        assert _keys(table["period_report"]) == _keys(english), locale
        for key, (label, definition) in table["period_report"]["measures"].items():
            assert label and definition, (locale, key)


# English interface strings of the report (headings, columns, notes, chart words): none may remain in
# a report in another language. The incidents' own text (titles, tags, policy names) is not interface.
ENGLISH_WORDS = ("Reliability review", "Speed of response", "This period", "Previous period", "Availability", "Outliers",
                 "Follow-through", "Recurring causes", "Incidents in this period", "Time to detect",
                 "Compared with the previous period", "How the comparison is made", "Weighted downtime", "Longest incidents",
                 "Slowest to detect", "By type", "By priority", "Open items", "every incident, by period", "90th",
                 "Incidents by month and impact", "log scale", "without this moment", "Policy “", "downtime weights",
                 "Build date", "Built from", "of which near misses", "Near misses", "action item(s)",
                 "Within noise", "Too few to compare", "whole days in", "compared with the previous")


@pytest.mark.parametrize(("locale", "words"), [
    ("de", ("Zuverlässigkeitsbericht: 1. Aug. 2024 – 31. Okt. 2024", "Reaktionsgeschwindigkeit", "Verfügbarkeit",
            "Vorfälle nach Monat und Auswirkung", "Zeit bis zur Erkennung: jeder Vorfall, nach Zeitraum", "Regel „",
            "Nachverfolgung", "Wiederkehrende Ursachen", "Offene Maßnahmen, älteste zuerst", "Stand 31. Okt. 2024")),
    ("fr", ("Bilan de fiabilité : 1 août 2024 – 31 oct. 2024", "Rapidité de réaction", "Disponibilité",
            "Incidents par mois et par impact", "Délai de détection : chaque incident, par période", "Règle « ",
            "Suivi des actions", "Causes récurrentes", "Actions ouvertes, les plus anciennes d'abord", "au 31 oct. 2024")),
])
@pytest.mark.parametrize("internal", [False, True])
def test_the_report_speaks_the_configured_language(locale: str, words: tuple[str, ...], internal: bool) -> None:
    config = SiteConfig(zone="Europe/London", locale=locale)
    report = build_report(visible(example_incidents(), internal=internal), config, Q3, NO_GIT, internal=internal)
    import html as html_module

    for fmt in ("html", "md"):
        text = render_report(report, fmt).decode()
        if fmt == "html":
            text = html_module.unescape(text)
        for expected in words:
            if fmt == "md" and expected.startswith(("Vorfälle nach", "Zeit bis zur Erkennung:", "Incidents par", "Délai de détection :")):
                continue  # chart titles: the Markdown has no charts
            assert expected in text, (fmt, expected)
        left = [english for english in ENGLISH_WORDS if english in text]
        assert not left, (fmt, left)


def test_an_english_report_is_unchanged_by_the_string_table() -> None:
    """English stays the default: the same words as before the strings moved to i18n."""
    report = build_report(visible(example_incidents(), internal=False), SiteConfig(zone="Europe/London"), Q3, NO_GIT)
    text = render_report(report, "md").decode()
    for expected in ("# Reliability review: Aug 01, 2024 – Oct 31, 2024", "## Speed of response", "**Definition:** from the start",
                     "as of Oct 31, 2024:", "Policy “statuspage”: downtime weights major outage 100%"):
        assert expected in text, expected


def test_a_pdf_in_another_language_is_tagged_with_it() -> None:
    config = SiteConfig(zone="Europe/London", locale="fr")
    report = build_report(visible(example_incidents(), internal=False), config, Q3, NO_GIT)
    data = render_report(report, "pdf")
    reader = PdfReader(io.BytesIO(data))  # reproducible bytes: test_command_pdf_is_byte_reproducible
    assert reader.metadata is not None and reader.metadata.title == "Bilan de fiabilité : 1 août 2024 – 31 oct. 2024"
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert "Rapidité de réaction" in pdf_text(data)
    assert figure_alts(reader.trailer["/Root"]["/StructTreeRoot"])[0].startswith("Incidents par mois et par impact. ")


def test_strip_plot_dots_are_one_path_with_a_circle_per_distinct_place() -> None:
    path = charts.dots_path([(10, 20), (30.004, 20), (10, 20), (50, 25.5)], radius=3.6)
    assert path.count("M") == 3 and path.count("a3.6,3.6 0 1 0 ") == 6  # (10, 20) twice: drawn once
    assert path.startswith("M6.4,20a3.6,3.6 0 1 0 7.2,0a3.6,3.6 0 1 0 -7.2,0M26.4,20")


def test_counts_are_printed_over_the_bars_while_the_months_fit() -> None:
    assert charts.counts_are_labelled(3) and charts.counts_are_labelled(25)
    assert not charts.counts_are_labelled(26) and not charts.counts_are_labelled(60)
    report = build_report(visible(example_incidents(), internal=False), SiteConfig(zone="Europe/London"), Q3, NO_GIT)
    svg = charts.counts_chart(report.counts)
    assert svg.count("<path ") == sum(1 for key in (*charts.IMPACTS, "near_miss")
                                      if any((m.near_misses if key == "near_miss" else m.by_impact[key]) for m in report.counts.months))
    labels = re.findall(r'<text [^>]*text-anchor="middle"[^>]*>(\d+)</text>', svg)
    assert sorted(map(int, labels)) == sorted(v for m in report.counts.months for v in (*m.by_impact.values(), m.near_misses) if v)


def test_a_region_listed_twice_is_refused_and_policy_percentages_follow_the_locale() -> None:
    """[EU, eu] counted the one real region as half the component; German and French write "100 %" (attack pass)."""
    from pydantic import ValidationError

    from generator.i18n import strings
    from generator.model.config import AvailabilityPolicy

    with pytest.raises(ValidationError, match="regions: 'eu' is listed twice"):
        AvailabilityPolicy(regional_windows="by_region", regions=["EU", "eu"])
    assert "100%" in describe(AvailabilityPolicy())
    for locale in ("de", "fr"):
        assert "100\u00a0%" in describe(AvailabilityPolicy(), strings(locale)["period_report"]), locale
