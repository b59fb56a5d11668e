"""Write stage: single files written atomically (a build's whole tree is swapped in by ``generator.builder.tree``)."""

from __future__ import annotations

from generator.write.files import write_file_atomically, write_output_file

__all__ = ["write_file_atomically", "write_output_file"]
