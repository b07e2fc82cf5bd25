"""json_codec: dumps (beyond plain JSON types) and loads_body (request bodies)."""

from __future__ import annotations

import datetime
import enum
import uuid
from decimal import Decimal
from typing import Any

import pytest

from approutes.errors import BadRequest
from approutes.web.json_codec import dumps, loads_body, needs_loads_body


def test_dumps_is_compact_utf8() -> None:
    assert dumps({"a": [1, 2], "b": "é"}) == '{"a":[1,2],"b":"é"}'.encode()


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param(Decimal("9.50"), b"9.5", id="decimal-fraction-as-number"),
        pytest.param(Decimal("10.00"), b"10", id="decimal-integral-as-integer"),
        pytest.param(Decimal("-3"), b"-3", id="decimal-negative"),
        pytest.param({"x"}, b'["x"]', id="set-as-list"),
        pytest.param(frozenset(), b"[]", id="empty-frozenset"),
        pytest.param({2: "b"}, b'{"2":"b"}', id="int-key-as-string"),
    ],
)
def test_dumps_extends_json_types(value: Any, encoded: bytes) -> None:
    assert dumps(value) == encoded


class _Colour(enum.StrEnum):
    RED = "red"


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param({1: "a", "b": 2}, b'{"1":"a","b":2}', id="int-and-str-keys"),
        pytest.param({_Colour.RED: 1}, b'{"red":1}', id="str-enum-key"),
        pytest.param({datetime.date(2026, 12, 7): 1}, b'{"2026-12-07":1}', id="date-key"),
        pytest.param(
            {uuid.UUID(int=1): 1}, b'{"00000000-0000-0000-0000-000000000001":1}', id="uuid-key"
        ),
        pytest.param(
            {"items": [{"id": 1}, {"tags": {True: "yes", None: "no"}}]},
            b'{"items":[{"id":1},{"tags":{"true":"yes","null":"no"}}]}',
            id="non-str-keys-deep-inside",
        ),
    ],
)
def test_dumps_writes_any_dict_key_as_a_string(value: Any, encoded: bytes) -> None:
    assert dumps(value) == encoded


def test_dumps_refuses_unknown_types_naming_them() -> None:
    class Opaque:
        pass

    with pytest.raises(TypeError, match="Opaque"):
        dumps([Opaque()])


@pytest.mark.parametrize(
    ("body", "value"),
    [
        pytest.param(b'{"a":1}', {"a": 1}, id="object"),
        pytest.param(b"42", 42, id="any-json-value"),
        pytest.param(b'"text"', "text", id="string"),
        pytest.param(b"null", None, id="null"),
        pytest.param(b'\xef\xbb\xbf{"a":1}', {"a": 1}, id="utf8-bom-stripped"),
        pytest.param(b" \n[1, 2] \n", [1, 2], id="surrounding-whitespace"),
        pytest.param('{"k":"é"}'.encode(), {"k": "é"}, id="utf8-text"),
    ],
)
def test_loads_body_parses_any_json_value(body: bytes, value: Any) -> None:
    assert loads_body(body) == value


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"   ", id="only-whitespace"),
        pytest.param(b"{bad json", id="malformed"),
        pytest.param(b'{"a":1} trailing', id="trailing-garbage"),
        pytest.param(b'{"a":1}{"b":2}', id="two-documents"),
        pytest.param(b"\xef\xbb\xbf", id="only-a-bom"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"{'a': 1}", id="single-quotes"),
    ],
)
def test_loads_body_rejects_invalid_json_with_400(body: bytes) -> None:
    with pytest.raises(BadRequest) as caught:
        loads_body(body)
    assert caught.value.status == 400
    assert caught.value.message == "Invalid JSON body"


def test_a_wide_integer_is_refused_wherever_it_starts() -> None:
    # The quick look at every 6th byte must never miss a run of 19 digits, the shortest
    # literal out of range (below -2**63), wherever it starts.
    for start in range(8):
        padding = b" " * start
        with pytest.raises(BadRequest, match="beyond 64 bits"):
            loads_body(b"[" + padding + b"-9876543210987654321]")
        assert loads_body(b"[" + padding + b"1234567890123456789]") == [1234567890123456789]


def test_needs_loads_body_finds_a_long_run_or_a_long_exponent_wherever_it_starts() -> None:
    # The typed path's check looks at every 6th byte for a run of digits first: it must never
    # miss a run of 19 (pydantic would read the integer exactly, where loads_body says 400).
    for start in range(8):
        padding = b" " * start
        assert needs_loads_body(b"[" + padding + b"1234567890123456789]")
        assert not needs_loads_body(b"[" + padding + b"123456789012345678]")
        assert needs_loads_body(b"[" + padding + b"1.5e+300]")
        assert needs_loads_body(b"[" + padding + b"1E400]")
        assert not needs_loads_body(b"[" + padding + b"1.5e30, 1e-3]")
