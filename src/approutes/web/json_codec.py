"""JSON in and out, with orjson; the only module that imports it."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

import orjson

from approutes.errors import BadRequest

__all__ = ["JSONDecodeError", "dumps", "loads_body"]

JSONDecodeError = orjson.JSONDecodeError
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def dumps(data: Any) -> bytes:
    """Serialise `data` compactly.

    Beyond JSON types: dataclasses, pydantic models, datetimes, dates, UUIDs, Decimals, enums
    and sets.

    >>> from decimal import Decimal
    >>> dumps({"price": Decimal("9.50"), "tags": {"a"}})
    b'{"price":9.5,"tags":["a"]}'

    Raises:
        TypeError: a value of a type none of the above covers.
    """
    return orjson.dumps(data, default=_default, option=_OPTIONS)


def loads_body(body: bytes) -> Any:
    """Parse a request body as JSON; a UTF-8 byte-order mark is ignored.

    Raises:
        BadRequest: empty, malformed or trailing-garbage JSON ("Invalid JSON body").
    """
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("Invalid JSON body") from None


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return list(value)
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
