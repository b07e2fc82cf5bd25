"""Every exception approutes raises, in one tree.

```
ApproutesError
├── ConfigurationError        stops start-up; names the file (and key); never becomes a response
│   ├── SettingsError         approutes.toml, pyproject, APPROUTES_* values
│   ├── RouteTreeError        app/ tree conflicts
│   ├── RouteModuleError      import failure, no handler, bad segment config
│   └── ManifestError         .approutes/manifest.json missing pieces or out of date
├── HTTPError                 public; status + message (+ headers) -> JSON response
│   ├── BadRequest            400 (invalid JSON, malformed form, undecodable path)
│   ├── RouteNotFound         404
│   ├── MethodNotAllowed      405, carries the Allow header
│   ├── RequestTimeout        408 (a body that stalls past body_timeout)
│   ├── PayloadTooLarge       413
│   ├── UpgradeRequired       426 (plain HTTP to a WebSocket-only route)
│   └── GatewayTimeout        504 (max_duration)
├── HandlerReturnError        a handler returned something that is not a response (-> 500)
├── DynamicUsageError         a dynamic = "error" route read request data (-> 500)
├── ClientDisconnected        the client went away mid-body (the request is dropped)
├── WebSocketDisconnect       public; the socket is closed (by the client, a limit, or the server)
├── OutsideRequestError       headers() / cookies() / after() called with no request
├── ChannelOverflow           a channel subscription fell max_pending messages behind; ended
└── MissingExtraError         an optional piece is not installed; names the extra to install

ControlFlowSignal (BaseException)    raised by redirect() / not_found(); not errors
├── RedirectSignal
└── NotFoundSignal
```
"""

from __future__ import annotations

import importlib.util
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

__all__ = [
    "ApproutesError",
    "BadRequest",
    "ChannelOverflow",
    "ClientDisconnected",
    "ConfigurationError",
    "ControlFlowSignal",
    "DynamicBailout",
    "DynamicUsageError",
    "GatewayTimeout",
    "HTTPError",
    "HandlerReturnError",
    "ListenError",
    "ManifestError",
    "MethodNotAllowed",
    "MissingExtraError",
    "NotFoundSignal",
    "OutsideRequestError",
    "PayloadTooLarge",
    "RedirectSignal",
    "RequestTimeout",
    "RouteModuleError",
    "RouteNotFound",
    "RouteTreeError",
    "SettingsError",
    "UpgradeRequired",
    "WebSocketDisconnect",
]


class ApproutesError(Exception):
    """Base of every exception approutes raises on purpose."""


class ConfigurationError(ApproutesError):
    """A project that cannot start: names the file, the problem and the fix."""

    def __init__(
        self,
        *,
        code: str,
        problem: str,
        files: Sequence[Path | str] = (),
        fix: str = "",
    ) -> None:
        """Describe what is wrong, where, and what to do about it."""
        self.code = code
        self.problem = problem
        self.files = tuple(str(f) for f in files)
        self.fix = fix
        super().__init__(self.render())

    def render(self) -> str:
        """Return the multi-line message the CLI prints."""
        lines = [f"{self.title} ({self.code})"]
        lines.extend(f"  {f}" for f in self.files)
        lines.append(f"  {_sentence(self.problem)}")
        if self.fix:
            lines.append(f"  Fix: {_sentence(self.fix)}")
        lines.append(f"  More: docs/errors/{self.code}.md")
        return "\n".join(lines)

    def cause_traceback(self) -> str:
        """The traceback of the user's exception this wraps (a file that raised), or "".

        Printed above `render()`, whose fix may point at "the traceback above".
        """
        cause = self.__cause__
        if cause is None or isinstance(cause, ConfigurationError):
            return ""
        return "".join(traceback.format_exception(cause)).rstrip()

    title = "invalid configuration"


class SettingsError(ConfigurationError):
    """A settings value is wrong; names the file and the key."""

    title = "cannot load the settings"


class RouteTreeError(ConfigurationError):
    """The app/ tree cannot become a route table; names both files."""

    title = "cannot load the route tree"


class RouteModuleError(ConfigurationError):
    """A route module cannot be used: import failure, no handler, bad segment config."""

    title = "cannot load a route module"


class ManifestError(ConfigurationError):
    """The build manifest does not match the project on disk."""

    title = "cannot use the build manifest"


class HTTPError(ApproutesError):
    """Raise from a handler to answer with a status and a JSON error body.

    Args:
        status: HTTP status code, 400-599.
        message: Text for the `error` field of the JSON body.
        headers: Extra response headers.

    Example:
        raise HTTPError(409, "Email already registered")

    Next.js: no equivalent; Next users return `NextResponse.json(..., {status})`.
    """

    def __init__(
        self, status: int, message: str = "", headers: Mapping[str, str] | None = None
    ) -> None:
        """Keep the status, message and headers for the error response."""
        self.status = status
        self.message = message or _default_message(status)
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(self.message)


class BadRequest(HTTPError):
    """400: the request cannot be understood (invalid JSON, malformed form)."""

    def __init__(self, message: str = "Bad Request") -> None:
        """Answer 400 with `message`."""
        super().__init__(400, message)


class RouteNotFound(HTTPError):
    """404: no route matches the path."""

    def __init__(self) -> None:
        """Answer 404 Not Found."""
        super().__init__(404, "Not Found")


class MethodNotAllowed(HTTPError):
    """405: the route exists but does not export the method."""

    def __init__(self, allow: str) -> None:
        """Answer 405 with the route's `Allow` header."""
        super().__init__(405, "Method Not Allowed", {"allow": allow})


class PayloadTooLarge(HTTPError):
    """413: the body is over its limit; reading stopped there."""

    def __init__(self) -> None:
        """Answer 413 Payload Too Large."""
        super().__init__(413, "Payload Too Large")


class RequestTimeout(HTTPError):
    """408: the client stopped sending its body for longer than the body timeout."""

    def __init__(self) -> None:
        """Answer 408 Request Timeout."""
        super().__init__(408, "Request Timeout")


class GatewayTimeout(HTTPError):
    """504: the handler ran longer than its `max_duration`."""

    def __init__(self) -> None:
        """Answer 504 Gateway Timeout."""
        super().__init__(504, "Gateway Timeout")


class UpgradeRequired(HTTPError):
    """426: a plain HTTP request to a route whose GET takes only WebSocket upgrades."""

    def __init__(self) -> None:
        """Answer 426, naming the protocol to upgrade to."""
        super().__init__(
            426,
            "This route takes WebSocket connections only",
            headers={"upgrade": "websocket", "connection": "Upgrade"},
        )


class HandlerReturnError(ApproutesError):
    """A handler returned something that is not a response; logged, answered 500."""

    def __init__(self, file: str, problem: str) -> None:
        """Name the route file and say what was returned."""
        self.file = file
        super().__init__(f"{file}: {problem}")


class DynamicUsageError(ApproutesError):
    """A route with `dynamic = "error"` read request data; logged, answered 500."""

    def __init__(self, what: str, route_file: str) -> None:
        """Name what was read, and the route file."""
        super().__init__(
            f'{route_file} read {what}, but it sets dynamic = "error", so it is rendered once '
            'without a request: remove the read, or set dynamic = "force-dynamic"'
        )


class DynamicBailout(BaseException):
    """A `dynamic = "auto"` route read request data while rendered without a request.

    Next's dynamic bail-out (DynamicServerError): the render is abandoned and the route is
    served per request from then on. Derives from BaseException so that a handler's
    `except Exception:` cannot swallow it.
    """

    def __init__(self, what: str, route_file: str) -> None:
        """Name what was read, and the route file."""
        self.what = what
        self.route_file = route_file
        super().__init__(f"{route_file} read {what} while rendered without a request")


class ClientDisconnected(ApproutesError):
    """The client went away before the body was read; nothing is sent."""


class WebSocketDisconnect(ApproutesError):
    """The WebSocket is closed: the client left, a limit closed it, or the server is stopping.

    Raised by `WebSocket.receive()` and `send()`; `async for message in socket` ends on it
    instead. A handler that lets it propagate ends normally (nothing is logged).

    Attributes:
        code: The close code (1000 normal, 1001 going away, 1006 the connection dropped,
            1009 a message over the size limit, ...).
        reason: The close reason, when one was given.
    """

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        """Carry the close code and reason."""
        self.code = code
        self.reason = reason
        super().__init__(f"WebSocket closed ({code}{': ' + reason if reason else ''})")


class OutsideRequestError(ApproutesError, RuntimeError):
    """A request helper was called while no request is being handled."""


class ChannelOverflow(ApproutesError):
    """A channel subscription fell `max_pending` messages behind and was ended.

    Raised by the subscription's iteration (`approutes.channels.subscribe`): the messages
    still pending were dropped with it, so a slow reader never makes memory grow.

    >>> str(ChannelOverflow("room:1", 256))
    "the subscription to channel 'room:1' fell 256 messages behind (max_pending) and was ended"
    """

    def __init__(self, name: str, max_pending: int) -> None:
        """Name the channel and the bound it reached."""
        self.name = name
        self.max_pending = max_pending
        super().__init__(
            f"the subscription to channel {name!r} fell {max_pending} messages behind "
            "(max_pending) and was ended"
        )


class MissingExtraError(ApproutesError, ModuleNotFoundError):
    """An optional dependency is not installed: one line naming the extra that brings it.

    >>> str(MissingExtraError("--server granian", module="granian", extra="granian"))
    "--server granian needs granian, which is not installed: pip install 'approutes[granian]'"
    """

    def __init__(self, what: str, *, module: str, extra: str) -> None:
        """`what` needs `module`, which `pip install 'approutes[extra]'` installs."""
        super().__init__(
            f"{what} needs {module}, which is not installed: pip install 'approutes[{extra}]'",
            name=module,
        )
        self.extra = extra

    @classmethod
    def check(cls, what: str, *, module: str, extra: str) -> None:
        """Raise if `module` cannot be imported here (without importing it).

        Raises:
            MissingExtraError: `module` is not installed.
        """
        if importlib.util.find_spec(module) is None:
            raise cls(what, module=module, extra=extra)


class ListenError(ApproutesError):
    """The server cannot listen on its address (a port in use); the message is one line."""


class ControlFlowSignal(BaseException):
    """Ends a handler early with a response.

    NOTE: derives from BaseException so that a user's `except Exception:` around
    `redirect()` cannot swallow it (a trap Next's docs warn about).
    """


class RedirectSignal(ControlFlowSignal):
    """Raised by `redirect()` and `permanent_redirect()`."""

    def __init__(self, url: str, status: int) -> None:
        """Carry the target URL and the redirect status."""
        self.url = url
        self.status = status
        super().__init__(url)


class NotFoundSignal(ControlFlowSignal):
    """Raised by `not_found()`."""


class AccessDeniedSignal(ControlFlowSignal):
    """Raised by `forbidden()` (403) and `unauthorized()` (401, with its challenge)."""

    def __init__(self, status: int, headers: Mapping[str, str]) -> None:
        """Carry the status and the headers of the answer."""
        self.status = status
        self.headers = dict(headers)
        super().__init__(status)


_MESSAGES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Content",
    426: "Upgrade Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _default_message(status: int) -> str:
    return _MESSAGES.get(status, "Error")


def _sentence(text: str) -> str:
    # NOTE: no capitalising: problems often start with a name the user wrote (revalidate = ...).
    text = text.strip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."
