"""A small memo keyed by the identity of objects, for values derived from frozen models in one process.

Several outputs of one incident (the post, its site page, the ``.md``, the site record)
are rendered one after another in the same worker from the same objects; values
derived from them are computed once.  Entries hold references to their key
objects, so an id is never reused while it is remembered.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityMemo(Generic[V]):
    """The last ``size`` values, keyed by the identity of the objects they were derived from."""
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple[int, ...], tuple[tuple[object, ...], V]] = OrderedDict()

    def get(self, *key: object) -> V | None:
        """The remembered value for exactly these objects (the least recently used is forgotten first)."""
        ids = tuple(map(id, key))
        entry = self._entries.get(ids)
        if entry is None or any(a is not b for a, b in zip(entry[0], key, strict=True)):
            return None
        self._entries.move_to_end(ids)
        return entry[1]

    def put(self, value: V, *key: object) -> V:
        """Remember ``value`` for exactly these objects; return it."""
        self._entries[tuple(map(id, key))] = (key, value)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
