"""Benchmark ``postmortem report`` on synthetic incidents, as whole processes; prints a table.

    python benchmarks/report.py              # 1,000 incidents, median of 3
    python benchmarks/report.py -n 200 -r 5

Two periods: the whole span of the incidents (every incident in one report) and the last 90 days
(the quarterly review). Each run is a fresh process through the same wrapper as ``run.py`` (wall
time including interpreter start-up, and the peak RSS of its process tree, pool workers included).
Target (issue 13): the 1,000-incident report as a PDF within 5 s on 2 CPUs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import machine, measure, postmortem_command
from synthetic import write_incidents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--incidents", type=int, default=1000)
    parser.add_argument("-r", "--repeat", type=int, default=3)
    args = parser.parse_args()
    command = postmortem_command()
    with tempfile.TemporaryDirectory(prefix="pm-report-bench-") as folder:
        project = Path(folder)
        paths = write_incidents(project / "incidents", args.incidents)
        first, last = min(p.name[:10] for p in paths), max(p.name[:10] for p in paths)
        os.environ["SOURCE_DATE_EPOCH"] = "1704067200"  # 2024-01-01: a fixed build date, as CI would set
        cases = [
            (f"whole span ({args.incidents} incidents), -f pdf", ["report", "--since", first, "--until", last, "-f", "pdf"]),
            ("last 90 days, -f pdf", ["report", "--until", last, "-f", "pdf"]),
            (f"whole span ({args.incidents} incidents), -f html", ["report", "--since", first, "--until", last, "-f", "html"]),
        ]
        print(f"Machine: {machine()}; load average before: {os.getloadavg()[0]:.1f}")
        print("| Run | Median s | Min s | Max s | Peak RSS MiB |\n|---|---:|---:|---:|---:|")
        for label, argv in cases:
            runs = [measure([*command, *argv, "-o", str(project / "report.out")], project) for _ in range(args.repeat)]
            seconds = [r["seconds"] for r in runs]
            print(f"| {label} | {statistics.median(seconds):.3f} | {min(seconds):.3f} | {max(seconds):.3f} | "
                  f"{max(r['rss_kib'] for r in runs) / 1024:.0f} |", flush=True)


if __name__ == "__main__":
    main()
