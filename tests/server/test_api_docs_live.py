"""The OpenAPI document and the docs page under `approutes start`, as deployed.

Off by default (the paths are the project's, 404 here); the `openapi_path` and `docs_path`
settings (or `APPROUTES_OPENAPI_PATH` / `APPROUTES_DOCS_PATH`) serve them.
"""

from __future__ import annotations

import json
import re
import subprocess
from typing import TYPE_CHECKING

import httpx
from tests.conftest import APPROUTES_BIN, make_project, server_process

if TYPE_CHECKING:
    from pathlib import Path

ROUTES = {
    "app/api/items/route.py": '''
        from pydantic import BaseModel


        class Item(BaseModel):
            id: int
            name: str


        def GET() -> list[Item]:
            """List the items."""
            return [Item(id=1, name="pen")]
    ''',
}


def test_start_serves_the_document_and_the_page_at_the_configured_paths(tmp_path: Path) -> None:
    project = make_project(tmp_path / "shop", ROUTES)
    printed = subprocess.run(
        [str(APPROUTES_BIN), "openapi", str(project)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    env = {"APPROUTES_OPENAPI_PATH": "/openapi.json", "APPROUTES_DOCS_PATH": "/docs"}

    with server_process(project, env=env) as (base, _):
        document = httpx.get(f"{base}/openapi.json")
        page = httpx.get(f"{base}/docs")
        bundle = httpx.get(f"{base}/docs/assets/swagger-ui-bundle.js")
        items = httpx.get(f"{base}/api/items")

    assert document.status_code == 200
    assert document.json() == json.loads(printed.stdout)
    assert document.json()["paths"]["/api/items"]["get"]["summary"] == "List the items."
    assert page.status_code == 200
    assert re.search(r'data-openapi="/openapi.json"', page.text)
    assert bundle.status_code == 200
    assert b"SwaggerUIBundle" in bundle.content
    assert items.json() == [{"id": 1, "name": "pen"}]


def test_start_serves_no_document_by_default(tmp_path: Path) -> None:
    project = make_project(tmp_path / "shop", ROUTES)

    with server_process(project) as (base, _):
        answers = [
            httpx.get(f"{base}{path}")
            for path in ("/openapi.json", "/docs", "/_approutes/openapi.json", "/_approutes/docs")
        ]

    assert [answer.status_code for answer in answers] == [404] * 4
