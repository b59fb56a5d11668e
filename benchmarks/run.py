"""Benchmark ``postmortem`` as whole processes and compare it with Hugo; prints a table.

    python benchmarks/run.py                      # 1,000 incidents, median of 5
    python benchmarks/run.py -n 200 -r 3          # quicker
    python benchmarks/run.py --pdf-1000           # also peak RSS of a 1,000-PDF build (minutes)

Each run is a fresh child process (a small wrapper that starts ``postmortem``),
so its time includes interpreter start-up, and its peak RSS is the largest of
the wrapper's ``RUSAGE_CHILDREN`` and the high-water marks (``VmHWM``) sampled
from /proc for every descendant, pool workers included.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import write_incidents

TRASH = Path()  # set by main(): where old trees wait until every run is timed

# Runs ``argv`` and reports wall time and the peak RSS of any process in its tree.
WRAPPER = r"""
import json, os, resource, subprocess, sys, threading, time

def descendants(root):
    children, found = {}, []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    stack = [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found

peak = 0
def sample(pid, stop):
    global peak
    while not stop.is_set():
        for child in descendants(pid):
            try:
                with open(f"/proc/{child}/status") as handle:
                    for line in handle:
                        if line.startswith("VmHWM:"):
                            peak = max(peak, int(line.split()[1]))
            except OSError:
                pass
        stop.wait(0.05)

started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
stop = threading.Event()
sampler = threading.Thread(target=sample, args=(process.pid, stop), daemon=True)
sampler.start()
_, err = process.communicate()
elapsed = time.perf_counter() - started
stop.set()
sampler.join()
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": elapsed, "rss_kib": max(peak, children), "code": process.returncode, "stderr": err.decode()[-2000:]}))
"""


def postmortem_command() -> list[str]:
    """The real entry point beside this interpreter (a pyenv shim would add ~60 ms per run)."""
    script = Path(sys.executable).with_name("postmortem")
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def measure(argv: list[str], cwd: Path) -> dict[str, float]:
    output = subprocess.run([sys.executable, "-c", WRAPPER, *argv], cwd=cwd, capture_output=True, text=True, check=True)
    result = json.loads(output.stdout)
    if result["code"] != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{result['stderr']}")
    return result


def set_aside(path: Path) -> None:
    """Move ``path`` into the run's trash folder, deleted once every run is timed.

    Deleting a tree of thousands of files just before a timed run would slow
    that run down: ext4 without a journal skips inodes freed in the last
    60-360 s when it allocates new ones (the kernel's ``recently_deleted()``),
    and perf showed each file creation scanning past thousands of them.  A
    real cold build (a fresh clone in CI) follows no such deletion.
    """
    if path.exists() or path.is_symlink():
        trash = TRASH / str(len(list(TRASH.iterdir())))
        trash.mkdir(parents=True)
        path.rename(trash / path.name)


def clean(project: Path) -> None:
    for name in ("output", ".postmortem-state", ".postmortem-cache"):
        set_aside(project / name)


def repeat(label: str, argv: list[str], cwd: Path, times: int, before=None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    runs = []
    for number in range(times):
        if before is not None:
            before(number)
        runs.append(measure(argv, cwd))
    seconds = [r["seconds"] for r in runs]
    each = ", ".join(f"{s:.2f}" for s in seconds)
    print(f"  {label}: median {statistics.median(seconds):.3f} s over {times} ({each})", file=sys.stderr)
    return {"label": label, "median": statistics.median(seconds), "min": min(seconds), "max": max(seconds),
            "rss_mib": max(r["rss_kib"] for r in runs) / 1024}


def hugo_site(project: Path, site: Path) -> None:
    """The same incidents as Markdown pages with front matter, in a minimal Hugo site."""
    (site / "content" / "incidents").mkdir(parents=True)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://status.example.com/"\ntitle = "Incident history"\n'
                                    'disableKinds = ["taxonomy", "term"]\n', "utf-8")
    (site / "layouts" / "_default" / "single.html").write_text(
        "<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>\n", "utf-8")
    (site / "layouts" / "_default" / "list.html").write_text(
        "<!doctype html><html><head><title>{{ .Title }}</title></head><body><ul>{{ range .Pages }}"
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul></body></html>\n', "utf-8")
    for markdown in sorted((project / "output").glob("*.md")):
        text = markdown.read_text("utf-8")
        title = text.splitlines()[0].lstrip("# ").replace('"', "'")
        date = markdown.stem[:10]
        front = f'---\ntitle: "{title}"\ndate: {date}T00:00:00Z\nslug: "{markdown.stem}"\n---\n'
        (site / "content" / "incidents" / markdown.name).write_text(front + text.split("\n", 1)[1], "utf-8")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")), "?")
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0")
    return f"{os.cpu_count()} CPUs ({cpu}), {int(memory) / 1024 / 1024:.1f} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def ci_rows(command: list[str], project: Path, args: argparse.Namespace) -> list[dict[str, object]]:
    """What a CI job pays: a first build with no cache, then a fresh checkout whose cache was restored.

    A CI runner starts from a clean clone every time: no ``output/`` and no
    ``.postmortem-state/`` (spare tree, cache key file), only what the job's
    cache step restores.  The second case sets both aside before each run and
    keeps ``.postmortem-cache/``; the key comes from ``$POSTMORTEM_CACHE_KEY``,
    as the documented jobs pass it from a CI secret.
    """
    os.environ["POSTMORTEM_CACHE_KEY"] = "benchmark-ci-secret"
    build = [*command, "build", "--format", "md,html,pdf", "--quiet"]
    cold = repeat(f"CI cold build, {args.incidents} incidents, md+html+pdf+site", build, project, 1, lambda _n: clean(project))

    def fresh_checkout(_number: int) -> None:
        for name in ("output", ".postmortem-state"):
            set_aside(project / name)
        for source in (project / "incidents").glob("*.yaml"):  # a clone gives every file a new modification time
            os.utime(source)

    cached = repeat("CI build, fresh checkout, cache restored", build, project, args.repeat, fresh_checkout)
    return [cold, cached]


def report(args: argparse.Namespace, size: float, rows: list[dict[str, object]], hugo_row: dict[str, object] | None) -> None:
    print(f"Machine: {machine()}")
    print(f"Incidents: {args.incidents} (~{size / 1024:.1f} KB each); times are whole processes, median of {args.repeat}")
    print()
    print("| Run | Median s | Min s | Max s | Peak RSS MiB |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['label']} | {row['median']:.3f} | {row['min']:.3f} | {row['max']:.3f} | {row['rss_mib']:.0f} |")
    if hugo_row:
        print()
        print(f"Cold build / Hugo: {rows[0]['median'] / hugo_row['median']:.2f}x")  # type: ignore[operator]
    elif not args.ci:
        print("\nhugo is not installed (apt-get install hugo): no comparison")


def main() -> None:
    # An installed package runs from compiled bytecode; an image that sets this would time compiling instead.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--incidents", type=int, default=1000)
    parser.add_argument("-r", "--repeat", type=int, default=5)
    parser.add_argument("--pdfs", type=int, default=100, help="incidents in the PDF build (default 100)")
    parser.add_argument("--pdf-1000", action="store_true", help="also measure peak RSS of a 1,000-PDF build, once")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--ci", action="store_true",
                        help="only the CI runs: a cold build of all formats (md, html, pdf, site) of -n incidents, once, then the "
                             "same build from a fresh checkout with .postmortem-cache/ restored (median of -r)")
    args = parser.parse_args()
    command = postmortem_command()
    work = Path(tempfile.mkdtemp(prefix="postmortem-bench-"))
    global TRASH
    TRASH = work / "trash"
    TRASH.mkdir()
    rows: list[dict[str, object]] = []
    try:
        project = work / "site"
        incidents = write_incidents(project / "incidents", args.incidents)
        size = sum(p.stat().st_size for p in incidents) // len(incidents)
        print(f"{len(incidents)} incidents of ~{size / 1024:.1f} KB in {work}", file=sys.stderr)
        if args.ci:
            rows.extend(ci_rows(command, project, args))
            return report(args, size, rows, None)
        build = [*command, "build", "--format", "md,html", "--quiet"]
        rows.append(repeat("cold build, md+html+site", build, project, args.repeat, lambda _n: clean(project)))
        rows.append(repeat("no-op rebuild", build, project, args.repeat))
        changed = incidents[len(incidents) // 2]
        original = changed.read_text("utf-8")

        def change_one(number: int) -> None:
            changed.write_text(original.replace("title: ", f"title: Changed {number} ", 1), "utf-8")

        rows.append(repeat("one incident changed", build, project, args.repeat, change_one))
        changed.write_text(original, "utf-8")
        some = incidents[0]
        for fmt in ("md", "pdf"):
            render = [*command, "render", str(some), "-f", fmt, "-o", str(work / f"one.{fmt}")]
            rows.append(repeat(f"render -f {fmt} (one incident)", render, project, args.repeat))

        pdf_project = work / "pdfs"
        write_incidents(pdf_project / "incidents", args.pdfs)
        for jobs in (1, 2):
            pdf_build = [*command, "build", "--format", "pdf", "--quiet", "--jobs", str(jobs)]
            rows.append(repeat(f"cold build, {args.pdfs} PDFs, --jobs {jobs}", pdf_build, pdf_project, args.repeat, lambda _n: clean(pdf_project)))
        if args.pdf_1000:
            big = work / "pdfs-1000"
            write_incidents(big / "incidents", 1000)
            rows.append(repeat("cold build, 1000 PDFs (default --jobs)", [*command, "build", "--format", "pdf", "--quiet"], big, 1))

        hugo = shutil.which("hugo")
        hugo_row = None
        if hugo:
            clean(project)
            subprocess.run([*command, "build", "--format", "md", "--quiet"], cwd=project, check=True)
            hugo_site(project, work / "hugo")

            def clean_hugo(_number: int) -> None:
                for name in ("public", "resources", ".hugo_build.lock"):
                    set_aside(work / "hugo" / name)

            hugo_row = repeat("hugo --quiet (same incidents)", [hugo, "--quiet"], work / "hugo", args.repeat, clean_hugo)
            rows.append(hugo_row)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    report(args, size, rows, hugo_row)


if __name__ == "__main__":
    main()
