"""Property tests for form bodies: multipart (fed in random chunks) and urlencoded."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from hypothesis import example, given, note
from hypothesis import strategies as st

from approutes.errors import BadRequest, PayloadTooLarge
from approutes.web.form_data import File, FormData, parse_multipart, parse_urlencoded

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

# --- a small multipart/form-data encoder --------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str
    value: str


@dataclass(frozen=True)
class Upload:
    name: str
    filename: str
    content_type: str | None
    content: bytes


Part = Field | Upload


def _disposition(part: Part) -> bytes:
    # Names are written as UTF-8 inside quotes, as browsers do; the generated ones hold no
    # '"', '\\', CR or LF, whose escaping differs between clients.
    text = f'form-data; name="{part.name}"'
    if isinstance(part, Upload):
        text += f'; filename="{part.filename}"'
    return b"Content-Disposition: " + text.encode()


def _content(part: Part) -> bytes:
    return part.value.encode() if isinstance(part, Field) else part.content


def encode_multipart(parts: Sequence[Part], boundary: bytes) -> bytes:
    body = b""
    for part in parts:
        body += b"--" + boundary + b"\r\n" + _disposition(part) + b"\r\n"
        if isinstance(part, Upload) and part.content_type is not None:
            body += b"Content-Type: " + part.content_type.encode() + b"\r\n"
        body += b"\r\n" + _content(part) + b"\r\n"
    return body + b"--" + boundary + b"--\r\n"


def boundary_for(parts: Sequence[Part], start: str) -> bytes:
    """`start`, made longer until no part holds it."""
    boundary = start.encode()
    texts = [_content(p) + _disposition(p) for p in parts]
    while any(boundary in text for text in texts):
        boundary += b"z"
    return boundary


def split(body: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({min(c, len(body)) for c in cuts})
    edges = [0, *points, len(body)]
    return [body[a:b] for a, b in pairwise(edges)]


async def _chunks(pieces: Sequence[bytes]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield piece


async def _read_all(form: FormData) -> list[tuple[str, str | tuple[str, str, int, bytes]]]:
    out: list[tuple[str, str | tuple[str, str, int, bytes]]] = []
    try:
        for name, value in form.items():
            if isinstance(value, File):
                out.append((name, (value.name, value.type, value.size, await value.read())))
            else:
                out.append((name, value))
    finally:
        form.close()
    return out


async def _parse(content_type: str, pieces: Sequence[bytes], field_limit: int) -> object:
    form = await parse_multipart(content_type, _chunks(pieces), field_limit)
    return await _read_all(form)


def parse(content_type: str, pieces: Sequence[bytes], field_limit: int = 1 << 20) -> object:
    return asyncio.run(_parse(content_type, pieces, field_limit))


def expected_entries(parts: Sequence[Part]) -> list[tuple[str, str | tuple[str, str, int, bytes]]]:
    out: list[tuple[str, str | tuple[str, str, int, bytes]]] = []
    for part in parts:
        if isinstance(part, Field):
            out.append((part.name, part.value))
        else:
            file = (part.filename, part.content_type or "", len(part.content), part.content)
            out.append((part.name, file))
    return out


# --- strategies ---------------------------------------------------------------------------

_NAME_CHARS = st.characters(exclude_characters='"\\\r\n%', exclude_categories=["Cc", "Cs"])
form_names = st.text(_NAME_CHARS, max_size=8)
fields = st.builds(Field, form_names, st.text(max_size=30))
uploads = st.builds(
    Upload,
    form_names,
    form_names,
    st.sampled_from([None, "text/plain", "application/octet-stream", "image/png"]),
    st.binary(max_size=60),
)
forms = st.lists(st.one_of(fields, uploads), max_size=5)
boundary_starts = st.text("0123456789abcdefABCDEF-_'()+,./:=?", min_size=1, max_size=40)
content_types = st.sampled_from(
    [
        "multipart/form-data; boundary={}",
        'multipart/form-data; boundary="{}"',
        "Multipart/Form-Data; charset=utf-8; boundary={}",
    ]
)


@st.composite
def encoded_forms(draw: st.DrawFn) -> tuple[list[Part], str, list[bytes]]:
    parts = draw(forms)
    boundary = boundary_for(parts, draw(boundary_starts))
    body = encode_multipart(parts, boundary)
    cuts = draw(st.lists(st.integers(0, len(body)), max_size=6))
    content_type = draw(content_types).format(boundary.decode())
    return parts, content_type, split(body, cuts)


# --- properties ---------------------------------------------------------------------------


@given(encoded_forms())
@example(
    (
        [Field("caf\u00e9; \u4e2d=", "x\r\n--b"), Upload("", "\u00e9.txt", None, b"\r\n--")],
        "multipart/form-data; boundary=bz",
        [
            encode_multipart(
                [
                    Field("caf\u00e9; \u4e2d=", "x\r\n--b"),
                    Upload("", "\u00e9.txt", None, b"\r\n--"),
                ],
                b"bz",
            )
        ],
    )
)
def test_an_encoded_form_parses_back_in_any_chunking(
    case: tuple[list[Part], str, list[bytes]],
) -> None:
    parts, content_type, pieces = case
    note(repr(b"".join(pieces)))
    assert parse(content_type, pieces) == expected_entries(parts)


@given(encoded_forms(), st.integers(0, 40))
def test_a_text_field_over_the_limit_is_413_and_files_have_no_limit(
    case: tuple[list[Part], str, list[bytes]], field_limit: int
) -> None:
    parts, content_type, pieces = case
    too_big = any(isinstance(p, Field) and len(p.value.encode()) > field_limit for p in parts)
    try:
        entries = parse(content_type, pieces, field_limit)
    except PayloadTooLarge:
        assert too_big
    else:
        assert not too_big
        assert entries == expected_entries(parts)


_FRAGMENTS = st.sampled_from(
    [
        b"--",
        b"\r\n",
        b"\r\n\r\n",
        b"--B",
        b"--B\r\n",
        b"--B--",
        b"Content-Disposition: form-data; name=",
        b'"a"',
        b'; filename="f"',
        b"Content-Type: text/plain",
        b":",
        b"\xff\xfe",
    ]
)
_GARBAGE_BODIES = st.lists(st.one_of(_FRAGMENTS, st.binary(max_size=12)), max_size=12)
_LATIN_1 = st.characters(max_codepoint=0xFF)
_GARBAGE_TYPES = st.one_of(
    st.builds(
        "multipart/form-data; boundary={}".format,
        st.one_of(
            st.just("B"),
            st.text(_LATIN_1, max_size=10),
            # python-multipart refuses a boundary past 256 bytes (RFC 2046 allows 70).
            st.integers(60, 300).map(lambda n: "B" * n),
        ),
    ),
    st.text(_LATIN_1, max_size=40),
)


@given(_GARBAGE_TYPES, _GARBAGE_BODIES, st.integers(0, 64))
@example("multipart/form-data; boundary=" + "B" * 257, [b"--B\r\n"], 64)
def test_a_garbage_body_is_a_form_or_a_400_or_a_413(
    content_type: str, pieces: list[bytes], field_limit: int
) -> None:
    with suppress(BadRequest, PayloadTooLarge):
        parse(content_type, pieces, field_limit)


@given(st.lists(st.tuples(st.text(), st.text()), max_size=8))
def test_an_urlencoded_body_parses_back(pairs: list[tuple[str, str]]) -> None:
    form = parse_urlencoded(urlencode(pairs).encode())
    assert list(form.items()) == pairs


@given(st.binary())
def test_any_urlencoded_body_parses_without_raising(body: bytes) -> None:
    form = parse_urlencoded(body)
    assert all(isinstance(v, str) for v in form.values())
