"""Live preview (``postmortem serve``): everything rendered in memory, nothing written to disk."""

from __future__ import annotations
