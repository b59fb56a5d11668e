"""Incident postmortem document generator: one YAML record, three documents."""

from __future__ import annotations

__version__ = "0.1.0"
