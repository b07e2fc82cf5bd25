"""NextURL and URLSearchParams: the URL of a request, WHATWG-style."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote_plus, unquote, urlsplit

from approutes.web.entries import Entries

__all__ = ["NextURL", "URLSearchParams", "decode_query_component"]

_DEFAULT_PORTS = {"http:": "80", "https:": "443"}


class URLSearchParams(Entries[str]):
    """Query parameters in order, repeats kept (WHATWG `URLSearchParams`).

    Example:
        >>> params = URLSearchParams("?q=a&q=b&flag&name=Ada+Lovelace")
        >>> params.get("q"), params.get_all("q"), params.get("flag"), params.get("x")
        ('a', ['a', 'b'], '', None)
        >>> params.get("name")
        'Ada Lovelace'
        >>> str(params)
        'q=a&q=b&flag=&name=Ada+Lovelace'
        >>> list(params.items())
        [('q', 'a'), ('q', 'b'), ('flag', ''), ('name', 'Ada Lovelace')]

    `keys()`, `items()` and iteration yield every entry, repeats included; `len` counts
    entries. `+` reads as a space, "%ZZ" is kept literally, ";" is not a separator.
    """

    __slots__ = ()

    def __init__(
        self, init: str | Mapping[str, str] | Iterable[tuple[str, str]] | None = None
    ) -> None:
        """Parse a query string (a leading "?" is ignored) or take pairs."""
        if init is None:
            super().__init__()
        elif isinstance(init, str):
            super().__init__(_parse_query(init.removeprefix("?")))
        elif isinstance(init, Mapping):
            super().__init__([(str(k), str(v)) for k, v in init.items()])
        else:
            super().__init__([(str(k), str(v)) for k, v in init])

    def set(self, name: str, value: str) -> None:
        """Replace every entry of `name` by one, where the first one was."""
        out: list[tuple[str, str]] = []
        placed = False
        for key, old in self._pairs:
            if key != name:
                out.append((key, old))
            elif not placed:
                out.append((name, value))
                placed = True
        if not placed:
            out.append((name, value))
        self._pairs = out

    def delete(self, name: str) -> None:
        """Remove every entry of `name`."""
        self._pairs = [(k, v) for k, v in self._pairs if k != name]

    def __str__(self) -> str:
        return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in self._pairs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, URLSearchParams) and self._pairs == other._pairs

    __hash__ = None  # type: ignore[assignment]  # mutable


class NextURL:
    """A request URL with Next's extras, as `request.next_url`.

    Example:
        >>> url = NextURL("http://localhost:3000/api/search?flag&q=a%20b")
        >>> url.pathname, url.search, url.port, url.protocol
        ('/api/search', '?flag=&q=a+b', '3000', 'http:')
        >>> url.origin
        'http://localhost:3000'
        >>> url.pathname = "/api/other"
        >>> url.href
        'http://localhost:3000/api/other?flag=&q=a+b'

    `pathname` keeps the request's percent-escapes; `search` is re-serialised from
    `search_params`, as in Next (`?flag` becomes `?flag=`). `protocol` keeps its colon and
    `port` is "" for the scheme's default port.
    """

    __slots__ = ("base_path", "hash", "hostname", "pathname", "port", "protocol", "search_params")

    @classmethod
    def from_parts(
        cls, protocol: str, hostname: str, port: str, pathname: str, query: str
    ) -> NextURL:
        """Build from parts already known (a request's scope), without parsing a URL."""
        url = cls.__new__(cls)
        url.protocol = protocol
        url.hostname = hostname
        url.port = "" if _DEFAULT_PORTS.get(protocol) == port else port
        url.pathname = pathname
        url.search_params = URLSearchParams(query)
        url.hash = ""
        url.base_path = ""
        return url

    def __init__(self, url: str, *, base_path: str = "") -> None:
        """Parse an absolute URL."""
        parts = urlsplit(url)
        self.protocol = f"{parts.scheme}:"
        self.hostname = parts.hostname or ""
        port = str(parts.port) if parts.port is not None else ""
        self.port = "" if _DEFAULT_PORTS.get(self.protocol) == port else port
        self.pathname = parts.path or "/"
        self.search_params = URLSearchParams(parts.query)
        self.hash = f"#{parts.fragment}" if parts.fragment else ""
        self.base_path = base_path

    @property
    def host(self) -> str:
        """`hostname:port`, or just the hostname on the default port."""
        # An IPv6 address keeps its brackets, as a browser's URL parser writes it.
        hostname = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        return f"{hostname}:{self.port}" if self.port else hostname

    @property
    def origin(self) -> str:
        """`protocol//host`."""
        return f"{self.protocol}//{self.host}"

    @property
    def search(self) -> str:
        """The serialised search params after a "?", or "" when there are none."""
        query = str(self.search_params)
        return f"?{query}" if query else ""

    @search.setter
    def search(self, value: str) -> None:
        self.search_params = URLSearchParams(value)

    @property
    def href(self) -> str:
        """The whole URL."""
        return f"{self.origin}{self.base_path}{self.pathname}{self.search}{self.hash}"

    def clone(self) -> NextURL:
        """Return an independent copy, to change and pass to a redirect or rewrite."""
        url = NextURL.from_parts(self.protocol, self.hostname, self.port, self.pathname, "")
        url.search_params = URLSearchParams(list(self.search_params.items()))
        url.hash = self.hash
        url.base_path = self.base_path
        return url

    def __str__(self) -> str:
        return self.href

    def __repr__(self) -> str:
        return f"NextURL({self.href!r})"


def _parse_query(query: str) -> list[tuple[str, str]]:
    # PERF: parse_qsl's generality costs several microseconds a request (bench S3); this is
    # the WHATWG urlencoded parser: "&" separates, "+" is a space, bad escapes stay literal.
    pairs: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((decode_query_component(name), decode_query_component(value)))
    return pairs


def decode_query_component(text: str) -> str:
    """Decode one name or value of a query string, as WHATWG does.

    "+" is a space, bad escapes stay as written, bytes that are not UTF-8 read as U+FFFD.

    >>> decode_query_component("a+b%21%ZZ")
    'a b!%ZZ'
    """
    if "+" in text:
        text = text.replace("+", " ")
    return unquote(text, errors="replace") if "%" in text else text


def _encode(text: str) -> str:
    # WHATWG's urlencoded serializer keeps only alphanumerics and "*-._" unescaped.
    return quote_plus(text, safe="*").replace("~", "%7E")
