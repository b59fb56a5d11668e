"""The worst single incident file the caps allow, built for real: how long, how much memory.

    python benchmarks/worst_case.py            # every pathological text, the longest lists; prints a table
    python benchmarks/worst_case.py --weights  # also re-measure the per-character weights of generator/model/work.py

Each case is one incident file that passes ``validate`` with as much of one kind of
text as the work cap (``MAX_MARKDOWN_WORK``) and the field cap allow, spread over the
public Markdown fields; then ``build`` (Markdown, HTML, PDF and the site) and an
internal ``build --format md,pdf`` run as whole processes.  The list case holds the
longest lists the caps allow.  Times are wall-clock seconds of the whole process;
peak RSS is the largest of any process in the run's tree.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

from run import measure  # noqa: E402  (benchmarks/run.py: wall time and peak RSS of a process tree)

from generator.model.types import MAX_MARKDOWN_CHARS  # noqa: E402
from generator.model.work import MARKDOWN_WEIGHTS, MAX_LIST_ENTRIES, MAX_LIST_LENGTH, MAX_MARKDOWN_WORK, markdown_work  # noqa: E402

COMMAND = [sys.executable, "-m", "generator"]
UNITS = {
    "plain words": "The failover took longer than expected. ",
    "[": "[", "![": "![", "]": "]", "[x](": "[x](", "[]( ": "[](", "[x]: ": "[x]: ",
    "*a": "*a", "**_": "**_", "_a ": "_a ", "`": "`", "~~": "~a",
    "<": "<", "<a ": "<a ", "&#": "&#", "\\": "\\", "#": "#", ":": ":",
    "a⏎": "a\n", "1. a⏎": "1. a\n", "- ⏎": "- \n", "> ⏎": "> a\n", "|a⏎": "|a|\n",
}
DEFAULT_UNITS = ("plain words", "[", "![", "[x](", "*a", "a⏎", "- ⏎")
FIELDS = ("summary", "root_cause", "mitigation", "next_steps", "lessons_learned")


def base_incident() -> dict[str, object]:
    return {
        "title": "Worst case", "impact": "major", "status": "resolved", "zone": "Europe/London",
        "started_at": "2023-10-28T09:00:00Z", "resolved_at": "2023-10-28T11:00:00Z",
        "components": [{"name": "Checkout"}],
        "problems": [{"name": "Gateway", "timeline": [{"at": "2023-10-28T09:05:00Z", "text": "Alerts fired."}]}],
        "updates": [{"status": "resolved", "posted_at": "2023-10-28T11:00:00Z", "body": "Fixed."}],
    }


def fill(unit: str) -> dict[str, object]:
    """The base incident with the Markdown fields full of ``unit``, up to the work and field caps."""
    data = base_incident()
    budget = MAX_MARKDOWN_WORK - 2_000  # the rest of the file's text
    for field in FIELDS:
        per_unit = markdown_work(unit)
        count = min(budget // per_unit, MAX_MARKDOWN_CHARS // len(unit))
        if count < 1:
            break
        data[field] = ("x" + unit * count)[: MAX_MARKDOWN_CHARS].rstrip("\n") or "x"
        budget -= markdown_work(data[field])  # type: ignore[arg-type]
    return data


def longest_lists() -> dict[str, object]:
    """As many entries as the caps allow: a full update list, the rest in timelines."""
    data = base_incident()
    start = 1_698_483_600  # 2023-10-28T09:00:00Z
    def stamp(offset: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + offset))
    data["resolved_at"] = stamp(10 * 86_400)
    data["updates"] = [{"status": "update", "posted_at": stamp(60 * i), "body": f"Update {i}: still working on it."}
                       for i in range(MAX_LIST_LENGTH)]
    left = MAX_LIST_ENTRIES - MAX_LIST_LENGTH - 1 - 4  # components, problems
    problems = []
    for p in range(3):
        size = min(MAX_LIST_LENGTH, left)
        left -= size
        problems.append({"name": f"Problem {p}", "timeline": [{"at": stamp(60 * i), "text": f"Step {i} of problem {p}."} for i in range(size)]})
    data["problems"] = problems
    return data


def write(project: Path, data: dict[str, object]) -> Path:
    (project / "incidents").mkdir(parents=True, exist_ok=True)
    path = project / "incidents" / "worst-case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**9), "utf-8")
    return path


def run_case(label: str, data: dict[str, object]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        path = write(project, data)
        check = subprocess.run([*COMMAND, "validate", str(path)], cwd=project, capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"{label}: the generated file does not validate:\n{check.stderr[-2000:]}")
        public = measure([*COMMAND, "build", "-q", "--force", "-o", "public"], project)
        internal = measure([*COMMAND, "build", "-q", "--force", "--internal", "--format", "md,pdf", "-o", "internal"], project)
        text = "".join(str(v) for k, v in data.items() if k in FIELDS)
        return {"label": label, "kb": path.stat().st_size / 1024, "work": markdown_work(text),
                "public": public["seconds"], "internal": internal["seconds"],
                "rss": max(public["rss_kib"], internal["rss_kib"]) / 1024}


def measure_weights() -> None:
    """Parsing time per character of each unit, relative to plain words (what MARKDOWN_WEIGHTS encodes)."""
    from generator.render.markdown import checking_parser

    def per_char(text: str) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            checking_parser().parse(text)
            best = min(best, time.process_time() - started)
        return best / len(text)

    plain = per_char(UNITS["plain words"] * 1_000)
    print("| unit | µs per char | relative | weight in the model |\n|---|---:|---:|---:|")
    for label, unit in UNITS.items():
        cost = per_char((unit * (20_000 // len(unit) + 1))[:20_000])
        weight = markdown_work(unit) / len(unit)
        print(f"| `{label}` | {cost * 1e6:.2f} | {cost / plain:.0f} | {weight:.1f} |")
    print(f"\nweights: {MARKDOWN_WEIGHTS}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weights", action="store_true", help="also measure the per-character cost of each unit")
    parser.add_argument("--only", default=None, help="run only the units whose label contains this text")
    parser.add_argument("--all", action="store_true", help="every unit, not only the costliest of each kind")
    args = parser.parse_args()
    if args.weights:
        measure_weights()
    chosen = UNITS if args.all or args.only else {k: UNITS[k] for k in DEFAULT_UNITS}
    cases = [(label, fill(unit)) for label, unit in chosen.items() if args.only is None or args.only in label]
    if args.only is None or args.only in "lists":
        cases.append((f"lists: {MAX_LIST_LENGTH} updates, {MAX_LIST_ENTRIES} entries", longest_lists()))
    print(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs. Work cap {MAX_MARKDOWN_WORK:,} units per file; "
          f"lists {MAX_LIST_LENGTH} per list, {MAX_LIST_ENTRIES:,} per file.")
    print("| case | file KB | work | build (md, html, pdf, site) s | build --internal md,pdf s | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|---:|")
    worst = 0.0
    for label, data in cases:
        row = run_case(label, data)
        worst = max(worst, float(row["public"]), float(row["internal"]))  # type: ignore[arg-type]
        print(f"| `{row['label']}` | {row['kb']:.0f} | {row['work']:,} | {row['public']:.2f} | {row['internal']:.2f} | {row['rss']:.0f} |",
              flush=True)
    print(f"\nSlowest single-file build: {worst:.2f} s (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
