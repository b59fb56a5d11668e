"""Write stage: outputs appear all at once or not at all."""

from __future__ import annotations

from generator.write.files import write_file_atomically, write_output_file
from generator.write.tree import BuildLockedError, Published, publish_tree, spare_folder

__all__ = ["BuildLockedError", "Published", "publish_tree", "spare_folder", "write_file_atomically", "write_output_file"]
