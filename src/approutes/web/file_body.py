"""FileBody: a response body read from a file, chunk by chunk, never whole into memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["CHUNK_SIZE", "FileBody"]

CHUNK_SIZE = 64 * 1024
"""Bytes read from the file per chunk sent."""


@dataclass(frozen=True, slots=True)
class FileBody:
    """`length` bytes of the file at `path` from `start`: a stream of chunks.

    It is a sync iterable, so it is sent as any other stream (each read in a worker thread,
    the disconnect watch, closing the file when the client goes away); `asgi/send.py` hands
    a whole file to the server instead when it offers ASGI `http.response.pathsend`.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "a.txt"
    ...     _ = path.write_bytes(b"hello world")
    ...     b"".join(FileBody(str(path), 6, 5))
    b'world'
    """

    path: str
    start: int
    length: int
    whole: bool = False
    """Whether the body is the whole file (pathsend sends only whole files)."""

    def __iter__(self) -> Iterator[bytes]:
        """Yield the bytes in chunks of at most CHUNK_SIZE; the file is closed at the end."""
        left = self.length
        with open(self.path, "rb") as file:  # noqa: PTH123 - a plain file object, read in chunks
            if self.start:
                file.seek(self.start)
            while left > 0:
                chunk = file.read(min(CHUNK_SIZE, left))
                if not chunk:  # NOTE: the file shrank since its stat: end early, never pad.
                    return
                left -= len(chunk)
                yield chunk
