"""A new user's first minutes, for real: install the wheel, `approutes new`, dev, curl, pytest.

Builds the wheel of this checkout, installs it with the `dev` extra (the install the docs tell
a new user to run) into a fresh virtualenv, creates a project with `approutes new`, serves it
with `approutes dev`, calls every example route, edits a route and sees the change without a
restart, and runs the project's own tests.
"""

from __future__ import annotations

import os
import subprocess
import time
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import free_port, wait_until_serving
from tests.e2e.conftest import fresh_venv, run

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with this checkout's wheel and its `dev` extra; its bin folder."""
    bin_dir = fresh_venv(tmp_path_factory.mktemp("new-user") / "venv")
    run(bin_dir / "python", "-m", "pip", "install", "-q", f"{wheel}[dev]")
    return bin_dir


@pytest.mark.timeout(600)
def test_a_new_project_runs_reloads_and_passes_its_tests(installed: Path, tmp_path: Path) -> None:
    out = run(installed / "approutes", "new", "demo", cwd=tmp_path)
    demo = tmp_path / "demo"
    assert "approutes dev" in out
    assert (demo / ".env.local").read_text().startswith("AUTH_SECRET=")

    refused = subprocess.run(
        [str(installed / "approutes"), "new", "demo"], cwd=tmp_path, capture_output=True, text=True
    )
    assert refused.returncode == 1
    assert "not empty" in refused.stderr

    port = free_port()
    log = (tmp_path / "dev.log").open("w")
    server = subprocess.Popen(
        [str(installed / "approutes"), "dev", "--port", str(port)],
        cwd=demo,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base + "/api/hello", server)
        with httpx.Client(base_url=base, timeout=10) as client:
            _every_example_route_answers(client)
            route = demo / "app" / "api" / "hello" / "route.py"
            original = route.read_text()
            route.write_text(original.replace("Hello World", "Hello again"))
            _wait_for_body(client, "/api/hello", {"message": "Hello again"})
            route.write_text(original)
            _wait_for_body(client, "/api/hello", {"message": "Hello World"})
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=15)
        log.close()
    output = (tmp_path / "dev.log").read_text()
    assert "Ready in" in output
    assert "GET /api/hello 200 in" in output

    tests = run(installed / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=demo)
    assert " passed" in tests
    assert "failed" not in tests


def _every_example_route_answers(client: httpx.Client) -> None:
    assert client.get("/api/hello").json() == {"message": "Hello World"}
    assert [u["name"] for u in client.get("/api/users").json()] == [
        "Ada Lovelace",
        "Linus Torvalds",
    ]
    created = client.post("/api/users", json={"name": "Grace", "email": "grace@example.com"})
    assert created.status_code == 201
    user_id = created.json()["id"]
    assert client.get(f"/api/users/{user_id}").json()["email"] == "grace@example.com"
    updated = client.put(
        f"/api/users/{user_id}", json={"name": "Grace H", "email": "g@example.com"}
    )
    assert updated.json()["name"] == "Grace H"
    assert client.delete(f"/api/users/{user_id}").status_code == 204
    assert client.get("/api/search", params={"q": "linus"}).json()["results"][0]["id"] == 2
    assert client.get("/api/files/a/b.txt").json() == {
        "path": ["a", "b.txt"],
        "fullPath": "a/b.txt",
    }
    upload = client.post("/api/upload", files={"file": ("hi.txt", b"hi there")})
    assert upload.json() == {"filename": "hi.txt", "size": 8}
    assert client.get("/api/me").status_code == 401
    assert client.post("/api/login", json={"email": "ada@example.com"}).status_code == 200
    assert client.get("/api/me").json() == {"id": "1", "name": "Ada Lovelace"}
    with client.stream("GET", "/api/clock", params={"count": "2"}) as events:
        text = events.read().decode()
    assert text.count("event: tick") == 2


def _wait_for_body(client: httpx.Client, path: str, expected: object) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if client.get(path).json() == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never answered {expected} after the edit")
