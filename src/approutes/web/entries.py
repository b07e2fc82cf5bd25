"""Entries: ordered (name, value) pairs with repeats, shared by URLSearchParams and FormData.

WHATWG semantics: `get` is the first value; `keys()` and `items()` yield every entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Entries"]

V = TypeVar("V")


class Entries(Generic[V]):
    """Ordered (name, value) pairs; names may repeat.

    Example:
        >>> entries = Entries([("q", "a"), ("q", "b"), ("tag", "x")])
        >>> entries.get("q"), entries.get_all("q"), entries.has("tag"), len(entries)
        ('a', ['a', 'b'], True, 3)
        >>> list(entries.keys())
        ['q', 'q', 'tag']
    """

    __slots__ = ("_pairs",)

    def __init__(self, pairs: list[tuple[str, V]] | None = None) -> None:
        """Hold `pairs`, in order."""
        self._pairs: list[tuple[str, V]] = [] if pairs is None else pairs

    def get(self, name: str) -> V | None:
        """Return the first value of `name`, or None."""
        for key, value in self._pairs:
            if key == name:
                return value
        return None

    def get_all(self, name: str) -> list[V]:
        """Return every value of `name`, in order."""
        return [v for k, v in self._pairs if k == name]

    def has(self, name: str) -> bool:
        """Return True when `name` appears at least once."""
        return any(k == name for k, _ in self._pairs)

    def append(self, name: str, value: V) -> None:
        """Add an entry at the end."""
        self._pairs.append((name, value))

    def keys(self) -> Iterator[str]:
        """Yield the name of every entry, repeats included."""
        return (k for k, _ in self._pairs)

    def values(self) -> Iterator[V]:
        """Yield the value of every entry."""
        return (v for _, v in self._pairs)

    def items(self) -> Iterator[tuple[str, V]]:
        """Yield every (name, value) entry in order (a snapshot: safe to change while looping)."""
        return iter(list(self._pairs))

    def __iter__(self) -> Iterator[str]:
        return self.keys()

    def __len__(self) -> int:
        return len(self._pairs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._pairs!r})"
