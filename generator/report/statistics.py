"""Statistics that stay honest with few, long-tailed, fuzzy numbers.

* Medians and 90th percentiles, never means: one eight-hour incident moves a mean more than fifty
  short ones (the VOID reports; "Incident Metrics in SRE", Google 2021).
* The median is the middle value (the mean of the two middle values for an even count). The 90th
  percentile is the nearest-rank one: the smallest value that at least 90 % of the values do not
  exceed, so it is always a time that really happened.
* An incident that lacks a moment is counted as missing for that measure, never dropped silently.
* Two periods are compared with a percentile bootstrap of the difference of medians (95 %
  interval, ``RESAMPLES`` resamples, a fixed seed per measure: the same input gives the same
  interval). An interval that holds zero is "within noise".
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from generator.model.metrics import ApproximateSpan
from generator.report.gather import ReportIncident

RESAMPLES = 2000
CONFIDENCE = 0.95
MIN_TO_COMPARE = 5  # fewer values in either period: "too few to compare"
SEED = "postmortem-report-v1"

# The measures of response, each from the impact start (the earliest window or started_at) to one moment.
MEASURES: dict[str, tuple[str, str]] = {
    "time_to_detect": ("Time to detect", "from the start of impact (earliest impact window or started_at) to detected_at"),
    "time_to_first_update": ("Time to first public update",
                             "from the start of impact to the first public post (investigating, identified, update …)"),
    "time_to_mitigate": ("Time to mitigate", "from the start of impact to mitigated_at"),
    "time_to_resolve": ("Time to resolve", "from the start of impact to resolved_at (the incident closed)"),
}


def median(values: Sequence[float]) -> float:
    """The middle value of ``values`` (not empty); the mean of the two middle ones for an even count."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the ⌈fraction·n⌉-th smallest value (``values`` not empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered) - 1e-9))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Sample:
    """One measure over one period: the values (seconds, with the incident they came from) and what was missing."""

    values: tuple[tuple[float, str], ...]  # (seconds, incident id), shortest first
    missing: tuple[str, ...]  # ids of incidents without this moment
    approximate: int  # values computed from a time written "~"

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def seconds(self) -> list[float]:
        return [value for value, _ in self.values]

    @property
    def median(self) -> float | None:
        return median(self.seconds) if self.values else None

    @property
    def p90(self) -> float | None:
        return nearest_rank(self.seconds, 0.9) if self.values else None


def sample(items: Sequence[ReportIncident], key: str) -> Sample:
    """Measure ``key`` over the incidents (maintenances are not incidents to respond to and are left out)."""
    values: list[tuple[float, str]] = []
    missing: list[str] = []
    approximate = 0
    for item in items:
        if item.incident.is_maintenance:
            continue
        span: timedelta | None = getattr(item.metrics, key)
        if span is None:
            missing.append(item.incident.slug)
            continue
        values.append((span.total_seconds(), item.incident.slug))
        approximate += isinstance(span, ApproximateSpan)
    return Sample(tuple(sorted(values)), tuple(missing), approximate)


@dataclass(frozen=True)
class Comparison:
    """This period's median minus the previous one's, with its bootstrap interval, and what it means."""

    difference: float | None  # seconds
    low: float | None
    high: float | None
    verdict: str  # "within noise", "longer", "shorter", "too few"


def bootstrap_difference(current: Sequence[float], previous: Sequence[float], *, seed: str,
                         resamples: int = RESAMPLES) -> tuple[float, float, float]:
    """The difference of medians (current − previous) and its percentile-bootstrap interval."""
    rng = random.Random(seed)  # a str seed is hashed with SHA-512: the same on every run and machine
    draw = rng.random
    n, m = len(current), len(previous)
    differences: list[float] = []
    for _ in range(resamples):
        a = sorted([current[int(draw() * n)] for _ in range(n)])
        b = sorted([previous[int(draw() * m)] for _ in range(m)])
        med_a = a[n // 2] if n % 2 else (a[n // 2 - 1] + a[n // 2]) / 2
        med_b = b[m // 2] if m % 2 else (b[m // 2 - 1] + b[m // 2]) / 2
        differences.append(med_a - med_b)
    differences.sort()
    tail = (1 - CONFIDENCE) / 2
    low = differences[math.floor(tail * resamples)]
    high = differences[min(resamples - 1, math.ceil((1 - tail) * resamples) - 1)]
    return median(current) - median(previous), low, high


def compare(current: Sample, previous: Sample, key: str) -> Comparison:
    """Whether this period's median differs from the previous one's by more than resampling noise."""
    if current.count < MIN_TO_COMPARE or previous.count < MIN_TO_COMPARE:
        difference = current.median - previous.median if current.median is not None and previous.median is not None else None
        return Comparison(difference, None, None, "too few")
    difference, low, high = bootstrap_difference(current.seconds, previous.seconds, seed=f"{SEED}:{key}")
    verdict = "within noise" if low <= 0 <= high else ("longer" if low > 0 else "shorter")
    return Comparison(difference, low, high, verdict)


@dataclass(frozen=True)
class Measure:
    """One response measure: its name and definition, both periods' samples, and their comparison."""

    key: str
    label: str
    definition: str
    current: Sample
    previous: Sample
    comparison: Comparison


def measures(current: Sequence[ReportIncident], previous: Sequence[ReportIncident]) -> list[Measure]:
    """Every response measure over both periods."""
    found = []
    for key, (label, definition) in MEASURES.items():
        now, before = sample(current, key), sample(previous, key)
        found.append(Measure(key, label, definition, now, before, compare(now, before, key)))
    return found
