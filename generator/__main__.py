"""Allow ``python -m generator`` as an alias of the ``postmortem`` command."""

from __future__ import annotations

from generator.cli import main

if __name__ == "__main__":
    main()
