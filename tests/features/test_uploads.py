"""Multipart uploads and form limits, in-process: sizes, many fields, names, caps, bad input.

Each handler is written as a Next.js user would port it (`form = await request.form_data()`);
bodies the client libraries would not produce are built by hand with `part` and `multipart`.
"""

from __future__ import annotations

import hashlib
import sys
from typing import TYPE_CHECKING, Any

import pytest
from tests.conftest import client_for, make_project

from approutes.project.importer import forget_project_modules, module_name_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
    from pathlib import Path
    from types import ModuleType

    import httpx

ROUTE = "app/api/upload/route.py"
ONE_MIB = 1024 * 1024
BOUNDARY = "approutes-test-boundary-7d3f"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.fixture(autouse=True)
def _isolate_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # create_app puts the project root first on sys.path and keeps its route modules in
    # sys.modules (where these tests read what a handler recorded): undo both afterwards.
    monkeypatch.setattr(sys, "path", [*sys.path])
    yield
    forget_project_modules(tmp_path)


# --- helpers --------------------------------------------------------------------------------


def part(
    name: str,
    content: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    extra_headers: Sequence[tuple[str, str]] = (),
) -> bytes:
    """One multipart part (headers UTF-8, as browsers send them), without its boundary."""
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    lines = [f"Content-Disposition: {disposition}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(f"{header}: {value}" for header, value in extra_headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + content


def multipart(*parts: bytes) -> bytes:
    """A whole multipart/form-data body with BOUNDARY, closing boundary included."""
    delimiter = f"--{BOUNDARY}\r\n".encode()
    body = b"".join(delimiter + one + b"\r\n" for one in parts)
    return body + f"--{BOUNDARY}--\r\n".encode()


async def in_chunks(body: bytes, size: int = 500) -> AsyncIterator[bytes]:
    """Yield `body` in pieces; httpx sends such a body chunked, without Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def payload(size: int) -> bytes:
    """`size` bytes of every value, CR, LF and dashes included, in a pattern that never repeats
    on a 256-byte period (so a dropped or duplicated chunk changes the hash)."""
    pattern = bytes(range(256)) + b"\r\n--\r\n" + BOUNDARY.encode()[:-1]
    return (pattern * (size // len(pattern) + 1))[:size]


def route_module(root: Path) -> ModuleType:
    """The project's route module as the app imported it (to read what the handler kept)."""
    return sys.modules[module_name_for(root.resolve(), ROUTE)]


async def post(
    tmp_path: Path, project: Mapping[str, str] | str, path: str = "/api/upload", **request: Any
) -> httpx.Response:
    """Build `project` (its files, or the one module at ROUTE) and POST one request."""
    root = make_project(tmp_path, {ROUTE: project} if isinstance(project, str) else project)
    async with client_for(root) as client:
        return await client.post(path, **request)


def assert_payload_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413
    assert response.json() == {"error": "Payload Too Large"}
    assert response.headers["content-type"] == "application/json"


def bad_request_message(response: httpx.Response) -> str:
    """Assert a 400 JSON error and return its message."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    message: str = body["error"]
    assert message
    return message


# --- routes ---------------------------------------------------------------------------------


UPLOAD_DIGEST = """
import hashlib

from approutes import NextResponse


async def POST(request):
    form = await request.form_data()
    file = form.get("file")
    content = await file.read()
    return NextResponse.json(
        {
            "filename": file.name,
            "type": file.type,
            "size": file.size,
            "read": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        }
    )
"""

ECHO_FIELDS = """
from approutes import NextResponse


async def POST(request):
    form = await request.form_data()
    return NextResponse.json({"fields": [[name, value] for name, value in form.items()]})
"""

ECHO_ENTRIES = """
from approutes import File, NextResponse


async def POST(request):
    form = await request.form_data()
    entries = []
    for name, value in form.items():
        if isinstance(value, File):
            text = await value.text()
            entries.append(
                {"field": name, "filename": value.name, "size": value.size, "text": text}
            )
        else:
            entries.append({"field": name, "value": value})
    return NextResponse.json({"entries": entries})
"""

SEEN_FORM = """
from approutes import NextResponse

seen = []


async def POST(request):
    form = await request.form_data()
    seen.append([name for name in form.keys()])
    return NextResponse.json({"fields": len(seen[-1])})
"""


# --- 1. sizes -------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    "size",
    [0, 1, ONE_MIB - 1, ONE_MIB, ONE_MIB + 1],
    ids=["empty", "one-byte", "just-under-the-spool-boundary", "at-the-spool-boundary", "spooled"],
)
async def test_an_upload_of_any_size_reaches_the_handler_byte_for_byte(
    tmp_path: Path, size: int
) -> None:
    content = payload(size)
    response = await post(
        tmp_path,
        UPLOAD_DIGEST,
        files={"file": ("data.bin", content, "application/octet-stream")},
    )

    assert response.status_code == 200
    assert response.json() == {
        "filename": "data.bin",
        "type": "application/octet-stream",
        "size": size,
        "read": size,
        "sha256": hashlib.sha256(content).hexdigest(),
    }


@pytest.mark.anyio
async def test_an_empty_file_upload_is_a_file_of_size_0_not_a_text_field(tmp_path: Path) -> None:
    source = """
    from approutes import File, NextResponse

    async def POST(request):
        form = await request.form_data()
        file = form.get("file")
        return NextResponse.json(
            {"is_file": isinstance(file, File), "name": file.name, "size": file.size}
        )
    """
    body = multipart(part("file", b"", filename="empty.txt", content_type="text/plain"))
    response = await post(tmp_path, source, content=body, headers={"content-type": MULTIPART})

    assert response.status_code == 200
    assert response.json() == {"is_file": True, "name": "empty.txt", "size": 0}


@pytest.mark.anyio
async def test_an_upload_sent_chunked_in_odd_pieces_arrives_whole(tmp_path: Path) -> None:
    content = payload(200_000)
    body = multipart(part("file", content, filename="odd.bin"))
    response = await post(
        tmp_path, UPLOAD_DIGEST, content=in_chunks(body, 997), headers={"content-type": MULTIPART}
    )

    assert response.status_code == 200
    assert response.json()["size"] == 200_000
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()


# --- 2. many fields -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_thousand_multipart_fields_all_arrive_in_order(tmp_path: Path) -> None:
    fields = [(f"field{i}", f"value {i}") for i in range(1000)]
    body = multipart(*(part(name, value.encode()) for name, value in fields))
    response = await post(tmp_path, ECHO_FIELDS, content=body, headers={"content-type": MULTIPART})

    assert response.status_code == 200
    assert response.json() == {"fields": [list(field) for field in fields]}


@pytest.mark.anyio
async def test_a_thousand_urlencoded_fields_all_arrive_in_order(tmp_path: Path) -> None:
    fields = [(f"field{i}", f"value {i}") for i in range(1000)]
    response = await post(tmp_path, ECHO_FIELDS, data=dict(fields))

    assert response.status_code == 200
    assert response.json() == {"fields": [list(field) for field in fields]}


@pytest.mark.anyio
async def test_a_multipart_body_of_1001_parts_is_400_naming_the_1000_cap(tmp_path: Path) -> None:
    body = multipart(*(part(f"field{i}", b"v") for i in range(1001)))
    response = await post(tmp_path, SEEN_FORM, content=body, headers={"content-type": MULTIPART})

    assert "1000" in bad_request_message(response)
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
async def test_a_multipart_body_of_1001_file_parts_is_400_too(tmp_path: Path) -> None:
    body = multipart(*(part("file", b"x", filename=f"{i}.txt") for i in range(1001)))
    response = await post(tmp_path, SEEN_FORM, content=body, headers={"content-type": MULTIPART})

    assert "1000" in bad_request_message(response)
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
async def test_a_urlencoded_body_of_1001_fields_is_400_naming_the_1000_cap(
    tmp_path: Path,
) -> None:
    response = await post(tmp_path, SEEN_FORM, data={f"field{i}": "v" for i in range(1001)})

    assert "1000" in bad_request_message(response)
    assert route_module(tmp_path).seen == []


# --- 3. non-ASCII ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_non_ascii_file_names_field_names_and_values_come_back_intact(
    tmp_path: Path,
) -> None:
    response = await post(
        tmp_path,
        ECHO_ENTRIES,
        data={"città": "naïve café ☕ 文字 🎉"},
        files={"document": ("résumé 文書 🎉.txt", "contenu : été ✓".encode(), "text/plain")},
    )

    assert response.status_code == 200
    assert response.json() == {
        "entries": [
            {"field": "città", "value": "naïve café ☕ 文字 🎉"},
            {
                "field": "document",
                "filename": "résumé 文書 🎉.txt",
                "size": len("contenu : été ✓".encode()),
                "text": "contenu : été ✓",
            },
        ]
    }


@pytest.mark.anyio
async def test_non_ascii_urlencoded_names_and_values_come_back_intact(tmp_path: Path) -> None:
    response = await post(tmp_path, ECHO_FIELDS, data={"città": "naïve café ☕ 文字 🎉"})

    assert response.status_code == 200
    assert response.json() == {"fields": [["città", "naïve café ☕ 文字 🎉"]]}


# --- 4. repeated names ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_get_gives_the_first_value_and_get_all_every_value_for_fields_and_files(
    tmp_path: Path,
) -> None:
    source = """
    from approutes import NextResponse

    async def POST(request):
        form = await request.form_data()
        return NextResponse.json(
            {
                "keys": list(form.keys()),
                "tag": form.get("tag"),
                "tags": form.get_all("tag"),
                "attachment": form.get("attachment").name,
                "attachments": [
                    [file.name, (await file.read()).decode()]
                    for file in form.get_all("attachment")
                ],
                "missing": form.get("missing"),
                "missing_all": form.get_all("missing"),
            }
        )
    """
    body = multipart(
        part("tag", b"red"),
        part("attachment", b"first", filename="a.txt", content_type="text/plain"),
        part("tag", b"green"),
        part("attachment", b"second", filename="b.txt", content_type="text/plain"),
        part("tag", b"blue"),
        part("attachment", b"third", filename="a.txt", content_type="text/plain"),
    )
    response = await post(tmp_path, source, content=body, headers={"content-type": MULTIPART})

    assert response.status_code == 200
    assert response.json() == {
        "keys": ["tag", "attachment", "tag", "attachment", "tag", "attachment"],
        "tag": "red",
        "tags": ["red", "green", "blue"],
        "attachment": "a.txt",
        "attachments": [["a.txt", "first"], ["b.txt", "second"], ["a.txt", "third"]],
        "missing": None,
        "missing_all": [],
    }


# --- 5. per-part caps -----------------------------------------------------------------------


def padding_headers(count: int, size: int = 4000) -> list[tuple[str, str]]:
    """`count` extra headers of `size` value bytes each (python-multipart allows a header line
    of about 4 KiB and 8 headers a part, so only several such headers pass 16 KiB in all)."""
    return [(f"X-Padding-{i}", "a" * size) for i in range(count)]


@pytest.mark.anyio
async def test_a_part_with_over_16_kib_of_headers_in_all_is_400_saying_headers(
    tmp_path: Path,
) -> None:
    body = multipart(part("note", b"hello", extra_headers=padding_headers(5)))
    response = await post(tmp_path, SEEN_FORM, content=body, headers={"content-type": MULTIPART})

    message = bad_request_message(response)
    assert "headers" in message
    assert "16384" in message
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
async def test_a_part_with_one_huge_header_is_400_saying_header(tmp_path: Path) -> None:
    body = multipart(part("note", b"hello", extra_headers=[("X-Padding", "a" * (17 * 1024))]))
    response = await post(tmp_path, SEEN_FORM, content=body, headers={"content-type": MULTIPART})

    assert "header" in bad_request_message(response).lower()
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
async def test_a_part_with_a_great_many_headers_is_400_saying_header(tmp_path: Path) -> None:
    body = multipart(part("note", b"hello", extra_headers=padding_headers(40, size=500)))
    response = await post(tmp_path, SEEN_FORM, content=body, headers={"content-type": MULTIPART})

    assert "header" in bad_request_message(response).lower()
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
async def test_the_header_cap_counts_each_part_on_its_own(tmp_path: Path) -> None:
    # 12 KB of headers in each part, 36 KB in all: under the cap part by part.
    padding = padding_headers(3)
    body = multipart(
        part("first", b"1", extra_headers=padding),
        part("second", b"2", extra_headers=padding),
        part("file", b"3", filename="3.txt", extra_headers=padding),
    )
    response = await post(tmp_path, ECHO_ENTRIES, content=body, headers={"content-type": MULTIPART})

    assert response.status_code == 200
    assert response.json() == {
        "entries": [
            {"field": "first", "value": "1"},
            {"field": "second", "value": "2"},
            {"field": "file", "filename": "3.txt", "size": 1, "text": "3"},
        ]
    }


BODY_1KB = 'body_size_limit = "1kb"\n'


@pytest.mark.anyio
@pytest.mark.parametrize("chunk", [None, 100], ids=["content-length", "chunked"])
async def test_a_text_field_over_body_size_limit_is_413_and_one_at_the_limit_is_read(
    tmp_path: Path, chunk: int | None
) -> None:
    root = make_project(tmp_path, {"approutes.toml": BODY_1KB, ROUTE: ECHO_FIELDS})

    def body(size: int) -> bytes | AsyncIterator[bytes]:
        whole = multipart(part("comment", b"c" * size))
        return whole if chunk is None else in_chunks(whole, chunk)

    async with client_for(root) as client:
        over = await client.post(
            "/api/upload", content=body(1025), headers={"content-type": MULTIPART}
        )
        at_limit = await client.post(
            "/api/upload", content=body(1024), headers={"content-type": MULTIPART}
        )

    assert_payload_too_large(over)
    assert at_limit.status_code == 200
    assert at_limit.json() == {"fields": [["comment", "c" * 1024]]}


@pytest.mark.anyio
async def test_a_file_part_larger_than_body_size_limit_is_fine(tmp_path: Path) -> None:
    content = payload(5 * 1024)
    body = multipart(part("note", b"short"), part("file", content, filename="five-kib.bin"))
    project = {"approutes.toml": BODY_1KB, ROUTE: UPLOAD_DIGEST}
    response = await post(tmp_path, project, content=body, headers={"content-type": MULTIPART})

    assert response.status_code == 200
    assert response.json()["size"] == 5 * 1024
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()


@pytest.mark.anyio
async def test_a_route_segment_body_size_limit_caps_text_fields_too(tmp_path: Path) -> None:
    response = await post(
        tmp_path,
        BODY_1KB + ECHO_FIELDS,
        content=multipart(part("comment", b"c" * 2000)),
        headers={"content-type": MULTIPART},
    )

    assert_payload_too_large(response)


# --- 6. body limits -------------------------------------------------------------------------


UPLOAD_2KB = 'upload_size_limit = "2kb"\n'


@pytest.mark.anyio
@pytest.mark.parametrize("chunk", [None, 256], ids=["content-length", "chunked"])
async def test_a_multipart_body_over_upload_size_limit_is_413_before_the_handler_sees_it(
    tmp_path: Path, chunk: int | None
) -> None:
    root = make_project(tmp_path, {"approutes.toml": UPLOAD_2KB, ROUTE: SEEN_FORM})
    overhead = len(multipart(part("file", b"", filename="a.bin")))

    def body(total: int) -> bytes | AsyncIterator[bytes]:
        whole = multipart(part("file", b"x" * (total - overhead), filename="a.bin"))
        assert len(whole) == total
        return whole if chunk is None else in_chunks(whole, chunk)

    async with client_for(root) as client:
        over = await client.post(
            "/api/upload", content=body(2049), headers={"content-type": MULTIPART}
        )
        way_over = await client.post(
            "/api/upload", content=body(64 * 1024), headers={"content-type": MULTIPART}
        )
        at_limit = await client.post(
            "/api/upload", content=body(2048), headers={"content-type": MULTIPART}
        )

    assert_payload_too_large(over)
    assert_payload_too_large(way_over)
    assert at_limit.status_code == 200
    assert route_module(tmp_path).seen == [["file"]]


@pytest.mark.anyio
async def test_a_chunked_urlencoded_body_over_body_size_limit_is_413(tmp_path: Path) -> None:
    project = {"approutes.toml": BODY_1KB, ROUTE: SEEN_FORM}
    body = b"comment=" + b"c" * 2000
    response = await post(
        tmp_path,
        project,
        content=in_chunks(body, 256),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )

    assert_payload_too_large(response)
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
async def test_a_urlencoded_body_counts_against_body_size_limit_not_upload_size_limit(
    tmp_path: Path,
) -> None:
    project = {"approutes.toml": BODY_1KB + 'upload_size_limit = "1mb"\n', ROUTE: SEEN_FORM}
    response = await post(tmp_path, project, data={"comment": "c" * 2000})

    assert_payload_too_large(response)
    assert route_module(tmp_path).seen == []


# --- 7. bad input ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_text_field_that_is_not_utf8_is_400_naming_the_field(tmp_path: Path) -> None:
    body = multipart(part("name", b"Ada"), part("comment", b"caf\xe9 cr\xe8me"))
    response = await post(tmp_path, ECHO_FIELDS, content=body, headers={"content-type": MULTIPART})

    message = bad_request_message(response)
    assert "'comment'" in message
    assert "UTF-8" in message


@pytest.mark.anyio
async def test_file_text_on_a_file_that_is_not_utf8_is_400_naming_the_file(
    tmp_path: Path,
) -> None:
    source = """
    from approutes import NextResponse

    async def POST(request):
        form = await request.form_data()
        return NextResponse.json({"text": await form.get("file").text()})
    """
    body = multipart(part("file", "café".encode("latin-1"), filename="latin1.txt"))
    response = await post(tmp_path, source, content=body, headers={"content-type": MULTIPART})

    message = bad_request_message(response)
    assert "'latin1.txt'" in message
    assert "UTF-8" in message


@pytest.mark.anyio
async def test_a_non_utf8_file_can_still_be_read_as_bytes(tmp_path: Path) -> None:
    content = "café".encode("latin-1")
    body = multipart(part("file", content, filename="latin1.txt"))
    response = await post(
        tmp_path, UPLOAD_DIGEST, content=body, headers={"content-type": MULTIPART}
    )

    assert response.status_code == 200
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()


@pytest.mark.anyio
@pytest.mark.parametrize(
    "content_type",
    ["application/json", "multipart/mixed; boundary=b", "text/html; charset=utf-8"],
    ids=["json", "multipart-mixed", "html"],
)
async def test_form_data_on_a_body_that_is_not_a_form_is_400_naming_the_type(
    tmp_path: Path, content_type: str
) -> None:
    response = await post(
        tmp_path, SEEN_FORM, content=b'{"a": 1}', headers={"content-type": content_type}
    )

    message = bad_request_message(response)
    assert repr(content_type.split(";")[0]) in message
    assert "multipart/form-data" in message
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
@pytest.mark.parametrize("chunk", [None, 100], ids=["content-length", "chunked"])
async def test_a_body_truncated_mid_file_is_400(tmp_path: Path, chunk: int | None) -> None:
    whole = multipart(part("file", payload(5000), filename="cut.bin"))
    cut = whole[:3000]
    content = cut if chunk is None else in_chunks(cut, chunk)
    response = await post(tmp_path, SEEN_FORM, content=content, headers={"content-type": MULTIPART})

    assert "closing boundary" in bad_request_message(response)
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(b"", id="empty-body"),
        pytest.param(f"--{BOUNDARY}\r\nContent-Disposition: form-da".encode(), id="mid-headers"),
        pytest.param(
            multipart(part("a", b"1"))[: -len(f"--{BOUNDARY}--\r\n")], id="no-closing-boundary"
        ),
    ],
)
async def test_a_body_that_ends_early_is_400(tmp_path: Path, cut: bytes) -> None:
    response = await post(tmp_path, SEEN_FORM, content=cut, headers={"content-type": MULTIPART})

    assert "closing boundary" in bad_request_message(response)
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "content_type",
    ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; charset=utf-8"],
    ids=["bare", "empty-boundary", "other-parameter"],
)
async def test_multipart_without_a_boundary_is_400_saying_so(
    tmp_path: Path, content_type: str
) -> None:
    body = multipart(part("a", b"1"))
    response = await post(tmp_path, SEEN_FORM, content=body, headers={"content-type": content_type})

    assert "boundary" in bad_request_message(response)
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
async def test_garbage_before_the_first_boundary_is_400_not_500(tmp_path: Path) -> None:
    body = b"this is not a preamble we accept\r\n" + multipart(part("a", b"1"))
    response = await post(tmp_path, SEEN_FORM, content=body, headers={"content-type": MULTIPART})

    assert bad_request_message(response).startswith("Malformed multipart/form-data body")
    assert route_module(tmp_path).seen == []


@pytest.mark.anyio
async def test_a_quoted_boundary_and_an_upper_case_content_type_are_understood(
    tmp_path: Path,
) -> None:
    body = multipart(part("a", b"1"))
    response = await post(
        tmp_path,
        ECHO_FIELDS,
        content=body,
        headers={"content-type": f'Multipart/Form-Data; boundary="{BOUNDARY}"'},
    )

    assert response.status_code == 200
    assert response.json() == {"fields": [["a", "1"]]}


# --- 8. files are closed once the request is over -------------------------------------------


KEEP_FILE = """
from approutes import NextResponse

received = []


async def POST(request):
    form = await request.form_data()
    file = form.get("file")
    received.append(file)
    if form.get("fail") == "yes":
        raise RuntimeError("the handler failed after reading the form")
    return NextResponse.json({"size": file.size, "closed_in_handler": file._file.closed})
"""


@pytest.mark.anyio
@pytest.mark.parametrize("size", [10, ONE_MIB + 1], ids=["in-memory", "spooled-to-disk"])
async def test_uploaded_files_are_closed_once_the_response_is_sent(
    tmp_path: Path, size: int
) -> None:
    body = multipart(part("file", payload(size), filename="kept.bin"))
    response = await post(tmp_path, KEEP_FILE, content=body, headers={"content-type": MULTIPART})

    assert response.status_code == 200
    assert response.json() == {"size": size, "closed_in_handler": False}
    [file] = route_module(tmp_path).received
    assert file._file.closed is True


@pytest.mark.anyio
@pytest.mark.parametrize("size", [10, ONE_MIB + 1], ids=["in-memory", "spooled-to-disk"])
async def test_a_handler_that_raises_after_reading_the_form_is_500_and_its_files_are_closed(
    tmp_path: Path, size: int
) -> None:
    body = multipart(part("fail", b"yes"), part("file", payload(size), filename="kept.bin"))
    response = await post(tmp_path, KEEP_FILE, content=body, headers={"content-type": MULTIPART})

    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}
    [file] = route_module(tmp_path).received
    assert file._file.closed is True


# --- 9. after() -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_an_after_callback_can_still_read_and_save_the_upload(tmp_path: Path) -> None:
    source = """
    from pathlib import Path

    from approutes import NextResponse
    from approutes.server import after

    events = []
    received = []


    async def POST(request):
        form = await request.form_data()
        file = form.get("file")
        received.append(file)

        async def process():
            content = await file.read()
            await file.save(Path(__file__).with_name("saved.bin"))
            events.append({"read": len(content), "closed": file._file.closed})

        after(process)
        return NextResponse.json({"size": file.size})
    """
    content = payload(ONE_MIB + 1)
    body = multipart(part("file", content, filename="later.bin"))
    response = await post(tmp_path, source, content=body, headers={"content-type": MULTIPART})

    assert response.status_code == 200
    assert response.json() == {"size": ONE_MIB + 1}
    module = route_module(tmp_path)
    assert module.events == [{"read": ONE_MIB + 1, "closed": False}]
    assert (tmp_path / "app/api/upload/saved.bin").read_bytes() == content
    [file] = module.received
    assert file._file.closed is True
