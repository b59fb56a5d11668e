"""Render stage: one renderer per output format, all fed by the same context."""

from __future__ import annotations
