"""Durations and time-to-X are computed from the data, the same way for every output."""

from __future__ import annotations

from datetime import timedelta

from generator.model.config import SiteConfig
from generator.model.metrics import compute_metrics
from generator.render.postmortem import render_markdown
from generator.render.status_post import render_status_post
from tests.conftest import SEED_IDS, load_sample


def test_seed_000_impact_starts_before_the_first_post_and_crosses_midnight() -> None:
    incident = load_sample(SEED_IDS[0])
    metrics = compute_metrics(incident)
    assert incident.impact_start.isoformat() == "2021-09-13T13:36:00+00:00"
    assert min(u.posted_at for u in incident.updates) > incident.impact_start
    assert metrics.duration == timedelta(days=1, hours=3, minutes=45)
    assert metrics.time_to_mitigate == timedelta(hours=2, minutes=31)
    assert metrics.time_to_detect is None


def test_duration_across_the_daylight_saving_switch_is_real_elapsed_time() -> None:
    metrics = compute_metrics(load_sample("2023-10-28-checkout-payment-failures"))
    assert metrics.duration == timedelta(hours=3, minutes=50)  # 23:40 BST to 02:30 GMT
    assert metrics.time_to_detect == timedelta(minutes=25)


def test_duration_is_shown_the_same_way_in_markdown_and_html_facts() -> None:
    incident = load_sample(SEED_IDS[1])
    assert "| 2h 48m |" in render_markdown(incident, SiteConfig())
    assert compute_metrics(incident).duration == timedelta(hours=2, minutes=48)
    assert "Apr 13, 2022" in render_status_post(incident, SiteConfig())
