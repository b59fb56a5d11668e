"""Allow ``python -m generator`` as an alias of the ``postmortem`` command."""

from __future__ import annotations

from generator.cli import run

if __name__ == "__main__":
    run()
