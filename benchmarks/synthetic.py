"""Deterministic synthetic incidents (~5 KB each) for the benchmark and for profiling.

Each incident has three sub-problems with 10-entry timelines, 4 updates and 3
components, in one of a few zones, so the pipeline does the same work as for
a real postmortem.  ``python benchmarks/synthetic.py DIR N`` writes them.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "UTC", "Europe/Berlin")
IMPACTS = ("minor", "major", "critical", "none")
REGIONS = ("Europe", "North America", "Asia Pacific")
SERVICES = ("API", "Dashboard", "Reporting", "Email sending", "Contact imports", "Webhooks", "Image resizer", "SMS")
WORDS = (
    "deploy rollback queue latency database replica cache shard worker error rate alert customer traffic "
    "release config region failover index migration certificate timeout retry backlog"
).split()


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng, rng.randint(8, 14)) for _ in range(sentences))


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def incident_yaml(number: int, seed: int = 0) -> tuple[str, str]:
    """Return (file name, YAML text) of synthetic incident ``number``."""
    rng = random.Random(seed * 1_000_003 + number)
    start = datetime(2019, 1, 1, tzinfo=UTC) + timedelta(hours=number * 37 + rng.randint(0, 30))
    slug = f"{start:%Y-%m-%d}-synthetic-incident-{number:05d}"
    services = rng.sample(SERVICES, 3)
    components = [(REGIONS[i % 3], f"{REGIONS[i % 3]} - {name}") for i, name in enumerate(services)]
    lines = [
        f"title: {services[0]} errors in {REGIONS[number % 3]} (synthetic {number})",
        "company: Example Inc.",
        f"impact: {rng.choice(IMPACTS)}",
        "status: postmortem",
        f"zone: {rng.choice(ZONES)}",
        "timeline_zone: UTC",
        f"started_at: {_iso(start)}",
        f"resolved_at: {_iso(start + timedelta(hours=9))}",
        "components:",
    ]
    for group, name in components:
        lines += [f"  - group: {group}", f"    name: {name}"]
    lines += ["summary: |", f"  {_paragraph(rng, 3)}", "", f"  {_paragraph(rng, 2)}", "problems:"]
    for p, service in enumerate(services):
        lines += [f"  - name: {service}", "    status: resolved", "    root_cause: |", f"      {_paragraph(rng, 2)}", "    timeline:"]
        for e in range(10):
            lines += [f"      - at: {_iso(start + timedelta(minutes=p * 5 + e * 15))}", f"        text: {_sentence(rng, rng.randint(6, 12))}"]
    lines += ["mitigation: |", f"  {_paragraph(rng, 2)}", "next_steps: |", f"  {_paragraph(rng, 2)}", "updates:"]
    lines += ["  - status: postmortem", f"    posted_at: {_iso(start + timedelta(days=2))}"]
    for u, status in enumerate(("resolved", "monitoring", "investigating")):
        lines += [f"  - status: {status}", f"    posted_at: {_iso(start + timedelta(hours=8 - u * 3, minutes=5))}",
                  "    body: |", f"      {_paragraph(rng, 2)}"]
    return f"{slug}.yaml", "\n".join(lines) + "\n"


def write_incidents(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """Write ``count`` incidents into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        name, text = incident_yaml(number, seed)
        path = folder / name
        path.write_text(text, "utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    target, how_many = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    written = write_incidents(target, how_many)
    print(f"wrote {len(written)} incidents into {target} ({sum(p.stat().st_size for p in written) // len(written)} bytes each on average)")
