"""Uploads through a real server process: bounded memory, and temporary files cleaned up."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from tests.conftest import make_project, server_process
from tests.live_server import wait_until

if TYPE_CHECKING:
    from collections.abc import Iterator

MIB = 1024 * 1024
BOUNDARY = "approutes-test-boundary"

SAVE_UPLOAD = """
    import os

    from approutes import NextResponse


    async def POST(request):
        form = await request.form_data()
        file = form.get("file")
        await file.save(os.path.join(os.environ["UPLOAD_DIR"], "saved.bin"))
        return NextResponse.json({"filename": file.name, "size": file.size})
"""


def _project(root: Path) -> Path:
    return make_project(
        root / "project",
        {"approutes.toml": 'upload_size_limit = "300mb"\n', "app/api/upload/route.py": SAVE_UPLOAD},
    )


def _multipart_head(filename: str) -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


def _upload_chunks(block: bytes, count: int) -> Iterator[bytes]:
    yield _multipart_head("big.bin")
    for _ in range(count):
        yield block
    yield TAIL


def _process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (granian serves from a child process)."""
    tree = [pid]
    for parent in tree:
        for task in Path(f"/proc/{parent}/task").iterdir():
            children = (task / "children").read_text().split()
            tree.extend(int(child) for child in children)
    return tree


def _peak_rss_bytes(pid: int) -> int:
    """The largest peak resident set (VmHWM) of one process in the tree of `pid`."""
    peaks = []
    for member in _process_tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) * 1024)
    return max(peaks)


def _open_files_under(pid: int, directory: Path) -> list[str]:
    """Paths of the files the process tree of `pid` holds open under `directory`."""
    found = []
    for member in _process_tree(pid):
        for fd in Path(f"/proc/{member}/fd").iterdir():
            try:
                target = str(fd.readlink())
            except FileNotFoundError:
                continue
            if target.startswith(str(directory)):
                found.append(target)
    return found


@pytest.mark.timeout(120)
@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_a_200_mb_upload_is_saved_while_the_server_stays_under_80_mb(
    tmp_path: Path, server: str
) -> None:
    uploads = tmp_path / "uploads"
    spool = tmp_path / "spool"
    uploads.mkdir()
    spool.mkdir()
    block = os.urandom(MIB)
    count = 200
    env = {"UPLOAD_DIR": str(uploads), "TMPDIR": str(spool)}
    with server_process(_project(tmp_path), "--server", server, env=env) as (base, process):
        length = len(_multipart_head("big.bin")) + count * len(block) + len(TAIL)
        response = httpx.post(
            f"{base}/api/upload",
            content=_upload_chunks(block, count),
            headers={
                "content-type": f"multipart/form-data; boundary={BOUNDARY}",
                "content-length": str(length),
            },
            timeout=60,
        )
        peak = _peak_rss_bytes(process.pid)
        assert response.status_code == 200, response.text
        assert response.json() == {"filename": "big.bin", "size": count * MIB}
        assert peak < 80 * MIB, f"peak RSS {peak / MIB:.1f} MiB"
        saved = uploads / "saved.bin"
        assert saved.stat().st_size == count * MIB
        with saved.open("rb") as file:
            assert hashlib.sha256(file.read(MIB)).digest() == hashlib.sha256(block).digest()
        assert list(spool.iterdir()) == []
        # NOTE: the client has its answer before the server closes the upload's spool file.
        wait_until(
            lambda: _open_files_under(process.pid, spool) == [], "the spool file to be closed"
        )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_a_client_that_disconnects_mid_upload_leaves_no_temporary_file(
    tmp_path: Path, server: str
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    env = {"UPLOAD_DIR": str(tmp_path), "TMPDIR": str(spool)}
    with server_process(_project(tmp_path), "--server", server, env=env) as (base, process):
        port = int(base.rsplit(":", 1)[1])
        head = (
            "POST /api/upload HTTP/1.1\r\nHost: localhost\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {50 * MIB}\r\n\r\n"
        ).encode() + _multipart_head("partial.bin")
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(head)
            for _ in range(4):  # past the 1 MiB in memory: the part is spooled to a file
                client.sendall(os.urandom(MIB))
            wait_until(lambda: _open_files_under(process.pid, spool), "the upload is spooled")
        wait_until(
            lambda: not _open_files_under(process.pid, spool), "the temporary file is released"
        )
        assert list(spool.iterdir()) == []
        # The server is unharmed and serves the next upload.
        response = httpx.post(
            f"{base}/api/upload", files={"file": ("small.txt", b"hello")}, timeout=10
        )
        assert response.json() == {"filename": "small.txt", "size": 5}
