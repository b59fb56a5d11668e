"""Exit 0 when this checkout is already installed (editable) with everything its extras need, else 1.

``scripts/setup`` asks this before running pip: a repeat run of ``scripts/test`` then skips the ~8 s that pip
spends building an editable wheel in an isolated environment just to find nothing changed.  It checks what
pip would: the installed ``postmortem-generator`` points at this folder and was installed from this very
``pyproject.toml`` (``--record``, run after pip, keeps its hash in ``build/setup-stamp``), and every requirement, extras included, is present
in a version its specifier allows.  Anything else (a fresh machine, an edited pyproject.toml, another
checkout installed, a package removed or up- or downgraded by hand) answers 1 and pip runs.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import json
import sys
from pathlib import Path

try:
    from packaging.requirements import Requirement
except ImportError:  # pip always brings its own copy
    from pip._vendor.packaging.requirements import Requirement

DIST = "postmortem-generator"


def stamp(root: Path) -> str:
    """What the install must have been made from: the project's metadata and the interpreter.

    The extras are not part of it: their requirements are checked one by one, so switching between
    ``scripts/setup`` and ``EXTRAS=test scripts/setup`` reinstalls only when something is missing.
    """
    digest = hashlib.sha256((root / "pyproject.toml").read_bytes())
    digest.update(f"\0{sys.executable}".encode())
    return digest.hexdigest()


def stamp_path(root: Path) -> Path:
    return root / "build" / "setup-stamp"


def installed_here(root: Path, extras: str) -> bool:
    try:
        dist = metadata.distribution(DIST)
        origin = json.loads(dist.read_text("direct_url.json") or "{}")
        if origin.get("url") != root.as_uri() or not origin.get("dir_info", {}).get("editable"):
            return False
        if stamp_path(root).read_text("ascii") != stamp(root):
            return False
        return requirements_met(dist.requires or [], extras)
    except (OSError, ValueError, metadata.PackageNotFoundError):
        return False


def requirements_met(requires: list[str], extras: str) -> bool:
    """Every requirement the package and the comma-separated ``extras`` need is installed in an allowed version."""
    wanted = {extra for extra in extras.split(",") if extra} | {""}
    for line in requires:
        requirement = Requirement(line)
        if requirement.marker and not any(requirement.marker.evaluate({"extra": extra}) for extra in wanted):
            continue
        try:
            version = metadata.version(requirement.name)
        except metadata.PackageNotFoundError:
            return False
        if not requirement.specifier.contains(version, prereleases=True):
            return False
    return True


def main(args: list[str]) -> int:
    """``installed_here.py [--record] ROOT EXTRAS``: check, or (after pip succeeded) record the stamp."""
    record = args[:1] == ["--record"]
    root, extras = Path(args[record]).resolve(), args[record + 1]
    if record:
        stamp_path(root).parent.mkdir(exist_ok=True)
        stamp_path(root).write_text(stamp(root), "ascii")
        return 0
    return 0 if installed_here(root, extras) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
