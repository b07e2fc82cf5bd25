"""The `Location` header's value: a URL serialised to ASCII, as a browser's URL parser does.

A header value is bytes on the wire; a redirect target such as `/café` or `/日本` is text.
WHATWG URL serialisation percent-encodes what is not ASCII as UTF-8 and turns a non-ASCII
host into its IDNA (punycode) form; this module does the same, and nothing else: ASCII,
existing `%XX` escapes included, is kept exactly as written.
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["encode_location"]

_AUTHORITY = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//([^/?#]*)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_PORT = re.compile(r":[0-9]*\Z")


def encode_location(url: str) -> str:
    """Return `url` with every non-ASCII character encoded, ready to send as `Location`.

    >>> encode_location("/café?q=日本#é")
    '/caf%C3%A9?q=%E6%97%A5%E6%9C%AC#%C3%A9'
    >>> encode_location("/a%20b/%E6%97%A5")
    '/a%20b/%E6%97%A5'
    >>> encode_location("https://bücher.example:8443/ü")
    'https://xn--bcher-kva.example:8443/%C3%BC'

    Raises:
        ValueError: the host cannot be IDNA-encoded, or the text holds a lone surrogate.
    """
    if url.isascii():
        return url
    try:
        found = _AUTHORITY.match(url)
        if found is None or found.group(1).isascii():
            return _NON_ASCII.sub(_percent, url)
        start, end = found.span(1)
        return (
            _NON_ASCII.sub(_percent, url[:start])
            + _host(found.group(1))
            + (_NON_ASCII.sub(_percent, url[end:]))
        )
    except UnicodeError as exc:
        raise ValueError(
            f"header location value {url!r} cannot be sent: {exc}; give an ASCII URL"
        ) from None


def _percent(found: re.Match[str]) -> str:
    return quote(found.group(), safe="")


def _host(authority: str) -> str:
    userinfo, at, host_port = authority.rpartition("@")
    port = _PORT.search(host_port)
    host = host_port[: port.start()] if port else host_port
    encoded = host.encode("idna").decode("ascii")
    return _NON_ASCII.sub(_percent, userinfo) + at + encoded + (port.group() if port else "")
