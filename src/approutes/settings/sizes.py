"""Byte sizes as people write them ("4mb") and as the code counts them."""

from __future__ import annotations

import math
import re

__all__ = ["parse_size"]

_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb)?\s*", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}


def parse_size(value: str | int) -> int:
    """Return the number of bytes in `value` (units are powers of 1024, as Next's `bytes`).

    >>> parse_size("1mb")
    1048576
    >>> parse_size("4 MB"), parse_size("1kb"), parse_size(512), parse_size("1.5kb")
    (4194304, 1024, 512, 1536)

    Raises:
        ValueError: anything else, or a negative number.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a size")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is negative")
        return value
    found = _SIZE.fullmatch(str(value))
    if found is None:
        raise ValueError(f"{value!r} is not a size like '500kb', '4mb' or a number of bytes")
    number, unit = found.groups()
    size = float(number) * _UNITS[(unit or "b").lower()]
    if not math.isfinite(size):
        raise ValueError(f"{value!r} is too large to be a size")
    return int(size)
