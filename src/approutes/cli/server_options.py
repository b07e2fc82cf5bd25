"""The options `approutes start` gives uvicorn, in the serving process or in its supervisor.

NOTE: standard library only at import: the supervisor (`supervisor.py`) imports this module,
and should hold nothing of approutes it does not use.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

__all__ = ["ServerLimits", "has_module", "uvicorn_options"]

_UVICORN_PROTOCOL = "approutes.cli.uvicorn_protocol:HeadLimitedHttpToolsProtocol"
_UVICORN_WEBSOCKET = "approutes.cli.uvicorn_websocket:GoingAwayWebSocketProtocol"


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """What the server itself bounds: request heads, WebSocket messages, and its pings.

    NOTE: granian has no settings for WebSocket messages or pings: approutes refuses a
    message over the route's limit (1009) once granian has read it, and granian answers a
    client's pings but sends none (the idle timeout closes a silent socket).
    """

    max_header_size: int
    largest_message: int
    ping_interval: float | None


def has_module(name: str) -> bool:
    """Whether `name` can be imported here (uvloop and httptools do not install everywhere)."""
    return importlib.util.find_spec(name) is not None


def uvicorn_options(
    limits: ServerLimits, graceful_timeout: int, log_config: dict[str, Any]
) -> dict[str, Any]:
    """The keyword arguments of `uvicorn.Config` (and `uvicorn.run`) that approutes sets.

    Uvloop where it is installed, else asyncio's loop; the head-bounded httptools protocol,
    else h11 (bounded by the same setting, 400 past it); approutes' WebSocket protocol where
    `websockets` is installed.
    """
    return {
        "loop": "uvloop" if has_module("uvloop") else "asyncio",
        # SECURITY: uvicorn's own httptools protocol keeps a head of any length in memory.
        "http": _UVICORN_PROTOCOL if has_module("httptools") else "h11",
        "h11_max_incomplete_event_size": limits.max_header_size,  # the bound of the protocol
        **_uvicorn_websockets(limits),
        "access_log": False,  # NOTE: approutes logs its own access lines (approutes.access)
        "log_level": "warning",  # approutes prints its own start-up line
        "log_config": log_config,
        "lifespan": "on",
        "server_header": False,
        # SECURITY: approutes reads X-Forwarded-For itself, only with the trust_proxy setting.
        "proxy_headers": False,
        "timeout_graceful_shutdown": graceful_timeout,
    }


def _uvicorn_websockets(limits: ServerLimits) -> dict[str, Any]:
    """The WebSocket options of uvicorn: approutes' protocol, where `websockets` is installed."""
    if not has_module("websockets"):
        return {}
    return {
        "ws": _UVICORN_WEBSOCKET,
        "ws_max_size": limits.largest_message,
        "ws_ping_interval": limits.ping_interval,
        "ws_ping_timeout": limits.ping_interval,
        # PERF: no permessage-deflate, as granian (and Node's ws by default): a compressor
        # and decompressor per socket cost memory the allocator keeps (1,000 sockets: RSS
        # +70 MiB after they closed, growing each time; without: +22 MiB, reused).
        "ws_per_message_deflate": False,
    }
