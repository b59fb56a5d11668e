"""The home page is a status page, and the v2 API has every public endpoint, in the documented shapes.

The endpoint shapes are Atlassian's public Statuspage API documentation
(https://developer.statuspage.io/ and e.g. https://metastatuspage.com/api/v2/):
``status.json`` is ``{page, status: {indicator, description}}``; the three
``scheduled-maintenances`` endpoints are ``{page, scheduled_maintenances: [...]}``,
where *upcoming* holds maintenances still ``scheduled``, *active* those
``in_progress`` or ``verifying`` and the plain list every state including
``completed``.  Field names of a maintenance are the documented ones plus what
a real incident export carries (the fixture).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from generator.clock import SourceDateError
from generator.model.availability import STATUS_OF_IMPACT, weight_of
from generator.model.config import AvailabilityPolicy, SiteConfig
from generator.model.incident import Incident
from generator.site import render_site
from generator.site.components import natural_components
from generator.site.record import SiteRecord, Span
from generator.site.status import site_now
from generator.site.uptime import DAYS, uptime_bar
from tests.conftest import TESTS, postmortem
from tests.test_site_support import seeds, synthetic

FIXTURE = json.loads((TESTS / "fixtures" / "statuspage" / "github-2024-09-16-incidents.json").read_text("utf-8"))
DOCUMENTED_PAGE = {"id", "name", "url", "updated_at"}  # time_zone is documented for summary.json and sent by every endpoint
DOCUMENTED_MAINTENANCE = {"created_at", "id", "impact", "incident_updates", "monitoring_at", "name", "page_id", "resolved_at",
                          "scheduled_for", "scheduled_until", "shortlink", "status", "updated_at"}
DOCUMENTED_UPDATE = {"body", "created_at", "display_at", "id", "incident_id", "status", "updated_at"}
INDICATORS = {"none": "All Systems Operational", "minor": "Minor Service Outage", "major": "Partial System Outage",
              "critical": "Major System Outage", "maintenance": "Service Under Maintenance"}
BASE = datetime(2024, 9, 16, 12, 0, tzinfo=UTC)
CONFIG = SiteConfig(company="Example Inc.", zone="Europe/London", base_url="https://status.example.com/")


def maintenance(incident_id: str, status: str, start: datetime, hours: int = 2, **overrides: Any) -> Incident:
    posted = min(start - timedelta(days=1), BASE)
    return synthetic(incident_id, start, impact="maintenance", status=status, title=f"Maintenance {incident_id}", started_at=None,
                     resolved_at=None, scheduled_for=start, scheduled_until=start + timedelta(hours=hours),
                     updates=[{"status": "scheduled", "posted_at": posted, "body": "Planned work.",
                               "components": [{"component": "API", "old_status": "operational", "new_status": "under_maintenance"}]}],
                     **overrides)


def open_incident(impact: str = "major") -> Incident:
    return synthetic("open-incident", BASE - timedelta(hours=1), status="identified", impact=impact, resolved_at=None,
                     shortlink="https://stspg.io/abc123", updates=[
                         {"status": "investigating", "posted_at": BASE - timedelta(minutes=50), "body": "Looking.",
                          "components": [{"component": "API", "old_status": "operational", "new_status": "partial_outage"}]}])


def _load(files: dict[str, bytes], path: str) -> Any:
    return json.loads(files[path])


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    items = [*seeds(), open_incident(), maintenance("upcoming-work", "scheduled", BASE + timedelta(days=2)),
             maintenance("running-work", "in_progress", BASE - timedelta(hours=1)),
             maintenance("done-work", "completed", BASE - timedelta(days=10))]
    return render_site(items, CONFIG)


def test_new_endpoints_parse_and_have_the_documented_shape(files: dict[str, bytes]) -> None:
    status = _load(files, "api/v2/status.json")
    assert set(status) == {"page", "status"} and DOCUMENTED_PAGE <= set(status["page"])
    assert set(status["status"]) == {"indicator", "description"}
    for path in ("api/v2/scheduled-maintenances.json", "api/v2/scheduled-maintenances/upcoming.json",
                 "api/v2/scheduled-maintenances/active.json"):
        data = _load(files, path)
        assert set(data) == {"page", "scheduled_maintenances"}, path
        assert data["page"] == status["page"]
        assert data["scheduled_maintenances"], path
        for entry in data["scheduled_maintenances"]:
            assert DOCUMENTED_MAINTENANCE <= set(entry), DOCUMENTED_MAINTENANCE - set(entry)
            assert set(entry) <= set(FIXTURE["incidents"][0]) | DOCUMENTED_MAINTENANCE | {"imported_shortlink"}
            assert entry["impact"] == "maintenance" and entry["scheduled_for"] and entry["scheduled_until"]
            datetime.fromisoformat(entry["scheduled_for"]), datetime.fromisoformat(entry["scheduled_until"])
            for update in entry["incident_updates"]:
                assert DOCUMENTED_UPDATE <= set(update)


def test_maintenances_are_kept_apart_from_incidents_by_state(files: dict[str, bytes]) -> None:
    def ids(path: str, key: str) -> list[str]:
        return [entry["id"] for entry in _load(files, path)[key]]

    assert ids("api/v2/scheduled-maintenances/upcoming.json", "scheduled_maintenances") == ["upcoming-work"]
    assert ids("api/v2/scheduled-maintenances/active.json", "scheduled_maintenances") == ["running-work"]
    assert set(ids("api/v2/scheduled-maintenances.json", "scheduled_maintenances")) == {"upcoming-work", "running-work", "done-work"}
    incidents = ids("api/v2/incidents.json", "incidents")
    assert "open-incident" in incidents and not {"upcoming-work", "running-work", "done-work"} & set(incidents)
    assert ids("api/v2/incidents/unresolved.json", "incidents") == ["open-incident"]
    summary = _load(files, "api/v2/summary.json")
    assert [m["id"] for m in summary["scheduled_maintenances"]] == ["running-work", "upcoming-work"]
    assert all(m["scheduled_for"] and m["scheduled_until"] for m in summary["scheduled_maintenances"])


def test_status_json_summary_and_the_banner_say_the_same(files: dict[str, bytes]) -> None:
    status = _load(files, "api/v2/status.json")["status"]
    assert status == _load(files, "api/v2/summary.json")["status"] == {"indicator": "major", "description": "Partial System Outage"}
    assert f'<h1 id="banner"><span class="banner-mark" aria-hidden="true"></span>{status["description"]}</h1>' in files["index.html"].decode()


@pytest.mark.parametrize(("items", "indicator"), [
    ([], "none"),
    (["open-minor"], "minor"),
    (["running"], "maintenance"),
    (["running", "open-minor"], "minor"),  # an outage outranks maintenance, as on Statuspage
    (["window-now"], "maintenance"),  # still "scheduled", but its window holds "now"
    (["upcoming"], "none"),
])
def test_indicator_is_maintenance_during_an_active_window(items: list[str], indicator: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(BASE.timestamp())))
    made = {"open-minor": open_incident("minor"), "running": maintenance("running", "in_progress", BASE - timedelta(hours=1)),
            "window-now": maintenance("window-now", "scheduled", BASE - timedelta(minutes=30)),
            "upcoming": maintenance("upcoming", "scheduled", BASE + timedelta(hours=1))}
    files = render_site([*seeds(), *(made[name] for name in items)], CONFIG)
    summary = _load(files, "api/v2/summary.json")
    assert summary["status"] == {"indicator": indicator, "description": INDICATORS[indicator]}
    api = next(c for c in summary["components"] if c["name"] == "API") if items else None
    if indicator == "maintenance":
        assert api is not None and api["status"] == "under_maintenance"
    index = files["index.html"].decode()
    assert f"{INDICATORS[indicator]}</h1>" in index
    if "upcoming" in items:
        assert "Upcoming maintenance" in index and "Scheduled for Sep 16, 2024 - 14:00 – 16:00 BST" in index


def test_shortlink_is_this_sites_page_and_the_imported_one_is_kept(files: dict[str, bytes]) -> None:
    incident = next(i for i in _load(files, "api/v2/incidents.json")["incidents"] if i["id"] == "open-incident")
    assert incident["shortlink"] == "https://status.example.com/incidents/open-incident/"
    assert incident["imported_shortlink"] == "https://stspg.io/abc123"


def test_now_comes_from_the_input_or_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    items = [*seeds(), open_incident()]
    first = render_site(items, CONFIG)
    assert _load(first, "api/v2/status.json")["status"]["indicator"] == "major"
    assert '<time datetime="2024-09-16T11:10:00+00:00">As of Sep 16, 2024 - 12:10 BST</time>' in first["index.html"].decode()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int((BASE + timedelta(days=1)).timestamp())))
    later = render_site(items, CONFIG)
    assert "As of Sep 17, 2024 - 13:00 BST" in later["index.html"].decode()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(SourceDateError, match="SOURCE_DATE_EPOCH"):
        site_now([])
    # Past the last date there is: said so (it was a ValueError traceback, or "not a whole number" for 14 digits).
    # The last day is kept as headroom: at 9999-12-31 a report's period end or a zone 14 h east overflowed.
    for beyond in ("253402128001", "253402300799", "999999999999", "99999999999999", "9" * 5000):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", beyond)
        with pytest.raises(SourceDateError, match="is after 9999-12-30 00:00 UTC"):
            site_now([])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402128000")
    assert site_now([]) == datetime(9999, 12, 30, tzinfo=UTC)
    kiritimati = SiteConfig(zone="Pacific/Kiritimati")  # 14 h east of UTC: the calendar's last day there
    assert "As of Dec 30, 9999 - 14:00" in render_site([], kiritimati)["index.html"].decode()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0000000000001")  # leading zeros are still one second
    assert site_now([]) == datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)
    for not_ascii in ("١٧٠٠٠٠٠٠٠٠", "²"):  # digits to str.isdigit(), not to the SOURCE_DATE_EPOCH specification
        monkeypatch.setenv("SOURCE_DATE_EPOCH", not_ascii)
        with pytest.raises(SourceDateError, match="is not a whole number"):
            site_now([])


def test_hosts_get_a_headers_file_allowing_cross_origin_api_reads(files: dict[str, bytes]) -> None:
    headers = files["_headers"].decode()
    assert headers.startswith("/api/*\n") and "  Access-Control-Allow-Origin: *\n" in headers


def _record(slug: str, impact: str, spans: list[tuple[datetime, datetime | None]]) -> SiteRecord:
    """A record with only what the uptime bar reads."""
    return SiteRecord(slug=slug, title=f"Title {slug}", impact=impact, status="resolved", start=spans[0][0], end=spans[-1][1],
                      created=spans[0][0], updated=spans[0][0], sentence="", components=((None, "API"),), entry=None,  # type: ignore[arg-type]
                      transitions=(), api={}, scheduled_for=None, scheduled_until=None, feed_content=None,
                      spans=tuple(Span((None, "API"), start, end, weight_of(STATUS_OF_IMPACT[impact], AvailabilityPolicy()))
                                  for start, end in spans))


def test_uptime_bar_colours_each_day_by_its_worst_impact_and_weighs_downtime_like_statuspage() -> None:
    now = datetime(2024, 10, 27, 12, 0, tzinfo=UTC)  # the day BST ends: days are London calendar days
    component = natural_components([(None, "API")])[0]
    component.incidents = [
        _record("critical-hour", "critical", [(datetime(2024, 10, 20, 10, 0, tzinfo=UTC), datetime(2024, 10, 20, 11, 0, tzinfo=UTC))]),
        _record("major-over-midnight", "major", [(datetime(2024, 10, 21, 22, 30, tzinfo=UTC), datetime(2024, 10, 22, 0, 30, tzinfo=UTC))]),
        _record("minor-same-day", "minor", [(datetime(2024, 10, 20, 8, 0, tzinfo=UTC), datetime(2024, 10, 20, 9, 0, tzinfo=UTC))]),
        _record("still-open", "minor", [(datetime(2024, 10, 27, 9, 0, tzinfo=UTC), None)]),
        _record("too-old", "critical", [(datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC))]),
        _record("only-on-wide-screens", "critical", [(datetime(2024, 9, 1, 10, 0, tzinfo=UTC), datetime(2024, 9, 1, 12, 0, tzinfo=UTC))]),
    ]
    bar = uptime_bar(component, now, "Europe/London")
    assert len(bar.days) == DAYS and bar.days[-1].day.isoformat() == "2024-10-27" and bar.days[0].day.isoformat() == "2024-07-30"
    levels = {d.day.isoformat(): d.level for d in bar.days if d.level != "ok"}
    # 22:30 UTC on the 21st is 23:30 BST: the major incident touches the 21st and 22nd in London.
    assert levels == {"2024-09-01": "critical", "2024-10-20": "critical", "2024-10-21": "major", "2024-10-22": "major", "2024-10-27": "minor"}
    assert next(d for d in bar.days if d.day.isoformat() == "2024-10-20").titles == ("Title critical-hour", "Title minor-same-day")
    total_minutes = (now - datetime(2024, 7, 29, 23, 0, tzinfo=UTC)).total_seconds() / 60  # from midnight BST of the first day
    expected = (1 - (60 + 120 + 0.3 * 120) / total_minutes) * 100
    assert bar.availability == pytest.approx(expected, abs=0.01) and bar.availability <= expected
    assert bar.affected_days == 5
    # A phone shows the last 30 days of the bar (from midnight BST on Sep 28): its figures leave September 1 out.
    narrow_minutes = (now - datetime(2024, 9, 27, 23, 0, tzinfo=UTC)).total_seconds() / 60
    narrow = (1 - (60 + 0.3 * 120) / narrow_minutes) * 100
    assert bar.narrow_availability == pytest.approx(narrow, abs=0.01) and bar.narrow_availability <= narrow
    assert bar.narrow_affected_days == 4


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li" and "day" in (dict(attrs).get("class") or "").split():
            self.cells.append(dict(attrs))


def test_index_shows_components_with_status_and_a_reachable_labelled_bar_each(files: dict[str, bytes]) -> None:
    index = files["index.html"].decode()
    order = [index.index(marker) for marker in ('id="banner"', 'id="active-incidents"', 'id="active-maintenance"',
                                                'id="system-status"', 'id="upcoming-maintenance"', 'id="history"')]
    assert order == sorted(order)
    assert "<script" not in index
    parser = _Cells()
    parser.feed(index)
    components = index.count('class="uptime"')
    assert components >= 4 and len(parser.cells) == DAYS * components
    assert all(cell.get("tabindex") == "0" for cell in parser.cells)
    assert '<span class="state state-partial_outage">Partial Outage</span>' in index
    # The figures under each bar come twice: over 90 days, and over the 30 a phone shows (site.css picks one).
    assert index.count('<span class="figure wide">') == index.count('<span class="figure narrow">') == components
    assert " of 30 days with incidents" in index and " of 90 days with incidents" in index
    today = next(cell for cell in index.split('<span class="tip">') if cell.startswith("Sep 16, 2024: Major incident – "))
    assert "Synthetic incident open-incident" in today.split("</span>")[0]  # the worst impact names the incidents of that day
    assert "% uptime" in index and "Legend:" in index


def test_a_build_names_the_sites_company_links_posts_back_and_render_keeps_the_incidents_own(tmp_path: Any) -> None:


    (tmp_path / "incidents").mkdir()
    (tmp_path / "postmortem.yaml").write_text("company: Example Inc.\nzone: UTC\n", "utf-8")
    (tmp_path / "incidents" / "imported.yaml").write_text(
        "title: Imported outage\ncompany: GitHub\nimpact: minor\nstatus: resolved\nstarted_at: 2024-09-16T10:00:00Z\n"
        "resolved_at: 2024-09-16T11:00:00Z\nupdates:\n  - status: resolved\n    posted_at: 2024-09-16T11:00:00Z\n    body: Fixed.\n", "utf-8")
    built = postmortem("build", "--format", "html", "--quiet", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    for page in ("output/imported.html", "output/incidents/imported/index.html"):
        text = (tmp_path / page).read_text("utf-8")
        assert "Incident Report for Example Inc." in text and "GitHub" not in text, page
    alone = postmortem("render", "incidents/imported.yaml", "-f", "html", "-o", "-", cwd=tmp_path)
    assert alone.returncode == 0 and "Incident Report for GitHub" in alone.stdout
    post = (tmp_path / "output" / "imported.html").read_text("utf-8")  # the built post links back to the history and feeds
    for link in ("index.html", "history.atom", "history.rss"):
        assert f'href="{link}"' in post and (tmp_path / "output" / link).is_file()
    assert 'href="index.html"' not in alone.stdout  # a post rendered on its own has no site beside it
    bad = postmortem("build", "--quiet", cwd=tmp_path, env={**__import__("os").environ, "SOURCE_DATE_EPOCH": "soon"})
    assert bad.returncode == 2 and "SOURCE_DATE_EPOCH='soon'" in bad.stderr
    # serve answered every request with a 500 and a traceback in its log: now it refuses to start, as build does.
    preview = postmortem("serve", "--port", "0", cwd=tmp_path, env={**__import__("os").environ, "SOURCE_DATE_EPOCH": "soon"}, timeout=60)
    assert preview.returncode == 2 and "SOURCE_DATE_EPOCH='soon'" in preview.stderr and "Traceback" not in preview.stderr


def test_the_home_page_and_the_report_compute_one_availability() -> None:
    """An attack pass found "Web (Search) 99.93 % uptime" on the home page and 100.000 % in the report for one
    incident: the site weighed the incident's impact, the report the status posted for the component. Both now
    go through ``generator.model.availability`` under the config's policy, regions and maintenance included."""
    from generator.model.availability import region_count
    from generator.model.metrics import compute_metrics
    from generator.model.visibility import public_view
    from generator.report.availability import availability
    from generator.report.gather import ReportIncident
    from generator.site.components import site_components
    from generator.site.incident import site_incident
    from generator.site.record import site_record

    now = datetime(2024, 10, 27, 12, 0, tzinfo=UTC)
    at = datetime(2024, 10, 20, 10, 0, tzinfo=UTC)
    policy = AvailabilityPolicy(weights={"partial_outage": 0.5, "degraded_performance": 0.1}, count_maintenance=True,
                                regional_windows="by_region", regions=["EU", "US"])
    config = SiteConfig(zone="UTC", availability=policy)
    incidents = [
        Incident.model_validate({  # major impact, but the post said the component was only degraded
            "id": "degraded", "title": "Slow search", "impact": "major", "status": "resolved", "zone": "UTC",
            "started_at": at, "resolved_at": at + timedelta(hours=2), "components": [{"name": "Search"}],
            "updates": [{"status": "resolved", "posted_at": at + timedelta(hours=2), "body": "ok",
                         "components": [{"component": "Search", "new_status": "degraded_performance"}]}]}),
        Incident.model_validate({  # one region of two down for an hour
            "id": "eu", "title": "EU down", "impact": "critical", "status": "resolved", "zone": "UTC",
            "started_at": at + timedelta(days=1), "resolved_at": at + timedelta(days=1, hours=1), "components": [{"name": "Search"}],
            "impact_windows": [{"label": "EU", "start": at + timedelta(days=1), "end": at + timedelta(days=1, hours=1)}]}),
        Incident.model_validate({  # maintenance, counted by this policy
            "id": "upgrade", "title": "Upgrade", "impact": "maintenance", "status": "completed", "zone": "UTC",
            "started_at": at - timedelta(days=3), "scheduled_for": at + timedelta(days=2),
            "scheduled_until": at + timedelta(days=2, minutes=30), "components": [{"name": "Search"}]}),
    ]
    views = [public_view(incident) for incident in incidents]
    records = [site_record(site_incident(view), config) for view in views if view is not None]
    component = site_components(records)[0]
    bar = uptime_bar(component, now, "UTC", region_count(policy))
    start = datetime(2024, 7, 30, tzinfo=UTC)  # the bar's first day, midnight in the site's zone
    reported = availability([ReportIncident(v, v.impact_start, compute_metrics(v)) for v in views if v is not None],
                            ["Search"], start, now, policy)[0]
    lost = 0.1 * 120 + 0.5 * 60 + 1.0 * 30  # minutes: degraded 2 h, half of the component 1 h, maintenance 30 min
    assert reported.downtime == timedelta(minutes=lost)
    assert reported.percent is not None and bar.availability == math.floor(reported.percent * 100) / 100
    assert bar.availability == math.floor((1 - lost / ((now - start).total_seconds() / 60)) * 10000) / 100

    # Where a window without an end stops, and what a post setting a component back to operational says: the second
    # attack pass found the two sides apart again (99.97 % against 90.799 %, 91.91 % against 99.953 %, 100.00 %).
    def both(incident: Incident) -> tuple[float, float | None, timedelta]:
        view = public_view(incident)
        assert view is not None
        record = site_record(site_incident(view), SiteConfig(zone="UTC"))
        site = uptime_bar(site_components([record])[0], now, "UTC").availability
        found = availability([ReportIncident(view, view.impact_start, compute_metrics(view))], ["Search"], start, now,
                             AvailabilityPolicy())[0]
        return site, found.percent, found.downtime

    base = {"title": "t", "impact": "critical", "zone": "UTC", "components": [{"name": "Search"}], "started_at": at}
    closed_without_end = Incident.model_validate({**base, "id": "s1", "status": "resolved", "updates": [
        {"status": "investigating", "posted_at": at + timedelta(minutes=30), "body": "x"}]})
    ended_but_open = Incident.model_validate({**base, "id": "s2", "status": "identified", "impact_ended_at": at + timedelta(hours=1),
                                              "impact_windows": [{"label": "all", "start": at}]})
    set_back = Incident.model_validate({**base, "id": "s3", "status": "resolved", "resolved_at": at + timedelta(hours=4), "updates": [
        {"status": "resolved", "posted_at": at + timedelta(hours=4), "body": "x",
         "components": [{"component": "Search", "old_status": "major_outage", "new_status": "operational"}]}]})
    for incident, down in ((closed_without_end, timedelta(minutes=30)), (ended_but_open, timedelta(hours=1)),
                           (set_back, timedelta(hours=4))):
        site, reported_percent, downtime = both(incident)
        assert downtime == down, incident.id
        assert reported_percent is not None and site == math.floor(reported_percent * 100) / 100 < 100, incident.id


def test_a_site_without_incidents_claims_no_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty project's home page said "As of Jan 01, 1970 - 00:00 UTC" (found by an attack pass)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    index = render_site([], SiteConfig())["index.html"].decode()
    assert "As of" not in index and "1970" not in index and "All Systems Operational" in index
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert "As of Nov 14, 2023 - 22:13 UTC" in render_site([], SiteConfig())["index.html"].decode()
