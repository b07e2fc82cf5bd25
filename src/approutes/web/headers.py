"""The Headers type (a class): case-insensitive, multi-valued HTTP headers.

Not to be confused with `approutes.headers`, the module of the `headers()` helper.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from approutes.web.location import encode_location

__all__ = [
    "HeaderLines",
    "Headers",
    "HeadersInit",
    "checked_line",
    "extend_headers",
    "header_value",
    "write_cookie_header",
]


class Headers:
    """HTTP headers, as the Web `Headers` class, snake_case.

    Names are case-insensitive and stored lower-case. `get` joins repeated values with
    ", " (except `set-cookie`, whose lines are never joined; use `get_all`).

    Example:
        >>> h = Headers({"Content-Type": "text/plain"})
        >>> h.append("Vary", "accept")
        >>> h.append("vary", "cookie")
        >>> h.get("VARY")
        'accept, cookie'
        >>> h.get_all("vary")
        ['accept', 'cookie']
        >>> h.has("content-type"), h.get("x-missing")
        (True, None)

    Iterating yields each name once, like a dict; `items()` yields (name, value) pairs with
    repeated names joined, in insertion order. Request headers are read-only.
    """

    __slots__ = ("_items", "_read_only")

    def __init__(
        self, init: Mapping[str, str] | Iterable[tuple[str, str]] | Headers | None = None
    ) -> None:
        """Build from a mapping, an iterable of (name, value) pairs or another Headers."""
        self._read_only = False
        if init is None:
            self._items: list[tuple[str, str]] = []
        elif isinstance(init, Headers):
            self._items = list(init._items)
        elif isinstance(init, Mapping):
            self._items = [checked_line(k, v) for k, v in init.items()]
        else:
            self._items = [checked_line(k, v) for k, v in init]

    @classmethod
    def of(cls, items: list[tuple[str, str]]) -> Headers:
        """Wrap `items` (lower-case names, checked values) without copying or checking them."""
        headers = cls.__new__(cls)
        headers._items = items
        headers._read_only = False
        return headers

    @classmethod
    def from_asgi(cls, raw: Iterable[tuple[bytes, bytes]]) -> Headers:
        """Wrap the header list of an ASGI scope, read-only."""
        headers = cls.__new__(cls)
        headers._items = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw]
        headers._read_only = True
        return headers

    def get(self, name: str) -> str | None:
        """Return the value of `name` (repeats joined by ", "), or None when absent."""
        key = name.lower()
        values = [v for k, v in self._items if k == key]
        if not values:
            return None
        return values[0] if len(values) == 1 else ", ".join(values)

    def get_all(self, name: str) -> list[str]:
        """Return every value of `name`, in order (one per header line)."""
        key = name.lower()
        return [v for k, v in self._items if k == key]

    def has(self, name: str) -> bool:
        """Return True when `name` is present."""
        key = name.lower()
        for k, _ in self._items:  # noqa: SIM110 - PERF: a loop beats any() with a generator
            if k == key:
                return True
        return False

    def set(self, name: str, value: str) -> None:
        """Replace every value of `name` with `value`."""
        self._check_writable()
        key = _name(name)
        text = header_value(key, value)  # refused before anything changes
        items = self._items
        for k, _ in items:
            if k == key:
                # PERF: a new list only when there is a line to drop (mostly there is none).
                items = self._items = [(k, v) for k, v in items if k != key]
                break
        items.append((key, text))

    def append(self, name: str, value: str) -> None:
        """Add a value to `name`, keeping the existing ones (e.g. several Set-Cookie)."""
        self._check_writable()
        self._items.append(checked_line(name, value))

    def delete(self, name: str) -> None:
        """Remove every value of `name`."""
        self._check_writable()
        key = name.lower()
        self._items = [(k, v) for k, v in self._items if k != key]

    def keys(self) -> list[str]:
        """Return each name once, in first-seen order."""
        return list(dict.fromkeys(k for k, _ in self._items))

    def values(self) -> list[str]:
        """Return the value of each name, as `get` gives it."""
        return [v for _, v in self.items()]

    def items(self) -> list[tuple[str, str]]:
        """Return (name, value) pairs; repeats joined by ", ", set-cookie lines kept apart."""
        out: list[tuple[str, str]] = []
        for key in self.keys():
            if key == "set-cookie":
                out.extend((key, v) for v in self.get_all(key))
            else:
                out.append((key, self.get(key) or ""))
        return out

    def raw(self) -> list[tuple[str, str]]:
        """Return every header line as stored (lower-case names), for sending."""
        return self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.has(name)

    def __len__(self) -> int:
        return len(self.keys())

    def __repr__(self) -> str:
        return f"Headers({self.items()!r})"

    def _check_writable(self) -> None:
        if self._read_only:
            raise TypeError("request headers are read-only; build a new Headers to change them")


HeadersInit = Mapping[str, str] | Iterable[tuple[str, str]] | Headers


class HeaderLines:
    """Header lines checked once, kept as text (for `Headers`) and as bytes (for sending).

    What the framework adds to many responses (the settings' `[[headers]]`, the CORS
    headers) is built once at start-up and added whole: `extend_headers`, or
    `add_header_lines` on a Response, which keeps a Response's lines encoded.

    Attributes:
        text: The lines, lower-case names.
        encoded: The same lines, Latin-1 bytes.
        names: Every name of the lines.
        encoded_names: `names`, as bytes.
        replaces: The names whose lines already there these lines replace (as `Headers.set`
            does); the other lines are added after what is there (as `Headers.append`).
        encoded_replaces: `replaces`, as bytes.

    Example:
        >>> lines = HeaderLines.check([("Vary", "Origin"), ("X-A", "1")], replace=["x-a"])
        >>> headers = Headers([("x-a", "0"), ("vary", "Accept")])
        >>> extend_headers(headers, lines)
        >>> headers.raw()
        [('vary', 'Accept'), ('vary', 'Origin'), ('x-a', '1')]
    """

    __slots__ = ("encoded", "encoded_names", "encoded_replaces", "names", "replaces", "text")

    def __init__(self, text: Iterable[tuple[str, str]], replaces: Iterable[str] = ()) -> None:
        """Wrap `text`: lines already checked (lower-case names, values as `header_value` gives)."""
        self.text = tuple(text)
        self.encoded = tuple((n.encode("latin-1"), v.encode("latin-1")) for n, v in self.text)
        self.names = frozenset(name for name, _ in self.text)
        self.encoded_names = frozenset(name for name, _ in self.encoded)
        self.replaces = frozenset(replaces)
        self.encoded_replaces = frozenset(name.encode("latin-1") for name in self.replaces)

    @classmethod
    def check(cls, lines: Iterable[tuple[str, str]], *, replace: Iterable[str] = ()) -> HeaderLines:
        """Check `lines` as `Headers.append` would, once.

        Args:
            lines: (name, value) pairs, in the order they are added.
            replace: The names (any case) whose existing lines the new ones replace.

        Raises:
            ValueError: a name that is not a token, or a value `header_value` refuses.
        """
        return cls([checked_line(name, value) for name, value in lines], map(_name, replace))

    def __repr__(self) -> str:
        return f"HeaderLines({list(self.text)!r})"


def extend_headers(headers: Headers, lines: HeaderLines) -> None:
    """Add `lines` to `headers`: those of `lines.replaces` replace the lines of their names."""
    headers._check_writable()
    if lines.replaces:
        headers._items = [line for line in headers._items if line[0] not in lines.replaces]
    headers._items.extend(lines.text)


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NON_LATIN1 = re.compile(r"[^\x00-\xff]")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def header_value(name: str, value: object) -> str:
    """Check `value` for header `name` (lower-case), and return it as it will be sent.

    A `Location` is encoded as a browser serialises a URL (non-ASCII percent-encoded as
    UTF-8, an IDNA host); any other value is sent as Latin-1 bytes, as Node does.

    >>> header_value("location", "/café")
    '/caf%C3%A9'
    >>> header_value("x-name", "José")
    'José'

    Raises:
        ValueError: a line break or another control character (a tab is fine), or a
            character outside Latin-1 in a header other than `Location`.
    """
    text = str(value)
    if text.isascii() and text.isprintable():
        return text  # PERF: two C checks for the common value; a tab is not printable
    if _CONTROL.search(text):
        if "\r" in text or "\n" in text:
            raise ValueError(f"header {name} value {text!r} contains a line break")
        raise ValueError(f"header {name} value {text!r} contains a control character")
    if text.isascii():
        return text
    if name == "location":
        return encode_location(text)
    # SECURITY: a value that cannot become header bytes is refused here, in the handler,
    # so the error mapping answers it; sent as is, it would crash the server's own send.
    wide = _NON_LATIN1.search(text)
    if wide is not None:
        raise ValueError(
            f"header {name} value {text!r} holds {wide.group()!r} (U+{ord(wide.group()):04X}), "
            "which is outside Latin-1 and cannot be sent in a header: percent-encode it "
            "(urllib.parse.quote) or send it in the body"
        )
    return text


def write_cookie_header(headers: Headers, value: str) -> None:
    """Make `value` the one `Cookie` header of `headers`, read-only request headers too.

    What `request.cookies.set()` / `delete()` / `clear()` write, as Next's RequestCookies
    writes the request's `cookie` header (empty, not removed, once every cookie is gone).
    """
    items = [(k, v) for k, v in headers._items if k != "cookie"]
    items.append(("cookie", header_value("cookie", value)))
    headers._items = items


def checked_line(name: object, value: object) -> tuple[str, str]:
    """Check a line as `Headers.append` does: its lower-case name and its value as sent.

    >>> checked_line("X-Name", "José")
    ('x-name', 'José')

    Raises:
        ValueError: a name that is not a token, or a value `header_value` refuses.
    """
    key = _name(name)
    return key, header_value(key, value)


# PERF: each name is checked once per process: the names a process sets are few, and the
# check was ~6% of a request that sets several (bench S9: 14 checks a request).
# SECURITY: bounded, so names taken from requests cannot grow it without limit; past the
# bound a new name is checked every time, as before.
_CHECKED_NAMES: dict[str, str] = {}
_CHECKED_NAMES_LIMIT = 1024


def _name(name: object) -> str:
    if type(name) is str:
        known = _CHECKED_NAMES.get(name)
        if known is not None:
            return known
    text = str(name)
    if not _TOKEN.fullmatch(text):
        raise ValueError(f"header name {text!r} is not a valid HTTP token")
    key = text.lower()
    if type(name) is str and len(_CHECKED_NAMES) < _CHECKED_NAMES_LIMIT:
        _CHECKED_NAMES[name] = key
    return key
