"""The API, tested in-process with approutes.testing (run `pytest` in this folder)."""

from pathlib import Path

import pytest

from approutes.testing import TestClient

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "test.sqlite3"))
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    with TestClient(PROJECT) as client:
        yield client


def test_hello(client):
    assert client.get("/api/hello").json() == {"message": "Hello World"}


def test_create_then_read_a_user(client):
    created = client.post("/api/users", json={"name": "Grace", "email": "grace@example.com"})
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert client.get(f"/api/users/{user_id}").json()["name"] == "Grace"


def test_invalid_user_is_400_with_issues(client):
    response = client.post("/api/users", json={"name": "", "email": "nope"})
    assert response.status_code == 400
    assert {issue["path"][0] for issue in response.json()["issues"]} == {"name", "email"}


def test_search(client):
    response = client.get("/api/search", params={"q": "ada"})
    assert [user["name"] for user in response.json()["results"]] == ["Ada Lovelace"]


def test_private_route_needs_a_session(client):
    assert client.get("/api/me").status_code == 401
    client.post("/api/login", json={"email": "ada@example.com"})
    assert client.get("/api/me").json() == {"id": "1", "name": "Ada Lovelace"}


def test_upload(client):
    response = client.post("/api/upload", files={"file": ("notes.txt", b"hello")})
    assert response.json() == {"filename": "notes.txt", "size": 5}


def test_clock_streams_events(client):
    response = client.get("/api/clock", params={"count": "1"})
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.startswith("event: tick\nid: 0\ndata: ")
