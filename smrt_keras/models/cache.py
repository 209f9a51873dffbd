"""The least-recently-used cache behind the engine's compiled programs, the
template models and the compiled inference passes."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


class LRUCache:
    """At most ``size`` values; the least recently used is dropped first."""

    def __init__(self, size: int):
        self.size = int(size)
        self._items: OrderedDict = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value for ``key``, from ``build()`` the first time."""
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        value = self._items[key] = build()
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
