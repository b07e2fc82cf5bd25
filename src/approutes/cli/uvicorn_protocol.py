"""uvicorn's httptools protocol with a bound on the request head (request line and headers).

SECURITY: uvicorn's httptools protocol keeps every byte of an unfinished head: the URL and
each header value are joined in memory until the head ends, so a client can make a worker hold
any amount (two connections sending 64 MB of one header each raise its RSS by 126 MiB). Its
h11 protocol has `h11_max_incomplete_event_size`, but answers 400. This protocol counts the
bytes of each head as they arrive and, once they pass the bound before the head has ended,
answers `431` and closes the connection, before the parser keeps them.

The bound is uvicorn's `h11_max_incomplete_event_size` (the same meaning for h11), set by
`approutes start` from the `max_header_size` setting. A head is counted as granian counts it:
the request line, the header lines and the empty line, CRLFs included; a head of exactly the
bound is served.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    import asyncio

    from uvicorn.config import Config
    from uvicorn.server import ServerState

__all__ = ["DEFAULT_HEAD_LIMIT", "HeadLimitedHttpToolsProtocol"]

DEFAULT_HEAD_LIMIT = 16 * 1024
"""The bound when the config sets none: Node's default `maxHeaderSize`."""

_BODY = b'{"error":"Request Header Fields Too Large"}'  # approutes's JSON error shape
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: application/json\r\n"
    b"cache-control: no-store\r\n"
    b"content-length: " + str(len(_BODY)).encode() + b"\r\n"
    b"connection: close\r\n\r\n" + _BODY
)
_HEAD_END = b"\r\n\r\n"
# PERF: called directly, without super()'s lookup, on every read (bench S1-S6, uvicorn).
_data_received = HttpToolsProtocol.data_received


class HeadLimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering `431` to a head longer than the bound."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        """Set up as uvicorn does, with the bound from `config`."""
        super().__init__(config, server_state, app_state, _loop)
        self._head_limit = config.h11_max_incomplete_event_size or DEFAULT_HEAD_LIMIT
        self._counted: object = None  # the request cycle the count below follows
        self._head_bytes = 0  # bytes received since this head began

    def data_received(self, data: bytes) -> None:
        """Count the bytes of an unfinished head; refuse it once it is past the bound.

        PERF: no callback of the parser is overridden (they run on every request, bench
        S1-S6): bytes are a head's when no request body is still expected, which uvicorn's
        current request cycle tells; a new cycle since the last count starts a new head.
        """
        cycle: Any = self.cycle  # NOTE: None until the first head is complete
        if cycle is None or not cycle.more_body or cycle.response_complete:
            if cycle is not self._counted:
                self._counted = cycle
                self._head_bytes = 0
            self._head_bytes += len(data)
            if self._head_bytes > self._head_limit and self._head_too_large(data):
                if cycle is not None and cycle.more_body:
                    # NOTE: answered already, and the rest of its body is past the bound:
                    # close rather than read it (nothing more to tell the client).
                    self.transport.close()
                    return
                self._refuse_head()
                return
        _data_received(self, data)

    def _head_too_large(self, data: bytes) -> bool:
        """Whether the head goes past the bound, given its bytes so far end with `data`."""
        before = self._head_bytes - len(data)
        end = data.find(_HEAD_END)
        if end >= 0:
            return before + end + len(_HEAD_END) > self._head_limit
        # NOTE: the empty line may be split across the last two reads, so that this one
        # starts with its rest. If the head has not in fact ended, the next read refuses it:
        # `before` is then past the bound.
        if data.startswith(b"\n"):
            return before + 1 > self._head_limit
        if data.startswith(b"\r\n"):
            return before + 2 > self._head_limit
        return True

    def _refuse_head(self) -> None:
        self.transport.write(_TOO_LARGE)
        self.transport.close()
