"""Write stage: outputs appear all at once or not at all."""

from __future__ import annotations

from generator.write.tree import BuildLockedError, publish_tree, write_file_atomically

__all__ = ["BuildLockedError", "publish_tree", "write_file_atomically"]
