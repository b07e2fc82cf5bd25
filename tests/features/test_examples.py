"""The example project examples/basic, served in-process: every route a README lists."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from approutes import create_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "basic"

ADA = {"id": 1, "name": "Ada Lovelace", "email": "ada@example.com"}
LINUS = {"id": 2, "name": "Linus Torvalds", "email": "linus@example.com"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "test.sqlite3"))
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setattr(sys, "path", [*sys.path])  # create_app puts the project root first
    _forget_project_modules()
    app = create_app(EXAMPLE)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    _forget_project_modules()


def _forget_project_modules() -> None:
    """Drop cached route modules and `lib` packages, which other test projects share by name."""
    for name in list(sys.modules):
        if name.startswith(("approutes_project:", "lib.")) or name == "lib":
            del sys.modules[name]


@pytest.mark.anyio
async def test_hello(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/hello")

    assert response.status_code == 200
    assert response.json() == {"message": "Hello World"}


@pytest.mark.anyio
async def test_list_users_returns_the_seeded_users(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users")

    assert response.status_code == 200
    assert response.json() == [ADA, LINUS]


@pytest.mark.anyio
async def test_create_user_then_fetch_it(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/api/users", json={"name": "Grace Hopper", "email": "grace@example.com"}
    )

    assert created.status_code == 201
    user = created.json()
    assert user == {"id": 3, "name": "Grace Hopper", "email": "grace@example.com"}
    fetched = await client.get(f"/api/users/{user['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == user
    listed = await client.get("/api/users")
    assert listed.json() == [ADA, LINUS, user]


@pytest.mark.anyio
async def test_create_user_with_invalid_body_is_400_with_issues(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/users", json={"name": "", "email": "not-an-email"})

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Invalid input"
    assert sorted(issue["path"] for issue in body["issues"]) == [["email"], ["name"]]
    for issue in body["issues"]:
        assert set(issue) == {"path", "message", "code"}
    assert (await client.get("/api/users")).json() == [ADA, LINUS]


@pytest.mark.anyio
async def test_create_user_with_missing_field_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/users", json={"name": "Grace Hopper"})

    assert response.status_code == 400
    issues = response.json()["issues"]
    assert [(issue["path"], issue["code"]) for issue in issues] == [(["email"], "missing")]


@pytest.mark.anyio
async def test_create_user_with_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/users", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid JSON body"}


@pytest.mark.anyio
async def test_get_missing_user_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/999")

    assert response.status_code == 404
    assert response.json() == {"error": "User not found"}


@pytest.mark.anyio
async def test_a_user_id_that_is_not_a_number_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/users/abc")

    assert response.status_code == 400
    assert [issue["path"] for issue in response.json()["issues"]] == [["id"]]


@pytest.mark.anyio
async def test_update_user(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/api/users/1", json={"name": "Ada King", "email": "ada.king@example.com"}
    )

    assert response.status_code == 200
    updated = {"id": 1, "name": "Ada King", "email": "ada.king@example.com"}
    assert response.json() == updated
    assert (await client.get("/api/users/1")).json() == updated


@pytest.mark.anyio
async def test_update_missing_user_is_404(client: httpx.AsyncClient) -> None:
    response = await client.put("/api/users/999", json={"name": "Nobody", "email": "n@example.com"})

    assert response.status_code == 404
    assert response.json() == {"error": "User not found"}


@pytest.mark.anyio
async def test_delete_user_then_it_is_gone(client: httpx.AsyncClient) -> None:
    deleted = await client.delete("/api/users/2")

    assert deleted.status_code == 204
    assert deleted.content == b""
    missing = await client.get("/api/users/2")
    assert missing.status_code == 404
    assert missing.json() == {"error": "User not found"}
    again = await client.delete("/api/users/2")
    assert again.status_code == 404
    assert (await client.get("/api/users")).json() == [ADA]


@pytest.mark.anyio
async def test_upload_saves_the_file_and_answers_its_name_and_size(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    content = "Grüße\n".encode() * 1000
    response = await client.post("/api/upload", files={"file": ("my notes.txt", content)})

    assert response.status_code == 200
    assert response.json() == {"filename": "my notes.txt", "size": len(content)}
    assert (tmp_path / "uploads" / "my notes.txt").read_bytes() == content


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("filename", "saved_as"),
    [
        pytest.param("", "upload", id="empty-file-input"),
        pytest.param(".", "upload", id="dot"),
        pytest.param("..", "upload", id="dot-dot"),
        pytest.param("../../escape.txt", "escape.txt", id="traversal"),
        pytest.param("a\x00b.txt", "ab.txt", id="nul"),
        pytest.param("n" * 300 + ".txt", "n" * 251 + ".txt", id="300-characters"),
    ],
)
async def test_upload_with_a_hostile_file_name_is_saved_inside_the_folder(
    client: httpx.AsyncClient, tmp_path: Path, filename: str, saved_as: str
) -> None:
    # NOTE: by hand: httpx leaves out an empty filename, which browsers send.
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="'
        + filename.encode()
        + b'"\r\nContent-Type: text/plain\r\n\r\ndata\r\n--B--\r\n'
    )
    response = await client.post(
        "/api/upload", content=body, headers={"content-type": "multipart/form-data; boundary=B"}
    )

    assert response.status_code == 200, response.text
    assert [p.name for p in (tmp_path / "uploads").iterdir()] == [saved_as]
    assert (tmp_path / "uploads" / saved_as).read_bytes() == b"data"


@pytest.mark.anyio
async def test_upload_of_the_same_name_twice_keeps_both(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    first = await client.post("/api/upload", files={"file": ("a.txt", b"one")})
    second = await client.post("/api/upload", files={"file": ("a.txt", b"two")})

    assert (first.status_code, second.status_code) == (200, 200)
    assert (tmp_path / "uploads" / "a.txt").read_bytes() == b"one"
    assert (tmp_path / "uploads" / "a-1.txt").read_bytes() == b"two"


@pytest.mark.anyio
async def test_upload_without_a_file_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/upload", data={"file": "not a file"})

    assert response.status_code == 400
    assert response.json() == {"error": "No file received."}


@pytest.mark.anyio
async def test_search_with_query_and_limit(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/search", params={"q": "a", "limit": "1"})

    assert response.status_code == 200
    assert response.json() == {"query": "a", "limit": 1, "results": [ADA]}


@pytest.mark.anyio
async def test_search_defaults_and_matches_names(client: httpx.AsyncClient) -> None:
    everyone = await client.get("/api/search")
    linus = await client.get("/api/search", params={"q": "linus"})

    assert everyone.status_code == 200
    assert everyone.json() == {"query": "", "limit": 10, "results": [ADA, LINUS]}
    assert linus.json() == {"query": "linus", "limit": 10, "results": [LINUS]}


@pytest.mark.anyio
async def test_search_with_bad_limit_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/search", params={"limit": "many"})

    assert response.status_code == 400
    assert response.json()["error"] == "Invalid input"
    assert [issue["path"] for issue in response.json()["issues"]] == [["limit"]]


@pytest.mark.anyio
async def test_files_catch_all_with_two_segments(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/files/docs/readme.md")

    assert response.status_code == 200
    assert response.json() == {"path": ["docs", "readme.md"], "fullPath": "docs/readme.md"}


@pytest.mark.anyio
async def test_the_database_file_is_created_where_database_path_says(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await client.get("/api/users")

    assert (tmp_path / "test.sqlite3").is_file()
