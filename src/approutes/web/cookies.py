"""Cookie, RequestCookies (the Cookie header) and ResponseCookies (Set-Cookie lines)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate
from typing import TYPE_CHECKING, Literal, TypedDict, Unpack
from urllib.parse import quote, unquote

from approutes.web.headers import write_cookie_header

if TYPE_CHECKING:
    from collections.abc import Iterator

    from approutes.web.headers import Headers

__all__ = [
    "Cookie",
    "CookieAttributes",
    "Priority",
    "RequestCookies",
    "ResponseCookies",
    "SameSite",
    "serialize_cookie",
]

SameSite = Literal["lax", "strict", "none"]
Priority = Literal["low", "medium", "high"]

_PAIR_SEPARATOR = re.compile(r"; *")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# encodeURIComponent leaves these unescaped.
_URI_COMPONENT_SAFE = "-_.!~*'()"


class CookieAttributes(TypedDict, total=False):
    """The attributes of a Set-Cookie line, as keyword arguments of `cookies.set(...)`."""

    max_age: int | None
    expires: datetime | float | None
    path: str | None
    domain: str | None
    secure: bool
    http_only: bool
    same_site: SameSite | None
    partitioned: bool
    priority: Priority | None


@dataclass(frozen=True, slots=True)
class Cookie:
    """One cookie: its name and (decoded) value."""

    name: str
    value: str


class RequestCookies:
    """The cookies a request carries, parsed from its Cookie header(s) on first use.

    Example:
        >>> cookies = RequestCookies("theme=dark; session=a%20b; flag")
        >>> cookies.get("session")
        Cookie(name='session', value='a b')
        >>> cookies.get("flag").value, cookies.has("nope"), len(cookies)
        ('true', False, 3)
        >>> cookies.set("theme", "light")
        >>> str(cookies)
        'theme=light; session=a%20b; flag=true'

    Next.js: same parser as `request.cookies` (the last duplicate wins, a bare name reads
    as "true", values are percent-decoded). `set`, `delete` and `clear` rewrite the
    request's `Cookie` header, as Next's do: in `proxy.py`, forward them to the route with
    `NextResponse.next(request_headers=request.headers)`.
    """

    __slots__ = ("_headers", "_map")

    def __init__(self, header: str | None, headers: Headers | None = None) -> None:
        """Parse a Cookie header value ("a=1; b=2"); changes are written to `headers`."""
        self._map: dict[str, str] = _parse_cookie_header(header or "")
        self._headers = headers

    def get(self, name: str) -> Cookie | None:
        """Return the cookie called `name`, or None."""
        value = self._map.get(name)
        return None if value is None else Cookie(name, value)

    def get_all(self, name: str | None = None) -> list[Cookie]:
        """Return every cookie, or only the one called `name`."""
        return [Cookie(k, v) for k, v in self._map.items() if name is None or k == name]

    def has(self, name: str) -> bool:
        """Return True when a cookie called `name` was sent."""
        return name in self._map

    def set(self, name: str, value: str) -> None:
        """Set the cookie `name` on this request (its `Cookie` header follows).

        Raises:
            ValueError: `name` is not an HTTP token.
        """
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"cookie name {name!r} is not a valid HTTP token")
        self._map[name] = value
        self._write()

    def delete(self, name: str) -> bool:
        """Remove the cookie `name` from this request; whether it was there."""
        found = self._map.pop(name, None) is not None
        if found:
            self._write()
        return found

    def clear(self) -> None:
        """Remove every cookie from this request."""
        self._map.clear()
        self._write()

    def _write(self) -> None:
        if self._headers is not None:
            write_cookie_header(self._headers, str(self))

    def __str__(self) -> str:
        """The cookies as a `Cookie` header value, values encoded as Next encodes them."""
        return "; ".join(
            f"{name}={quote(value, safe=_URI_COMPONENT_SAFE)}" for name, value in self._map.items()
        )

    def __len__(self) -> int:
        return len(self._map)

    def __iter__(self) -> Iterator[Cookie]:
        return iter(self.get_all())

    def __repr__(self) -> str:
        return f"RequestCookies({self._map!r})"


class ResponseCookies:
    """Set-Cookie lines of a response, read and written through its Headers.

    Example:
        >>> from approutes import Headers
        >>> headers = Headers()
        >>> cookies = ResponseCookies(headers)
        >>> cookies.set("session", "t 1", http_only=True)
        >>> headers.get_all("set-cookie")
        ['session=t%201; Path=/; HttpOnly']
        >>> cookies.get("session")
        Cookie(name='session', value='t 1')
    """

    __slots__ = ("_headers",)

    def __init__(self, headers: Headers) -> None:
        """Work on the Set-Cookie lines of `headers`."""
        self._headers = headers

    def set(self, name: str, value: str, **attributes: Unpack[CookieAttributes]) -> None:
        """Set a cookie, replacing an earlier one of the same name on this response.

        Args:
            name: The cookie's name (an HTTP token).
            value: Its value; percent-encoded as `encodeURIComponent` does.
            **attributes: `max_age`, `expires`, `path` (default "/"), `domain`, `secure`,
                `http_only`, `same_site`, `partitioned`, `priority` ("low", "medium",
                "high").

        Raises:
            ValueError: a name that is not an HTTP token, or an attribute with a line break
                or ";" in it.
        """
        line = serialize_cookie(name, value, **attributes)
        self._remove(name)
        self._headers.append("set-cookie", line)

    def get(self, name: str) -> Cookie | None:
        """Return the cookie this response sets under `name`, or None."""
        for cookie in self.get_all():
            if cookie.name == name:
                return cookie
        return None

    def get_all(self, name: str | None = None) -> list[Cookie]:
        """Return every cookie this response sets, or only those called `name`."""
        out = []
        for line in self._headers.get_all("set-cookie"):
            key, _, rest = line.partition("=")
            if name is None or key == name:
                out.append(Cookie(key, unquote(rest.split(";", 1)[0])))
        return out

    def has(self, name: str) -> bool:
        """Return True when this response sets a cookie called `name`."""
        return self.get(name) is not None

    def delete(self, name: str, *, path: str = "/", domain: str | None = None) -> None:
        """Tell the client to drop the cookie `name` (empty value, expired in 1970)."""
        self.set(name, "", expires=0, path=path, domain=domain)

    def clear(self) -> None:
        """Send none of the cookies set on this response so far (nothing is expired)."""
        self._headers.delete("set-cookie")

    def __str__(self) -> str:
        """The Set-Cookie lines of this response, joined by "; " (Next's `toString()`)."""
        return "; ".join(self._headers.get_all("set-cookie"))

    def _remove(self, name: str) -> None:
        lines = self._headers.get_all("set-cookie")
        keep = [line for line in lines if line.partition("=")[0] != name]
        if len(keep) != len(lines):
            self._headers.delete("set-cookie")
            for line in keep:
                self._headers.append("set-cookie", line)

    def __repr__(self) -> str:
        return f"ResponseCookies({self.get_all()!r})"


def serialize_cookie(name: str, value: str, **attributes: Unpack[CookieAttributes]) -> str:
    """Write one Set-Cookie value, attributes in Next's order.

    >>> serialize_cookie("theme", "dark")
    'theme=dark; Path=/'
    >>> serialize_cookie("a", "", expires=0)
    'a=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT'
    >>> serialize_cookie("s", "1", same_site="strict", secure=True)
    's=1; Path=/; Secure; SameSite=strict'
    >>> serialize_cookie("p", "1", http_only=True, priority="high")
    'p=1; Path=/; HttpOnly; Priority=high'
    """
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"cookie name {name!r} is not a valid HTTP token")
    unknown = attributes.keys() - CookieAttributes.__annotations__.keys()
    if unknown:
        raise TypeError(f"unknown cookie attribute(s): {', '.join(sorted(unknown))}")
    path = attributes.get("path", "/")
    domain = attributes.get("domain")
    same_site = attributes.get("same_site")
    parts = [f"{name}={quote(value, safe=_URI_COMPONENT_SAFE)}"]
    if path:
        parts.append(f"Path={_attribute(path)}")
    parts.extend(_lifetime(attributes.get("expires"), attributes.get("max_age")))
    if domain:
        parts.append(f"Domain={_attribute(domain)}")
    if attributes.get("secure"):
        parts.append("Secure")
    if attributes.get("http_only"):
        parts.append("HttpOnly")
    if same_site:
        parts.append(f"SameSite={same_site.lower()}")
    if attributes.get("partitioned"):
        parts.append("Partitioned")
    priority = attributes.get("priority")
    if priority:
        parts.append(f"Priority={_attribute(priority)}")
    return "; ".join(parts)


def _lifetime(expires: datetime | float | None, max_age: int | None) -> list[str]:
    """The Expires and Max-Age attributes; a Max-Age alone also gives its Expires."""
    parts = []
    if max_age is not None and expires is None and max_age:
        expires = time.time() + max_age
    if expires is not None:
        stamp = expires.timestamp() if isinstance(expires, datetime) else float(expires)
        parts.append(f"Expires={formatdate(stamp, usegmt=True)}")
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    return parts


def _attribute(text: str) -> str:
    if any(c in text for c in ";\r\n"):
        raise ValueError(f"cookie attribute {text!r} contains ';' or a line break")
    return text


def _parse_cookie_header(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in _PAIR_SEPARATOR.split(header):
        if not pair:
            continue
        name, sep, value = pair.partition("=")
        if not sep:
            out[pair] = "true"
            continue
        if "%" in value:
            # COMPAT(next): a value decodeURIComponent rejects is skipped.
            if _BAD_ESCAPE.search(value):
                continue
            try:
                value = unquote(value, errors="strict")
            except UnicodeDecodeError:
                continue
        out[name] = value
    return out
