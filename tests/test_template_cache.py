"""Compiled templates in the cache are code: only the project's own, sealed with its key, are ever run.

Jinja's bytecode file carries a version header and the checksum of the template's source, both of
which anyone can compute. Before the seal, a cache restored from someone else's CI run could hold
a "compiled template" that ran any code in the next build. Through real interpreters: the forked
runner inherits templates compiled by the test process and would never read the cache.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import io
import marshal
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

from jinja2.bccache import bc_magic

from tests.conftest import INCIDENTS, SEED_IDS, postmortem

FIRST = SEED_IDS[0]


def jinja_file(code: str, checksum: str) -> bytes:
    """What Jinja itself writes for a template: header, source checksum, then a marshalled code object."""
    out = io.BytesIO()
    out.write(bc_magic)
    pickle.dump(checksum, out, 2)
    marshal.dump(compile(code, "<cache>", "exec"), out)
    return out.getvalue()


def planted(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(0)\n"


def build(project: Path) -> None:
    result = postmortem("build", "--format", "md", cwd=project, timeout=300, real=True)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


def change_an_incident(project: Path, number: int) -> None:
    path = project / "incidents" / f"{FIRST}.yaml"
    path.write_text(path.read_text("utf-8").replace("title: ", f"title: Changed {number} ", 1), "utf-8")


COMPILE_PROBE = """
import sys
from jinja2 import Environment
from generator.cli import main
compiled = []
real_parse = Environment._parse
def counting_parse(self, source, name, filename):
    compiled.append(name)
    return real_parse(self, source, name, filename)
Environment._parse = counting_parse
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print("COMPILED", sorted(compiled), file=sys.stderr)
"""


def compiled_by_a_build(project: Path) -> list[str]:
    """The templates a real ``build --format md,html`` compiled from source (not loaded from the cache)."""
    result = subprocess.run([sys.executable, "-c", COMPILE_PROBE, "build", "--format", "md,html"], cwd=project,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("COMPILED ")]
    return ast.literal_eval(line.removeprefix("COMPILED "))


def test_a_forged_compiled_template_in_the_cache_is_never_run(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(INCIDENTS, project / "incidents")
    # Every renderer shares one environment per kind, so the sealed cache serves every template a build uses.
    # (Renderers once asked for make_environment(folder) and the build for make_environment(folder,
    # markdown=False): two environments, and every build compiled every template from source again.)
    first = compiled_by_a_build(project)
    assert {"site/incident.html", "status_post.html", "postmortem.md"} <= set(first)
    assert len(first) == len(set(first)), first  # once each
    change_an_incident(project, 0)
    assert compiled_by_a_build(project) == []  # every template came from the sealed cache
    folder = project / ".postmortem-cache" / "jinja"
    sealed = sorted(folder.glob("*.sealed"))
    assert sealed, "the build keeps its compiled templates"
    key = (project / ".postmortem-state" / "cache.key").read_bytes()

    def checksum_of(path: Path) -> str:
        data = path.read_bytes()[32:]  # after the HMAC: Jinja's own bytes
        stream = io.BytesIO(data[len(bc_magic):])
        return pickle.load(stream)

    # Forged: Jinja's format with the right header and checksum, but no valid seal (the attacker has no key);
    # and the unsealed file name earlier versions read.
    marker = tmp_path / "ran-forged"
    for path in sealed:
        forged = jinja_file(planted(marker), checksum_of(path))
        path.write_bytes(hashlib.sha256(b"guess").digest() + forged)
        (folder / f"__jinja2_{path.stem}.cache").write_bytes(forged)
    change_an_incident(project, 1)
    build(project)
    assert not marker.exists()
    assert (project / "output" / f"{FIRST}.md").read_text("utf-8").startswith("# Changed 1 ")

    # Positive control: sealed with the project's own key, the same bytes are loaded (and run), so the
    # cache is really read and the case above is refused by its seal, not ignored.
    control = tmp_path / "ran-sealed"
    for path in sorted(folder.glob("*.sealed")):
        data = jinja_file(planted(control), checksum_of(path))
        context = f"jinja:{path.stem}".encode()
        path.write_bytes(hmac.new(key, context + b"\0" + data, "sha256").digest() + data)
    change_an_incident(project, 2)
    postmortem("build", "--format", "md", cwd=project, timeout=300, real=True)
    assert control.exists()



WORKER_START = """
import sys
from pathlib import Path
from generator.builder.cache import Seal
from generator.builder.workers import start_pdf_worker
from generator.model.config import SiteConfig
from generator.render.formats import RenderSettings
start_pdf_worker(RenderSettings(SiteConfig()), Path(sys.argv[1]), Seal(Path(sys.argv[2]).read_bytes()))
print("STARTED")
"""


def start_a_pdf_worker(project: Path) -> subprocess.CompletedProcess[str]:
    """A PDF worker's start in a new interpreter (which has compiled nothing, like one from the fork server),
    given what the build gives its pool: the settings, the store's folder and the project's seal."""
    return subprocess.run([sys.executable, "-c", WORKER_START, str(project / ".postmortem-cache" / "jinja"),
                           str(project / ".postmortem-state" / "cache.key")], capture_output=True, text=True, timeout=120)


def test_pdf_workers_take_the_reports_templates_from_the_sealed_store_and_only_sealed_ones(tmp_path: Path) -> None:
    """The PDF pool's workers start from a fork server that compiled nothing: they read the same sealed store.

    A real build on the pool shows that its workers use the store (they sealed the report's templates: the build
    itself renders no PDF). What a worker does with forged and sealed files is then seen through the function the
    pool runs as each worker starts, in a new interpreter: a pool build costs a fork server that imports WeasyPrint.
    """
    project = tmp_path / "p"
    (project / "incidents").mkdir(parents=True)
    for path in sorted(INCIDENTS.glob("*.yaml"))[:3]:  # three PDFs: enough for the pool
        shutil.copy(path, project / "incidents")
    first = postmortem("build", "--format", "pdf", "--jobs", "2", cwd=project, timeout=300)
    assert first.returncode == 0, first.stderr
    from generator.render.environment import builtin_templates

    def sealed_file(name: str) -> Path:  # Jinja's bucket key: the template's name and file
        key = hashlib.sha1(name.encode() + ("|" + str(builtin_templates() / name)).encode()).hexdigest()
        return project / ".postmortem-cache" / "jinja" / f"{key}.sealed"

    report = sealed_file("report.html")
    assert report.is_file() and sealed_file("report.css").is_file(), "the workers sealed the report's templates"
    stored = report.read_bytes()[32:]
    checksum = pickle.load(io.BytesIO(stored[len(bc_magic):]))
    secret = (project / ".postmortem-state" / "cache.key").read_bytes()

    # Forged (no valid seal): never run; the worker compiles the template again and starts.
    forged_marker = tmp_path / "ran-forged"
    report.write_bytes(hashlib.sha256(b"guess").digest() + jinja_file(planted(forged_marker), checksum))
    forged = start_a_pdf_worker(project)
    assert forged.returncode == 0 and forged.stdout == "STARTED\n", forged.stderr
    assert not forged_marker.exists()
    # Sealed with the project's key: the worker loads it (and runs it), so it does read the store.
    sealed_marker = tmp_path / "ran-sealed"
    data = jinja_file(planted(sealed_marker), checksum)
    report.write_bytes(hmac.new(secret, b"jinja:" + report.stem.encode() + b"\0" + data, "sha256").digest() + data)
    start_a_pdf_worker(project)
    assert sealed_marker.exists()


def test_a_broken_report_template_is_reported_with_its_line_not_as_a_dead_pdf_worker(tmp_path: Path) -> None:
    """The workers compile the report's templates as they start; a project's broken one must still be the usual error."""
    project = tmp_path / "p"
    (project / "incidents").mkdir(parents=True)
    for path in sorted(INCIDENTS.glob("*.yaml"))[:3]:  # three PDFs: the pool
        shutil.copy(path, project / "incidents")
    (project / "templates").mkdir()
    (project / "templates" / "report.html").write_text("{% if %}broken\n", "utf-8")
    result = postmortem("build", "--format", "pdf", "--jobs", "2", "--templates", "templates", cwd=project, timeout=300)
    assert result.returncode == 1
    assert "templates/report.html:1: template error" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "worker process ended" not in result.stderr, result.stderr
