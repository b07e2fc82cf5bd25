"""Compression as a client sees it: on by default as Next's `compress: true`, and when not."""

from __future__ import annotations

import gzip
import sys
import zlib
from typing import TYPE_CHECKING, Any

import brotli
import pytest
import zstandard
from tests.conftest import client_for, make_project

from approutes.app import create_app

if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping
    from pathlib import Path

ROUTE = "app/api/x/route.py"
BIG = {"items": [{"id": n, "name": f"item {n}"} for n in range(200)]}  # ~4 KB of JSON


@pytest.fixture(autouse=True)
def _keep_sys_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", [*sys.path])


def handler(expression: str, *, imports: str = "") -> str:
    return (
        f"from approutes import NextResponse, Response\n{imports}\n\n"
        f"BIG = {BIG!r}\n\n"
        f"async def GET(request):\n    return {expression}\n"
    )


async def raw_get(
    root: Path, accept: str | None = "gzip", path: str = "/api/x", method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the body as sent (not decoded)."""
    headers = {} if accept is None else {"accept-encoding": accept}
    async with client_for(root) as client:
        request = client.build_request(method, path, headers=headers)
        if accept is None:
            del request.headers["accept-encoding"]
        response = await client.send(request, stream=True)
        body = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
    return response.status_code, dict(response.headers), body


DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": lambda data: zstandard.ZstdDecompressor().decompressobj().decompress(data),
}


@pytest.mark.anyio
@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
async def test_a_large_json_response_is_compressed_in_the_accepted_coding(
    tmp_path: Path, coding: str
) -> None:
    root = make_project(tmp_path, {ROUTE: handler("BIG")})

    status, headers, body = await raw_get(root, accept=coding)

    assert status == 200
    assert headers["content-encoding"] == coding
    assert headers["vary"] == "Accept-Encoding"
    assert headers["content-length"] == str(len(body))
    plain = DECODERS[coding](body)
    assert plain.startswith(b'{"items":[{"id":0')
    assert len(body) < len(plain) / 3


@pytest.mark.anyio
@pytest.mark.parametrize("coding", ["gzip", "br", "zstd"])
async def test_a_body_of_megabytes_is_compressed_whole(tmp_path: Path, coding: str) -> None:
    expression = 'Response("".join(f"line {n}\\n" for n in range(200_000)))'
    root = make_project(tmp_path, {ROUTE: handler(expression)})

    _, headers, body = await raw_get(root, accept=coding)

    assert headers["content-encoding"] == coding
    plain = DECODERS[coding](body)
    assert plain == "".join(f"line {n}\n" for n in range(200_000)).encode()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        pytest.param("gzip, deflate, br, zstd", "zstd", id="browser-all"),
        pytest.param("gzip, deflate, br", "br", id="no-zstd"),
        pytest.param("gzip;q=1, br;q=0.5, zstd;q=0.4", "gzip", id="q-values"),
        pytest.param("*", "zstd", id="star"),
        pytest.param("*;q=0.5, gzip;q=0.8", "gzip", id="star-below-named"),
        pytest.param("gzip;q=0, *;q=0.1", "zstd", id="refused-gzip"),
        pytest.param("GZIP", "gzip", id="upper-case"),
    ],
)
async def test_the_coding_follows_the_q_values_then_zstd_br_gzip(
    tmp_path: Path, accept: str, chosen: str
) -> None:
    root = make_project(tmp_path, {ROUTE: handler("BIG")})

    _, headers, _ = await raw_get(root, accept=accept)

    assert headers["content-encoding"] == chosen


@pytest.mark.anyio
@pytest.mark.parametrize(
    "accept",
    [
        pytest.param(None, id="no-header"),
        pytest.param("identity", id="identity"),
        pytest.param("gzip;q=0, br;q=0, zstd;q=0", id="all-refused"),
        pytest.param("deflate", id="only-deflate"),
        pytest.param("identity;q=0", id="identity-refused"),
    ],
)
async def test_a_client_that_accepts_no_coding_we_have_gets_the_body_as_is(
    tmp_path: Path, accept: str | None
) -> None:
    root = make_project(tmp_path, {ROUTE: handler("BIG")})

    _, headers, body = await raw_get(root, accept=accept)

    assert "content-encoding" not in headers
    assert headers["vary"] == "Accept-Encoding"
    assert body.startswith(b'{"items":')


@pytest.mark.anyio
@pytest.mark.parametrize(
    "expression",
    [
        pytest.param('{"small": True}', id="small-json-under-1-kib"),
        pytest.param('Response(b"x" * 5000, headers={"content-type": "image/png"})', id="png"),
        pytest.param('Response(b"x" * 5000)', id="no-content-type"),
        pytest.param(
            'Response("x" * 5000, headers={"cache-control": "no-transform"})', id="no-transform"
        ),
        pytest.param(
            'Response("x" * 5000, status=206, headers={"content-range": "bytes 0-4999/9000"})',
            id="range-response",
        ),
    ],
)
async def test_responses_that_must_not_be_compressed_are_sent_as_is(
    tmp_path: Path, expression: str
) -> None:
    root = make_project(tmp_path, {ROUTE: handler(expression)})

    _, headers, _ = await raw_get(root, accept="gzip, br, zstd")

    assert "content-encoding" not in headers
    assert "vary" not in headers


@pytest.mark.anyio
async def test_a_response_that_set_its_content_encoding_is_left_alone(tmp_path: Path) -> None:
    expression = (
        'Response(gzip.compress(b"x" * 5000), '
        'headers={"content-type": "text/plain", "content-encoding": "gzip"})'
    )
    root = make_project(tmp_path, {ROUTE: handler(expression, imports="import gzip")})

    _, headers, body = await raw_get(root, accept="br, zstd")

    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == b"x" * 5000


@pytest.mark.anyio
async def test_an_sse_stream_is_never_compressed(tmp_path: Path) -> None:
    source = """
        from approutes import Response

        async def events():
            for n in range(100):
                yield f"data: {'x' * 100} {n}\\n\\n"

        async def GET():
            return Response(events(), headers={"content-type": "text/event-stream"})
    """
    root = make_project(tmp_path, {ROUTE: source})

    _, headers, body = await raw_get(root, accept="gzip, br, zstd")

    assert "content-encoding" not in headers
    assert body.startswith(b"data: xxx")


@pytest.mark.anyio
async def test_vary_is_merged_and_a_strong_etag_becomes_weak(tmp_path: Path) -> None:
    expression = 'NextResponse.json(BIG, headers={"vary": "Origin", "etag": \'"v1"\'})'
    root = make_project(tmp_path, {ROUTE: handler(expression)})

    _, compressed, _ = await raw_get(root, accept="gzip")
    _, plain, _ = await raw_get(root, accept=None)

    assert compressed["vary"] == "Origin, Accept-Encoding"
    assert compressed["etag"] == 'W/"v1"'
    assert plain["vary"] == "Origin, Accept-Encoding"
    assert plain["etag"] == '"v1"'


@pytest.mark.anyio
async def test_head_gets_no_content_encoding(tmp_path: Path) -> None:
    root = make_project(tmp_path, {ROUTE: handler("BIG")})

    status, headers, body = await raw_get(root, accept="gzip", method="HEAD")

    assert status == 200
    assert body == b""
    assert "content-encoding" not in headers


@pytest.mark.anyio
async def test_compress_false_in_the_settings_turns_it_off(tmp_path: Path) -> None:
    root = make_project(tmp_path, {ROUTE: handler("BIG"), "approutes.toml": "compress = false"})

    _, headers, body = await raw_get(root, accept="gzip, br, zstd")

    assert "content-encoding" not in headers
    assert "vary" not in headers
    assert body.startswith(b'{"items":')


@pytest.mark.anyio
async def test_a_cached_route_is_compressed_on_every_answer(tmp_path: Path) -> None:
    source = handler("BIG") + "\nrevalidate = 60\n"
    root = make_project(tmp_path, {ROUTE: source})

    first = await raw_get(root, accept="gzip")
    plain = await raw_get(root, accept=None)
    again = await raw_get(root, accept="br")

    assert first[1]["content-encoding"] == "gzip"
    assert "content-encoding" not in plain[1]
    assert again[1]["content-encoding"] == "br"
    assert gzip.decompress(first[2]) == plain[2] == brotli.decompress(again[2])


@pytest.mark.anyio
async def test_a_public_text_file_is_compressed_but_a_range_of_it_is_not(tmp_path: Path) -> None:
    root = make_project(tmp_path, {ROUTE: handler("BIG"), "public/big.txt": "line\n" * 1000})

    _, whole, body = await raw_get(root, accept="gzip", path="/big.txt")
    async with client_for(root) as client:
        ranged = await client.get("/big.txt", headers={"range": "bytes=0-4"})
        revalidated = await client.get("/big.txt", headers={"if-none-match": whole["etag"]})

    assert whole["content-encoding"] == "gzip"
    assert gzip.decompress(body) == b"line\n" * 1000
    assert whole["etag"].startswith('W/"')
    assert ranged.status_code == 206
    assert "content-encoding" not in ranged.headers
    assert ranged.content == b"line\n"
    assert revalidated.status_code == 304  # the weak ETag of the compressed copy still matches


@pytest.mark.anyio
async def test_each_streamed_chunk_is_sent_compressed_and_flushed(tmp_path: Path) -> None:
    source = """
        from approutes import Response

        async def lines():
            for n in range(5):
                yield f"chunk {n}: " + "x" * 300 + "\\n"

        async def GET():
            return Response(lines(), headers={"content-type": "text/plain"})
    """
    root = make_project(tmp_path, {ROUTE: source})
    app = create_app(root)
    messages: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/x",
        "raw_path": b"/api/x",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"accept-encoding", b"gzip")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)

    start, *bodies = messages
    assert (b"content-encoding", b"gzip") in start["headers"]
    decoder = zlib.decompressobj(31)
    pieces = [decoder.decompress(message["body"]) for message in bodies]
    # Each chunk decodes whole from its own message: nothing waits for the next one.
    assert pieces[:5] == [f"chunk {n}: ".encode() + b"x" * 300 + b"\n" for n in range(5)]
    assert pieces[5:] == [b""]
    assert decoder.eof


@pytest.mark.anyio
async def test_without_the_compression_extra_gzip_is_still_offered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on an install without `approutes[compression]`: neither library imports.
    monkeypatch.setitem(sys.modules, "brotli", None)
    monkeypatch.setitem(sys.modules, "zstandard", None)
    root = make_project(tmp_path, {ROUTE: handler("BIG")})

    _, preferred, _ = await raw_get(root, accept="zstd, br, gzip;q=0.5")
    _, refused, body = await raw_get(root, accept="zstd, br")

    assert preferred["content-encoding"] == "gzip"
    assert "content-encoding" not in refused
    assert body.startswith(b'{"items":')
