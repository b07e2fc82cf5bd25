"""uvicorn's WebSocket protocol (websockets, sans-I/O), closing with 1001 when the server stops.

uvicorn closes each open socket with 1012 ("service restart") as it shuts down. approutes
promises 1001 ("going away"), RFC 6455's code for a server going down, on both servers; the
handler sees the close as any other (`async for` ends, its `finally` runs) and the client
gets the code at once, well within the graceful bound.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from approutes.cli.going_away import GOING_AWAY

__all__ = ["GoingAwayWebSocketProtocol"]


class GoingAwayWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol; an open socket is closed with 1001 on shutdown."""

    def shutdown(self) -> None:
        """Close an open socket with 1001; anything else as uvicorn does."""
        if self.handshake_complete and self.initial_response is None and not self.close_sent:
            self.stop_keepalive()
            self.queue.put_nowait({"type": "websocket.disconnect", "code": GOING_AWAY})
            self.conn.send_close(GOING_AWAY, "server stopping")
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.close_sent = True
            self.transport.close()
            return
        super().shutdown()
