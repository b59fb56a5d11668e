"""What the timeline picture and the metrics box cost in one incident's PDF; prints figures.

    python benchmarks/timeline.py            # two samples, 15 interleaved rounds
    python benchmarks/timeline.py -r 31

Each round renders the same report four ways, one after the other (every other round in reverse
order): without either, with the picture only, with the box only, with both. The table gives the
median CPU time of each (process time, so other jobs on a shared machine disturb it less than wall
time) and what each adds to "without": the median, over the rounds, of its ratio to "without" in
the same round (this machine's speed drifts within a minute, so rounds are compared only with
themselves). ``--picture-only`` renders just without and with the picture.
The picture is drawn again in every round (its memo is cleared). In process, after a warm-up.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from generator.i18n import strings  # noqa: E402
from generator.model.catalog import load_incident  # noqa: E402
from generator.model.config import SiteConfig  # noqa: E402
from generator.render import picture  # noqa: E402
from generator.render.metrics_box import MetricsBox  # noqa: E402
from generator.render.report import render_pdf  # noqa: E402
from generator.render.timeline import timeline_svg  # noqa: E402

SAMPLES = ("2021-09-13-campaign-reports", "2023-10-28-checkout-payment-failures")
NO_BOX = MetricsBox((), (), None, None, None, ())
VARIANTS = {"without": (False, False), "picture": (True, False), "box": (False, True), "both": (True, True)}


def variant(picture_on: bool, box_on: bool):
    def context(ctx: dict[str, Any]) -> dict[str, Any]:
        picture.forget()
        parts = dict(picture.picture_context(ctx))
        if not picture_on:
            parts["timeline_svg"] = None
        if not box_on:
            parts["metrics_box"] = NO_BOX
        return parts
    return context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-r", "--rounds", type=int, default=15)
    parser.add_argument("--picture-only", action="store_true", help="render only without and with the picture (more rounds in the same time)")
    args = parser.parse_args()
    variants = ["without", "picture"] if args.picture_only else list(VARIANTS)
    config = SiteConfig()
    print(f"{'incident':40} {'without':>8} {'+picture':>14} {'+box':>14} {'+both':>14} {'SVG alone':>10} {'pages':>6}")
    for slug in SAMPLES:
        incident, _ = load_incident(ROOT / "incidents" / f"{slug}.yaml", config)
        assert incident is not None
        times: dict[str, list[float]] = {name: [] for name in variants}
        pages = {}
        for round_ in range(args.rounds + 1):
            order = list(variants)
            if round_ % 2:  # every other round in reverse, so no variant always runs first after a pause
                order.reverse()
            for name in order:
                picture_on, box_on = VARIANTS[name]
                with mock.patch("generator.render.report.picture_context", variant(picture_on, box_on)):
                    start = time.process_time()
                    pdf = render_pdf(incident, config)
                    if round_:  # the first round warms up
                        times[name].append(time.process_time() - start)
                    pages[name] = len(PdfReader(io.BytesIO(pdf)).pages)
        median = {name: statistics.median(values) for name, values in times.items()}
        # The machine's speed drifts between rounds: what a variant adds is the median of its ratio to
        # "without" within each round, not the ratio of the medians.
        added_by_round = {name: statistics.median(t / w for t, w in zip(values, times["without"], strict=True))
                          for name, values in times.items()}
        text = strings("en")
        start = time.process_time()
        for _ in range(50):
            timeline_svg(incident, text, incident.zone or "UTC")
        svg_ms = (time.process_time() - start) / 50 * 1000

        def added(name: str, median: dict[str, float] = median, by_round: dict[str, float] = added_by_round) -> str:
            if name not in median:
                return "-"
            return f"{median[name] * 1000:5.0f}ms {(by_round[name] - 1) * 100:+5.1f}%"

        print(f"{slug:40} {median['without'] * 1000:6.0f}ms {added('picture'):>14} {added('box'):>14} {added('both'):>14}"
              f" {svg_ms:8.2f}ms {pages['without']}→{pages[variants[-1]]:<3}")


if __name__ == "__main__":
    main()
