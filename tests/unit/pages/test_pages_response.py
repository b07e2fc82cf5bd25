"""res of a pages/api handler: what each helper decides, as Next's api-utils does."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import pytest

from approutes.pages.channel import ChunkStream, ResponseChannel
from approutes.pages.etag import generate_etag
from approutes.pages.response import ApiResponse
from approutes.route_modules.pages_config import PagesConfig

if TYPE_CHECKING:
    from approutes.web.response import Response

pytestmark = pytest.mark.anyio

JSON_TYPE = "application/json; charset=utf-8"


def make_res(
    request_headers: dict[str, object] | None = None, config: PagesConfig | None = None
) -> tuple[ApiResponse, ResponseChannel]:
    channel = ResponseChannel(asyncio.get_running_loop())
    res = ApiResponse(
        channel, request_headers or {}, "/api/x", "pages/api/x.py", config or PagesConfig()
    )
    return res, channel


def decided(channel: ResponseChannel) -> Response:
    assert channel.decided.done(), "the response is not decided"
    return channel.decided.result()


def header_lines(response: Response) -> list[tuple[str, str]]:
    return [(n, v) for n, v in response.headers.raw() if n != "etag"]


async def test_status_chains_and_json_sends_utf8_json_with_an_etag() -> None:
    res, channel = make_res()
    assert res.status(201) is res
    res.json({"name": "John Doe"})
    response = decided(channel)
    assert response.status == 201
    assert response.body == b'{"name":"John Doe"}'
    assert response.headers.get("content-type") == JSON_TYPE
    assert response.headers.get("etag") == generate_etag(b'{"name":"John Doe"}')
    assert res.headers_sent
    assert res.writable_ended


@pytest.mark.parametrize(
    ("body", "content", "content_type"),
    [
        pytest.param("plain words", b"plain words", None, id="str-has-no-type"),
        pytest.param(b"\x00\x01", b"\x00\x01", "application/octet-stream", id="bytes"),
        pytest.param({"a": 1}, b'{"a":1}', JSON_TYPE, id="dict"),
        pytest.param([1, 2], b"[1,2]", JSON_TYPE, id="list"),
        pytest.param(42, b"42", JSON_TYPE, id="number"),
        pytest.param(True, b"true", JSON_TYPE, id="bool"),
    ],
)
async def test_send_picks_the_body_and_type_next_does(
    body: Any, content: bytes, content_type: str | None
) -> None:
    res, channel = make_res()
    res.send(body)
    response = decided(channel)
    assert (response.status, response.body) == (200, content)
    assert response.headers.get("content-type") == content_type
    assert response.headers.get("etag") == generate_etag(content)


async def test_send_none_is_an_empty_200_without_etag() -> None:
    res, channel = make_res()
    res.send(None)
    response = decided(channel)
    assert (response.status, response.body, response.headers.raw()) == (200, None, [])


async def test_bytes_keep_a_content_type_the_handler_set() -> None:
    res, channel = make_res()
    res.set_header("Content-Type", "image/png").send(b"png")
    assert decided(channel).headers.get("content-type") == "image/png"


@pytest.mark.parametrize("helper", ["send", "json"])
async def test_status_204_strips_the_body_and_its_content_type(helper: str) -> None:
    res, channel = make_res()
    res.set_header("Content-Type", "text/plain").set_header("X-Kept", "1")
    getattr(res.status(204), helper)({"dropped": True})
    response = decided(channel)
    assert (response.status, response.body) == (204, None)
    assert header_lines(response) == [("x-kept", "1")]


async def test_a_matching_if_none_match_is_a_304_keeping_the_etag() -> None:
    etag = generate_etag(b'{"a":1}')
    res, channel = make_res({"if-none-match": f'"other", {etag}'})
    res.json({"a": 1})
    response = decided(channel)
    assert (response.status, response.body) == (304, None)
    assert response.headers.get("etag") == etag


async def test_if_none_match_with_no_cache_is_not_fresh() -> None:
    etag = generate_etag(b"x")
    res, channel = make_res({"if-none-match": etag, "cache-control": "no-cache"})
    res.send("x")
    assert decided(channel).status == 200


async def test_if_modified_since_against_a_last_modified_the_handler_set() -> None:
    res, channel = make_res({"if-modified-since": "Wed, 02 Jan 2030 00:00:00 GMT"})
    res.set_header("Last-Modified", "Tue, 01 Jan 2030 00:00:00 GMT").send("x")
    assert decided(channel).status == 304


@pytest.mark.parametrize(
    ("args", "status"),
    [
        pytest.param(("/api/hello",), 307, id="default-307"),
        pytest.param((301, "/a?b"), 301, id="301"),
    ],
)
async def test_redirect_sets_location_as_given_and_writes_it_as_the_body(
    args: tuple[Any, ...], status: int
) -> None:
    res, channel = make_res()
    res.redirect(*args)
    response = decided(channel)
    url = args[-1]
    assert (response.status, response.body) == (status, url.encode())
    assert response.headers.get("location") == url
    assert response.headers.get("content-type") is None


@pytest.mark.parametrize("args", [(307,), ("/a", "/b"), (True, "/a")])
async def test_redirect_with_bad_arguments_raises_next_message(args: tuple[Any, ...]) -> None:
    res, _ = make_res()
    with pytest.raises(TypeError, match="Invalid redirect arguments"):
        res.redirect(*args)


async def test_set_header_with_a_list_sends_one_line_per_item() -> None:
    res, channel = make_res()
    res.set_header("Allow", ["GET", "POST"]).set_header("Set-Cookie", ["a=1", "b=2"])
    res.set_header("X-Count", 3)
    assert res.get_header("allow") == ["GET", "POST"]
    assert res.get_header("X-COUNT") == 3
    assert res.has_header("set-cookie")
    res.remove_header("x-count")
    assert res.get_header("x-count") is None
    res.end()
    assert decided(channel).headers.raw() == [
        ("allow", "GET"),
        ("allow", "POST"),
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
    ]


@pytest.mark.parametrize(
    ("name", "value"), [("Bad Name", "x"), ("X-Ok", "a\r\nb"), ("X-Ok", ["a", "b\nc"])]
)
async def test_set_header_refuses_bad_names_and_line_breaks(name: str, value: Any) -> None:
    res, _ = make_res()
    with pytest.raises(ValueError, match="header"):
        res.set_header(name, value)


async def test_end_sends_data_as_the_body_without_a_content_type_and_twice_is_a_no_op() -> None:
    res, channel = make_res()
    res.set_header("X-A", "1")
    assert res.end("done") is res
    res.end("again")
    response = decided(channel)
    assert (response.status, response.body, response.headers.raw()) == (
        200,
        b"done",
        [("x-a", "1")],
    )


@pytest.mark.parametrize(
    "late",
    [
        pytest.param(lambda res: res.json({}), id="json"),
        pytest.param(lambda res: res.send("x"), id="send"),
        pytest.param(lambda res: res.set_header("X", "1"), id="set_header"),
        pytest.param(lambda res: res.redirect("/x"), id="redirect"),
    ],
)
async def test_headers_cannot_change_once_sent(late: Any) -> None:
    res, _ = make_res()
    res.json({"first": True})
    with pytest.raises(RuntimeError, match="Cannot set headers after they are sent"):
        late(res)


async def test_write_sends_the_head_at_once_and_streams_until_end() -> None:
    res, channel = make_res()
    res.status(202).set_header("Content-Type", "text/plain")
    assert res.write("one ") is True
    head = decided(channel)
    assert head.status == 202
    assert head.headers.get("content-type") == "text/plain"
    assert isinstance(head.stream, ChunkStream)
    assert res.headers_sent
    assert not res.writable_ended
    res.write(b"two ")
    res.end("three")
    chunks = [chunk async for chunk in head.stream]
    assert chunks == [b"one ", b"two ", b"three"]
    with pytest.raises(RuntimeError, match="write after end"):
        res.write("four")


async def test_a_closed_stream_makes_write_return_false() -> None:
    res, channel = make_res()
    res.write("one")
    stream = decided(channel).stream
    assert isinstance(stream, ChunkStream)
    await stream.aclose()
    assert res.write("two") is False


async def test_write_with_a_bodiless_status_sends_no_body() -> None:
    res, channel = make_res()
    res.status(204).write("ignored")
    assert not channel.decided.done()
    res.end()
    assert (decided(channel).status, decided(channel).body) == (204, None)


@pytest.mark.parametrize(("sent", "warned"), [(99, False), (100, True)])
async def test_a_response_reaching_response_limit_is_logged(
    caplog: pytest.LogCaptureFixture, sent: int, warned: bool
) -> None:
    res, _ = make_res(config=PagesConfig(response_limit=100, response_limit_text="100"))
    with caplog.at_level(logging.WARNING, logger="approutes.error"):
        res.end(b"x" * sent)
    messages = [r.getMessage() for r in caplog.records]
    expected = "API response for /api/x exceeds 100 (pages/api/x.py)"
    assert any(expected in m for m in messages) is warned


async def test_revalidate_needs_a_path() -> None:
    res, _ = make_res()
    with pytest.raises(ValueError, match="must be a path"):
        await res.revalidate("posts")


async def test_status_must_be_an_int() -> None:
    res, _ = make_res()
    with pytest.raises(TypeError):
        res.status("200")  # type: ignore[arg-type]
