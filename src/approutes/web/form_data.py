"""FormData and File, parsed with python-multipart (the only module that imports it).

Multipart bodies are parsed as they stream in: a file part is held in memory up to 1 MiB and
spooled to a temporary file beyond, so an upload of any size costs bounded memory.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import unicodedata
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import IO, TYPE_CHECKING, cast
from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from approutes.errors import BadRequest, PayloadTooLarge
from approutes.web.entries import Entries

if TYPE_CHECKING:
    from collections.abc import AsyncIterable, AsyncIterator

    from python_multipart.multipart import MultipartCallbacks

__all__ = [
    "File",
    "FormData",
    "FormValue",
    "parse_multipart",
    "parse_urlencoded",
    "safe_file_name",
]

_SPOOL_LIMIT = 1024 * 1024
_READ_CHUNK = 64 * 1024
# SECURITY: caps that keep a hostile form from costing unbounded work or memory.
MAX_FIELDS = 1000
"""Most parts of a multipart body, or fields of a urlencoded one."""
_MAX_BOUNDARY = 70  # RFC 2046
MAX_PART_HEADER_BYTES = 16 * 1024
"""Most bytes in the headers of one multipart part."""


class File:
    """An uploaded file part.

    Attributes:
        name: The file name the client sent: any text, never a path to trust (it may be
            "", "..", "a/../../b", hold a NUL byte or be 1,000 characters long). Use
            `safe_name`, or `save_in(folder)`.
        type: The part's content type ("" when none was sent).
        size: Its size in bytes.
    """

    __slots__ = ("_file", "name", "size", "type")

    def __init__(self, name: str, type: str, file: IO[bytes], size: int) -> None:
        """Wrap a spooled file holding the part's bytes."""
        self.name = name
        self.type = type
        self.size = size
        self._file = file

    async def read(self) -> bytes:
        """Return the whole content (read in a worker thread when it is on disk)."""
        self._file.seek(0)
        if self.size > _SPOOL_LIMIT:
            return await asyncio.to_thread(self._file.read)
        return self._file.read()

    async def array_buffer(self) -> bytes:
        """Return the whole content (the Web name for `read`)."""
        return await self.read()

    async def text(self) -> str:
        """Return the content decoded as UTF-8.

        Raises:
            BadRequest: the content is not UTF-8.
        """
        try:
            return (await self.read()).decode()
        except UnicodeDecodeError:
            raise BadRequest(f"The file {self.name!r} is not UTF-8 text") from None

    async def stream(self) -> AsyncIterator[bytes]:
        """Yield the content in chunks."""
        self._file.seek(0)
        while chunk := self._file.read(_READ_CHUNK):
            yield chunk

    @property
    def safe_name(self) -> str:
        r"""`name` made safe as one file name on any system, never empty.

        The last part after any `/` or `\\`, without control characters or the characters
        Windows refuses, without leading dots or spaces (no hidden or relative names), at
        most 255 bytes of UTF-8 (the extension kept), and not a Windows device name;
        `"upload"` when nothing is left.

        >>> from io import BytesIO
        >>> [File(n, "", BytesIO(), 0).safe_name for n in ["", "..", "../../etc/passwd"]]
        ['upload', 'upload', 'passwd']
        >>> File("C:\\\\docs\\\\report<1>.pdf", "", BytesIO(), 0).safe_name
        'report1.pdf'
        """
        return safe_file_name(self.name)

    async def save(self, path: str | Path) -> None:
        """Write the content to `path` (a file path you chose; see `save_in` for a folder)."""
        self._file.seek(0)
        await asyncio.to_thread(_copy_to, self._file, Path(path))

    async def save_in(
        self, folder: str | Path, *, name: str | None = None, overwrite: bool = False
    ) -> Path:
        """Write the content into `folder` under a safe name, and return the path written.

        The name is `safe_name` (or `name` made safe the same way), so the file always lands
        directly in `folder`, which is created if needed. An existing file is never replaced
        unless `overwrite`: `report.pdf` becomes `report-1.pdf`, `report-2.pdf`, ...

        Example:
            path = await file.save_in(UPLOAD_DIR)
            return {"saved": path.name, "size": file.size}

        Raises:
            OSError: the folder cannot be created or written.
        """
        self._file.seek(0)
        wanted = safe_file_name(self.name if name is None else name)
        return await asyncio.to_thread(_save_in, self._file, Path(folder), wanted, overwrite)

    def close(self) -> None:
        """Release the memory or temporary file behind this File."""
        self._file.close()

    def __repr__(self) -> str:
        return f"File(name={self.name!r}, type={self.type!r}, size={self.size})"


FormValue = str | File


class FormData(Entries[FormValue]):
    """Fields of a form body, in order, repeats kept (Web `FormData`).

    `get` returns the first value or None; `keys()` and `items()` yield every entry.
    """

    __slots__ = ()

    def close(self) -> None:
        """Release every file part."""
        for _, value in self._pairs:
            if isinstance(value, File):
                value.close()


def parse_urlencoded(body: bytes) -> FormData:
    """Parse an `application/x-www-form-urlencoded` body.

    >>> parse_urlencoded(b"name=Ada+Lovelace&color=red&color=blue").get_all("color")
    ['red', 'blue']
    """
    text = body.decode("utf-8", "replace")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:
        raise BadRequest(f"The form has more than {MAX_FIELDS} fields") from None
    return FormData(cast("list[tuple[str, FormValue]]", pairs))


async def parse_multipart(
    content_type: str, chunks: AsyncIterable[bytes], field_limit: int
) -> FormData:
    """Parse a `multipart/form-data` body as its chunks arrive.

    File parts spool to disk past 1 MiB; a text field is held in memory, so it may have at
    most `field_limit` bytes.

    Raises:
        BadRequest: no boundary, broken framing, a text field that is not UTF-8, more than
            MAX_FIELDS parts, or a part whose headers pass MAX_PART_HEADER_BYTES.
        PayloadTooLarge: a text field over `field_limit` bytes.
    """
    _, options = parse_options_header(content_type.encode("latin-1"))
    boundary = options.get(b"boundary")
    if not boundary:
        raise BadRequest("The multipart/form-data body has no boundary")
    if len(boundary) > _MAX_BOUNDARY:
        raise BadRequest(f"The multipart/form-data boundary is over {_MAX_BOUNDARY} characters")
    builder = _FormBuilder(field_limit)
    parser = MultipartParser(boundary, builder.callbacks())
    try:
        try:
            async for chunk in chunks:
                parser.write(chunk)
            parser.finalize()
        except FormParserError as exc:
            raise BadRequest(f"Malformed multipart/form-data body: {exc}") from None
        if not builder.finished:
            raise BadRequest("The multipart/form-data body ends before its closing boundary")
    except BaseException:
        builder.discard()
        raise
    return builder.form


class _FormBuilder:
    """Collects python-multipart's callbacks into FormData entries."""

    def __init__(self, field_limit: int) -> None:
        self.form = FormData()
        self.finished = False
        self._field_limit = field_limit
        self._parts = 0
        self._header_bytes = 0
        self._field = b""
        self._value = b""
        self._headers: dict[bytes, bytes] = {}
        self._data: list[bytes] = []
        self._file: IO[bytes] | None = None
        self._size = 0

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def discard(self) -> None:
        """Release every file, the one still being received included."""
        self.form.close()
        if self._file is not None:
            self._file.close()

    def _part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_FIELDS:
            raise BadRequest(f"The multipart/form-data body has more than {MAX_FIELDS} parts")
        self._header_bytes = 0
        self._headers = {}
        self._data = []
        self._file = None
        self._size = 0

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header_bytes(end - start)
        self._value += data[start:end]

    def _count_header_bytes(self, count: int) -> None:
        self._header_bytes += count
        if self._header_bytes > MAX_PART_HEADER_BYTES:
            raise BadRequest(
                f"A multipart/form-data part has over {MAX_PART_HEADER_BYTES} bytes of headers"
            )

    def _header_end(self) -> None:
        self._headers[self._field.lower()] = self._value
        self._field = b""
        self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if b"filename" in options:
            self._file = SpooledTemporaryFile(max_size=_SPOOL_LIMIT)  # noqa: SIM115

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        self._size += len(chunk)
        if self._file is not None:
            self._file.write(chunk)
        elif self._size > self._field_limit:
            raise PayloadTooLarge
        else:
            self._data.append(chunk)

    def _part_end(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._file is not None:
            filename = options.get(b"filename", b"").decode("utf-8", "replace")
            ctype = self._headers.get(b"content-type", b"").decode("latin-1")
            self.form.append(name, File(filename, ctype, self._file, self._size))
            return
        try:
            value = b"".join(self._data).decode()
        except UnicodeDecodeError:
            raise BadRequest(f"The form field {name!r} is not UTF-8 text") from None
        self.form.append(name, value)

    def _end(self) -> None:
        self.finished = True


def _copy_to(source: IO[bytes], target: Path) -> None:
    with target.open("wb") as out:
        shutil.copyfileobj(source, out)


_UNSAFE_CHARACTERS = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_WINDOWS_DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{n}" for n in range(10)} | {f"lpt{n}" for n in range(10)}
)
_MAX_NAME_BYTES = 255  # ext4, APFS, NTFS (in UTF-16 units, which is never fewer)
_FALLBACK_NAME = "upload"


def safe_file_name(name: str) -> str:
    """`name` as one safe file name: see `File.safe_name`.

    >>> safe_file_name(".env"), safe_file_name("CON.txt"), safe_file_name("a b.txt")
    ('env', '_CON.txt', 'a b.txt')
    """
    # SECURITY: keep only the last path part, whichever separator the client's system uses.
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    base = _UNSAFE_CHARACTERS.sub("", base)
    base = base.encode("utf-8", "ignore").decode("utf-8")  # NOTE: drops lone surrogates
    base = base.lstrip(". ").rstrip(". ")  # no hidden, relative or Windows-trimmed names
    if not base:
        return _FALLBACK_NAME
    if base.split(".", 1)[0].lower() in _WINDOWS_DEVICES:
        base = "_" + base
    return _shorten(base)


def _shorten(name: str) -> str:
    if len(name.encode()) <= _MAX_NAME_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension.encode()) > 16:
        stem, extension = name, ""
    room = _MAX_NAME_BYTES - len(extension.encode()) - len(dot)
    short = stem.encode()[:room].decode("utf-8", "ignore").rstrip(". ")
    return (short or _FALLBACK_NAME) + (dot + extension if extension else "")


def _save_in(source: IO[bytes], folder: Path, name: str, overwrite: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, extension = name.rpartition(".")
    if not stem:
        stem, dot, extension = name, "", ""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    for attempt in range(10_000):
        candidate = name if attempt == 0 else _shorten(f"{stem}-{attempt}{dot}{extension}")
        target = folder / candidate
        try:
            # SECURITY: O_EXCL creates the file or fails: a name taken meanwhile (another
            # upload) is never overwritten. O_NOFOLLOW: never write through a symlink.
            descriptor = os.open(target, flags | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as out:
            shutil.copyfileobj(source, out)
        return target
    raise FileExistsError(f"no free name for {name!r} in {folder} after 10,000 tries")
