"""Load stage: turn files on disk into plain data with source positions."""

from __future__ import annotations

from generator.load.yaml_reader import Document, Positions, read_yaml, read_yaml_text

__all__ = ["Document", "Positions", "read_yaml", "read_yaml_text"]
