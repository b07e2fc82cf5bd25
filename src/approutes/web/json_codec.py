"""JSON in and out, with orjson; the only module that imports it.

`dumps` serialises compactly; beyond JSON types it takes dataclasses, pydantic models,
datetimes, dates, UUIDs, Decimals, enums and sets (unknown types raise TypeError):

>>> from decimal import Decimal
>>> dumps({"price": Decimal("9.50"), "tags": {"a"}})
b'{"price":9.5,"tags":["a"]}'
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

import orjson

from approutes.errors import BadRequest

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["dumps", "dumps_log_line", "loads_body", "needs_loads_body"]

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset):
        return list(value)
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_ANY_KEYS = _OPTIONS | orjson.OPT_NON_STR_KEYS


def dumps(data: Any) -> bytes:
    """Serialise `data` to compact JSON bytes; see the module docstring for the types.

    Dict keys that are not `str` (ints, enums, dates, UUIDs) are written as strings.

    Raises:
        TypeError: a value of a type JSON cannot hold (orjson's JSONEncodeError).
    """
    # PERF: orjson's OPT_NON_STR_KEYS slows every dict (~10k instructions on a 1 KB answer,
    # callgrind, bench S4): str keys, the usual case, go without it; orjson refuses any other
    # key, and the value is then written again with the option. Positional arguments cost
    # ~1k fewer than keywords (callgrind, bench S1).
    try:
        return orjson.dumps(data, _default, _OPTIONS)
    except orjson.JSONEncodeError:
        return orjson.dumps(data, _default, _ANY_KEYS)


dumps_log_line: Callable[[Any], bytes] = partial(orjson.dumps, default=str)
"""One JSON log record: plain options (~0.25 µs, `dumps` ~0.55 µs); anything odd as its str."""


def loads_body(body: bytes) -> Any:
    """Parse a request body as JSON; a UTF-8 byte-order mark is ignored.

    >>> loads_body(b'[18446744073709551615, -9223372036854775808, 1e30, 1.5]')
    [18446744073709551615, -9223372036854775808, 1e+30, 1.5]
    >>> loads_body(b'{"n": 18446744073709551616}')
    Traceback (most recent call last):
    ...
    approutes.errors.BadRequest: Invalid JSON body: an integer beyond 64 bits

    Raises:
        BadRequest: empty, malformed or trailing-garbage JSON, or an integer literal
            outside -2**63 .. 2**64-1 ("Invalid JSON body").
    """
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("Invalid JSON body") from None
    # SECURITY: orjson reads an integer past 64 bits as a float, silently losing digits
    # (3.10+; older versions raised). Only a literal of 19+ digits can be one: a run that
    # long is looked for first (PERF: translate + `in` is C-speed, ~1.5 ns a byte, against
    # ~10 for the parse; walking the parsed value for floats costs as much as the parse).
    # Any 19 bytes in a row hold 3 whose offsets are multiples of 6: a run of 19 digits
    # shows as 3 digits in a row among every 6th byte, looked at before the whole body.
    # PERF: every 6th byte costs 0.55 µs on a 1 KB body (every 4th 0.68, all of them 1.1;
    # timeit, bench S4's echo); a body of plain ids and prices rarely holds 3 sampled
    # digits. Inline, no call (callgrind, bench S4).
    if (
        len(body) >= _LONG
        and _SAMPLED_RUN in body[::_STRIDE].translate(_NUMBER_SHAPES)
        and _LONG_RUN in body.translate(_NUMBER_SHAPES)
        and _has_wide_int(body)
    ):
        raise BadRequest("Invalid JSON body: an integer beyond 64 bits")
    return value


def needs_loads_body(body: bytes) -> bool:
    """Whether another JSON parser could read `body` other than `loads_body` does.

    pydantic's own parser (`validate_json`) reads integers past 64 bits exactly, reads `NaN`
    and `Infinity`, and makes an exponent that overflows infinity, where `loads_body` answers
    400 (and a UTF-8 byte-order mark is skipped here, refused there). A body holding a BOM,
    a run of 19+ digits, an exponent of 3+ digits, `NaN` or `Infinity` (even inside a
    string) is for `loads_body`; anything else both parsers read alike, or both refuse.

    >>> needs_loads_body(b'{"n": 12, "f": 1.5e10, "s": "Ivy", "t": "N+1"}')
    False
    >>> [needs_loads_body(b) for b in (b'[1e308]', b'[1E+400]', b'[NaN]', b'["-Infinity"]')]
    [True, True, True, True]
    >>> needs_loads_body(b'[18446744073709551615]')
    True
    """
    # PERF: a one-byte `in` is a memchr (~0.1 instruction a byte); a longer needle costs ~6,
    # the translate ~10 (callgrind on a 1 KB body): look for NaN only where an N is.
    if (b"N" in body and b"NaN" in body) or (b"I" in body and b"Infinity" in body):
        return True
    if body.startswith(b"\xef\xbb\xbf"):
        return True
    # An exponent's `e`, `E` and `+` all become `e`, digits `0`: one search finds `e000`.
    # PERF: among the zeros of a body of numbers the regex finds it sooner than `in` does,
    # and a run of 19 digits shows in every 6th byte first (see `loads_body`): 2.4 ->
    # 2.1 µs on bench S8's order (timeit).
    zeroed = body.translate(_NUMBER_SHAPES)
    if _LONG_EXPONENT(zeroed) is not None:
        return True
    return _SAMPLED_RUN in zeroed[::_STRIDE] and _LONG_RUN in zeroed


_LONG = 19  # digits of 2**63; anything shorter is in range
_LONG_RUN = b"0" * _LONG
_STRIDE = 6
_SAMPLED_RUN = b"0" * (_LONG // _STRIDE)
# Digits become `0` (a long integer is a run of zeros), an exponent's `E` and `+` become `e`.
_NUMBER_SHAPES = bytes.maketrans(b"123456789E+", b"000000000ee")
_LONG_EXPONENT = re.compile(rb"e000").search
# A string (skipped whole) or an integer literal of 19+ digits: not after a digit, `.`,
# an exponent's `e` or sign, and not followed by a fraction or exponent. The body is valid
# JSON by now, so a `"` outside a string always opens one.
_STRING_OR_LONG_INT = re.compile(rb'"(?:[^"\\]|\\.)*"|(?<![0-9.eE+\-])(-?[0-9]{19,})(?![0-9.eE])')
_INT_MIN = -(2**63)
_INT_MAX = 2**64 - 1
_MOST_DIGITS = 20  # 2**64 - 1 has 20 digits, -2**63 has 19 and a sign


def _has_wide_int(body: bytes) -> bool:
    for found in _STRING_OR_LONG_INT.finditer(body):
        literal = found.group(1)
        if literal is None:
            continue
        # NOTE: length first: int() refuses literals past 4,300 digits (a ValueError).
        if len(literal) > _MOST_DIGITS or not _INT_MIN <= int(literal) <= _INT_MAX:
            return True
    return False
