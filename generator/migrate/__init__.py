"""Migration between incident files and hosted status-page exports (import and export)."""

from __future__ import annotations
