"""Time formatting: offsets in, IANA zones out, abbreviations that follow daylight saving."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from generator.i18n import strings
from generator.render import formatting

MONTHS = strings("en")["months"]


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        ("2021-09-13T15:53:00Z", "Europe/London", "Sep 13, 2021 - 16:53 BST"),
        ("2021-12-13T15:53:00Z", "Europe/London", "Dec 13, 2021 - 15:53 GMT"),
        ("2023-10-29T00:30:00Z", "Europe/London", "Oct 29, 2023 - 01:30 BST"),
        ("2023-10-29T01:30:00Z", "Europe/London", "Oct 29, 2023 - 01:30 GMT"),
        ("2024-07-01T12:00:00Z", "America/Chicago", "Jul 01, 2024 - 07:00 CDT"),
        ("2024-01-01T12:00:00Z", "America/Chicago", "Jan 01, 2024 - 06:00 CST"),
        ("2024-09-16T22:08:39Z", "UTC", "Sep 16, 2024 - 22:08 UTC"),
    ],
)
def test_posted_stamp(moment: str, zone: str, expected: str) -> None:
    assert formatting.posted(datetime.fromisoformat(moment), zone, MONTHS) == expected


def test_offset_of_the_input_does_not_matter() -> None:
    same = datetime(2021, 9, 13, 16, 53, tzinfo=timezone(timedelta(hours=1)))
    assert formatting.posted(same, "UTC", MONTHS) == "Sep 13, 2021 - 15:53 UTC"


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        (timedelta(seconds=42), "42s"),
        (timedelta(minutes=5), "5m"),
        (timedelta(hours=2, minutes=48), "2h 48m"),
        (timedelta(days=1, hours=3, minutes=45), "1d 3h 45m"),
        (timedelta(days=2), "2d"),
        (None, "–"),
    ],
)
def test_duration(span: timedelta | None, expected: str) -> None:
    assert formatting.duration(span) == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [([], ""), (["A"], "A"), (["A", "B"], "A and B"), (["A", "B", "C"], "A, B, and C")],
)
def test_join_and(items: list[str], expected: str) -> None:
    assert formatting.join_and(items) == expected
