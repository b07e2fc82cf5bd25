"""Response and NextResponse: constructor rules, body kinds, json, redirect, middleware."""

from __future__ import annotations

import dataclasses
import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
import pydantic
import pytest

from approutes.web.headers import HeaderLines, Headers
from approutes.web.response import (
    BodyInit,
    MiddlewareAction,
    NextResponse,
    Response,
    add_header_lines,
    body_chunk,
    has_header_of,
    set_headers,
)
from approutes.web.url import NextURL

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

TEXT_TYPE = "text/plain; charset=utf-8"

# --- constructor --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "ok"),
    [
        pytest.param(200, True, id="200"),
        pytest.param(201, True, id="201"),
        pytest.param(299, True, id="299"),
        pytest.param(300, False, id="300"),
        pytest.param(404, False, id="404"),
        pytest.param(418, False, id="418"),
        pytest.param(599, False, id="599"),
    ],
)
def test_status_within_200_599_is_kept_and_ok_is_true_for_2xx(status: int, *, ok: bool) -> None:
    assert Response("x", status=status).status == status
    assert Response(None, status=status).ok is ok


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(100, id="100-informational"),
        pytest.param(101, id="101-switching"),
        199,
        600,
        0,
        pytest.param(-200, id="negative"),
    ],
)
def test_status_outside_200_599_is_a_value_error(status: int) -> None:
    with pytest.raises(ValueError, match="200-599"):
        Response(None, status=status)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        pytest.param(204, "x", id="204-str"),
        pytest.param(205, b"x", id="205-bytes"),
        pytest.param(304, "x", id="304-str"),
        pytest.param(204, "", id="204-empty-str-is-still-a-body"),
        pytest.param(204, [b"chunk"], id="204-stream"),
    ],
)
def test_body_on_a_no_body_status_is_a_value_error(status: int, body: BodyInit) -> None:
    with pytest.raises(ValueError, match=str(status)):
        Response(body, status=status)


@pytest.mark.parametrize("status", [204, 205, 304])
def test_no_body_status_without_body_is_fine(status: int) -> None:
    response = Response(None, status=status)
    assert response.status == status
    assert response.body is None
    assert response.stream is None


def test_str_body_is_utf8_text_plain() -> None:
    response = Response("héllo")
    assert response.body == "héllo".encode()
    assert response.headers.get("content-type") == TEXT_TYPE


def test_str_body_keeps_a_given_content_type() -> None:
    response = Response("<p>x</p>", headers={"Content-Type": "text/html"})
    assert response.headers.get_all("content-type") == ["text/html"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\x00\x01", id="bytes"),
        pytest.param(bytearray(b"\x00\x01"), id="bytearray"),
        pytest.param(memoryview(b"\x00\x01"), id="memoryview"),
    ],
)
def test_bytes_body_gets_no_content_type(body: bytes | bytearray | memoryview) -> None:
    response = Response(body)
    assert response.body == b"\x00\x01"
    assert isinstance(response.body, bytes)
    assert not response.headers.has("content-type")


def test_no_body_gets_no_content_type() -> None:
    response = Response()
    assert response.status == 200
    assert response.body is None
    assert response.stream is None
    assert not response.headers.has("content-type")


def test_iterable_body_is_streamed_without_content_type() -> None:
    chunks: list[str | bytes] = ["a", b"b"]
    response = Response(chunks)
    assert response.stream is chunks
    assert response.body is None
    assert not response.headers.has("content-type")


async def _chunks() -> AsyncIterator[bytes]:
    yield b"a"


def test_async_iterable_body_is_streamed() -> None:
    stream = _chunks()
    response = Response(stream)
    assert response.stream is stream
    assert response.body is None


def test_unsupported_body_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="int"):
        Response(42)  # type: ignore[arg-type]


def test_headers_are_copied_case_insensitively() -> None:
    given = {"X-Custom": "1"}
    response = Response("x", headers=given)
    assert response.headers.get("x-custom") == "1"
    response.headers.set("x-custom", "2")
    assert given == {"X-Custom": "1"}


def test_response_cookies_write_set_cookie_headers() -> None:
    response = NextResponse("x")
    response.cookies.set("theme", "dark", http_only=True)
    response.cookies.set("lang", "en")
    assert response.headers.get_all("set-cookie") == [
        "theme=dark; Path=/; HttpOnly",
        "lang=en; Path=/",
    ]
    assert response.cookies.get("theme") is not None
    assert response.cookies is response.cookies


# --- json ---------------------------------------------------------------------------------


def test_json_response_is_application_json_without_charset() -> None:
    response = NextResponse.json({"message": "Hello World"})
    assert response.status == 200
    assert response.headers.get_all("content-type") == ["application/json"]
    assert response.body == b'{"message":"Hello World"}'


def test_json_response_takes_status_and_headers() -> None:
    response = NextResponse.json({"error": "nope"}, status=404, headers={"X-Reason": "gone"})
    assert response.status == 404
    assert response.headers.get("x-reason") == "gone"
    assert orjson.loads(response.body or b"") == {"error": "nope"}


def test_json_response_keeps_a_given_content_type() -> None:
    response = Response.json([1], headers={"content-type": "application/problem+json"})
    assert response.headers.get_all("content-type") == ["application/problem+json"]


def test_json_with_no_body_status_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="204"):
        NextResponse.json({}, status=204)


def test_json_class_method_returns_the_class_it_is_called_on() -> None:
    assert type(Response.json(None)) is Response
    assert type(NextResponse.json(None)) is NextResponse


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


@dataclasses.dataclass
class Point:
    x: int
    y: Decimal


class User(pydantic.BaseModel):
    id: UUID
    joined: date


USER_ID = UUID("12345678-1234-5678-1234-567812345678")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(Point(1, Decimal("2.5")), {"x": 1, "y": 2.5}, id="dataclass"),
        pytest.param(
            datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05+00:00", id="datetime"
        ),
        pytest.param(date(2024, 1, 2), "2024-01-02", id="date"),
        pytest.param(USER_ID, "12345678-1234-5678-1234-567812345678", id="uuid"),
        pytest.param(Decimal("9.50"), 9.5, id="decimal-fraction"),
        pytest.param(Decimal("10"), 10, id="decimal-integral"),
        pytest.param(Color.RED, "red", id="enum"),
        pytest.param(Level.HIGH, 3, id="int-enum"),
        pytest.param({"only"}, ["only"], id="set"),
        pytest.param(frozenset({1}), [1], id="frozenset"),
        pytest.param(
            User(id=USER_ID, joined=date(2024, 1, 2)),
            {"id": "12345678-1234-5678-1234-567812345678", "joined": "2024-01-02"},
            id="pydantic-model",
        ),
        pytest.param(
            {"users": [User(id=USER_ID, joined=date(2024, 1, 2))]},
            {"users": [{"id": "12345678-1234-5678-1234-567812345678", "joined": "2024-01-02"}]},
            id="pydantic-model-nested",
        ),
        pytest.param({1: "a"}, {"1": "a"}, id="non-str-keys"),
    ],
)
def test_json_serialises_python_values(data: Any, expected: Any) -> None:
    response = NextResponse.json(data)
    assert orjson.loads(response.body or b"") == expected


def test_json_of_an_unsupported_value_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="object"):
        NextResponse.json({"x": object()})


# --- redirect -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_accepts_redirect_statuses(status: int) -> None:
    response = NextResponse.redirect("https://example.com/login", status)
    assert response.status == status
    assert response.headers.get("location") == "https://example.com/login"
    assert response.body is None


def test_redirect_defaults_to_307() -> None:
    assert NextResponse.redirect("https://example.com/").status == 307


@pytest.mark.parametrize("status", [200, 300, pytest.param(304, id="304-not-modified"), 305, 404])
def test_redirect_refuses_other_statuses(status: int) -> None:
    with pytest.raises(ValueError, match="redirect status"):
        Response.redirect("https://example.com/", status)


@pytest.mark.parametrize(
    ("url", "location", "resolve"),
    [
        pytest.param("/login", "/login", True, id="path-is-resolved-later"),
        pytest.param("login?next=1", "login?next=1", True, id="relative-is-resolved-later"),
        pytest.param(
            "https://example.com/login",
            "https://example.com/login",
            False,
            id="absolute-sent-as-given",
        ),
        pytest.param(
            NextURL("http://localhost:3000/a?b=1"),
            "http://localhost:3000/a?b=1",
            False,
            id="a-next-url-is-accepted-and-sent-as-given",
        ),
    ],
)
def test_redirect_marks_relative_locations_for_resolution(
    url: str | NextURL, location: str, *, resolve: bool
) -> None:
    response = NextResponse.redirect(url)
    assert response.headers.get("location") == location
    assert response.resolve_location is resolve


def test_redirect_refuses_a_location_with_a_line_break() -> None:
    with pytest.raises(ValueError, match="line break"):
        NextResponse.redirect("/a\r\nSet-Cookie: x=1")


# --- middleware actions -------------------------------------------------------------------


def test_plain_responses_carry_no_middleware_action() -> None:
    assert Response("x").middleware_action is None
    assert NextResponse.json({}).middleware_action is None


def test_next_asks_to_go_on_with_request_headers_and_response_headers() -> None:
    response = NextResponse.next(request_headers={"X-User": "ada"}, headers={"X-Mw": "1"})
    assert response.middleware_action == MiddlewareAction(
        "next", request_headers=(("x-user", "ada"),)
    )
    assert response.headers.get("x-mw") == "1"
    assert response.status == 200
    assert response.body is None


def test_next_without_arguments_changes_nothing() -> None:
    response = NextResponse.next()
    assert response.middleware_action == MiddlewareAction("next")
    assert len(response.headers) == 0


@pytest.mark.parametrize(
    ("url", "target"),
    [
        pytest.param("/api/other?x=1", "/api/other?x=1", id="path"),
        pytest.param(
            NextURL("http://localhost:3000/api/other"), "http://localhost:3000/api/other", id="url"
        ),
    ],
)
def test_rewrite_asks_to_serve_another_url(url: str | NextURL, target: str) -> None:
    response = NextResponse.rewrite(url, headers={"x-rewritten": "1"})
    assert response.middleware_action == MiddlewareAction("rewrite", rewrite_url=target)
    assert response.headers.get("x-rewritten") == "1"


# --- body_chunk ---------------------------------------------------------------------------


def test_body_chunk_turns_str_and_bytes_into_bytes() -> None:
    assert body_chunk(b"\xff") == b"\xff"
    assert body_chunk("é") == "é".encode()


def test_body_chunk_refuses_other_types() -> None:
    with pytest.raises(TypeError, match="str or bytes"):
        body_chunk({"a": 1})


# --- lines the framework adds: a response kept encoded answers as one built as Headers ------


def _kept_encoded(*lines: tuple[str, str]) -> Response:
    """A JSON response, with `lines` added, whose lines are still kept encoded."""
    response = Response.json({"a": 1})
    add_header_lines(response, HeaderLines.check(lines))
    return response


def _built(*lines: tuple[str, str]) -> Response:
    """The same response, with its Headers built."""
    response = Response.json({"a": 1})
    for name, value in lines:
        response.headers.append(name, value)
    return response


def _lines(response: Response) -> list[tuple[bytes, bytes]]:
    return response.encoded_headers()[0]


@pytest.mark.parametrize("make", [_kept_encoded, _built], ids=["encoded", "headers"])
def test_added_lines_replace_their_names_and_append_the_rest(make: Callable[..., Response]) -> None:
    response = make(("vary", "Accept"), ("x-a", "0"))
    lines = HeaderLines.check([("vary", "Origin"), ("x-a", "1")], replace=["x-a"])

    add_header_lines(response, lines)

    assert _lines(response) == [
        (b"content-type", b"application/json"),
        (b"vary", b"Accept"),
        (b"vary", b"Origin"),
        (b"x-a", b"1"),
    ]


@pytest.mark.parametrize("make", [_kept_encoded, _built], ids=["encoded", "headers"])
def test_added_lines_leave_other_responses_alone(make: Callable[..., Response]) -> None:
    first, second = make(), make()
    add_header_lines(first, HeaderLines.check([("x-a", "1")]))
    assert _lines(second) == [(b"content-type", b"application/json")]
    assert first.headers.get("x-a") == "1"


@pytest.mark.parametrize("make", [_kept_encoded, _built], ids=["encoded", "headers"])
def test_has_header_of_sees_any_name_of_the_lines(make: Callable[..., Response]) -> None:
    response = make()
    assert has_header_of(response, HeaderLines.check([("x-b", "1"), ("content-type", "x")]))
    assert not has_header_of(response, HeaderLines.check([("x-b", "1")]))


@pytest.mark.parametrize("make", [_kept_encoded, _built], ids=["encoded", "headers"])
def test_set_headers_sets_each_line_as_headers_set_does(make: Callable[..., Response]) -> None:
    response = make(("set-cookie", "a=1"), ("x-a", "0"))
    added = Headers([("x-a", "1"), ("set-cookie", "b=2"), ("x-b", "2"), ("x-a", "3")])

    set_headers(response, added)

    assert _lines(response) == [
        (b"content-type", b"application/json"),
        (b"set-cookie", b"a=1"),
        (b"set-cookie", b"b=2"),
        (b"x-b", b"2"),
        (b"x-a", b"3"),
    ]


@pytest.mark.parametrize("make", [_kept_encoded, _built], ids=["encoded", "headers"])
def test_set_headers_refuses_what_headers_set_refuses(make: Callable[..., Response]) -> None:
    added = Headers(Headers.from_asgi([(b"x-copied", b"a\x01b")]))
    with pytest.raises(ValueError, match="control character"):
        set_headers(make(), added)
