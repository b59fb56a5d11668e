"""Sub-commands that live in their own modules; ``generator.cli`` imports them lazily."""

from __future__ import annotations
