"""Internal: the hub shared by every instance using one Redis server (pub/sub).

One process holds one subscribed connection, shared by all its subscriptions: a channel is
SUBSCRIBEd when its first local subscription joins and UNSUBSCRIBEd when its last one
leaves. One listener task reads that connection and puts each message in the inboxes of its
channel. Messages are published over a separate, ordinary client.

A lost connection is logged once (a warning on the `approutes.server` logger); a supervisor
task reconnects with a capped exponential backoff, subscribes again to every channel that
still has local subscriptions, and logs one line when done. While the connection is down,
`publish` drops its message without trying: at most once, never a growing buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from approutes.channels.wire import channel_key, channel_name, decode_message, encode_message
from approutes.errors import MissingExtraError
from approutes.log import redact_url, server_log

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from redis.asyncio import Redis
    from redis.asyncio.connection import ConnectionPool

    from approutes.channels.inbox import Inbox

__all__ = ["RedisHub"]


class _Connection(Protocol):
    """What the hub uses of a redis-py connection (some of its methods are untyped)."""

    async def connect(self) -> None: ...
    async def send_command(self, *args: Any, **kwargs: Any) -> None: ...
    async def read_response(self) -> Any: ...
    async def disconnect(self, nowait: bool = False) -> None: ...


class _Channel:
    """A channel with local subscriptions, and the state of its SUBSCRIBE."""

    __slots__ = ("confirmed", "inboxes", "sent_on")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.inboxes: set[Inbox] = set()
        # NOTE: done once Redis confirmed the SUBSCRIBE (or the connection was lost, so that
        # nobody waits on a server that is not there).
        self.confirmed: asyncio.Future[None] = loop.create_future()
        self.sent_on: object | None = None


class RedisHub:
    """Carries channel messages between every process subscribed to one Redis server.

    Connections open lazily, in the running event loop, on first use; `close` ends them
    (create_app calls it at shutdown), and a later use starts again.

    Args:
        url: `redis://`, `rediss://` (TLS) or `unix://` (a socket path) URL.
        name: How log lines name the server; by default the URL without its password.
        sleep: Waits between reconnection attempts (tests pass a quicker one).
        first_delay: Seconds before the first reconnection attempt; doubled after each
            failure, up to `max_delay`.
        max_delay: The longest wait between two attempts.
        connect_timeout: Seconds to wait for a connection.
        timeout: Seconds to wait for a PUBLISH, or a SUBSCRIBE, to be answered.
        retry_after: Seconds during which `publish` drops without trying after a PUBLISH
            failed, so that a server that stopped answering costs requests nothing.

    Raises:
        MissingExtraError: the `redis` package is not installed (`approutes[redis]`).
        ValueError: `url` is not a Redis URL.

    Example:
        hub = RedisHub("redis://cache.internal:6379/0")
    """

    def __init__(
        self,
        url: str,
        *,
        name: str | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        first_delay: float = 0.1,
        max_delay: float = 5.0,
        connect_timeout: float = 0.5,
        timeout: float = 1.0,
        retry_after: float = 1.0,
    ) -> None:
        """Check the URL and make the connection pool; nothing connects yet."""
        redis_asyncio, retry, redis_error = _import_redis()
        self.url = url
        self.name = redact_url(url) if name is None else name
        self._redis = redis_asyncio
        self._retry = retry
        self._errors: tuple[type[Exception], ...] = (OSError, redis_error)
        self._sleep = sleep
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._connect_timeout = connect_timeout
        self._timeout = timeout
        self._retry_after = retry_after
        self._skip_until = 0.0
        # NOTE: the listening connection blocks on reads for as long as no message comes:
        # no socket timeout. Only make_connection() is used: the pool never holds it.
        # RESP2, where pub/sub messages are ordinary replies (RESP3 hands them to the
        # client's push handlers, which differ between redis-py versions).
        self._pool: ConnectionPool = redis_asyncio.ConnectionPool.from_url(
            url,
            socket_connect_timeout=connect_timeout,
            socket_timeout=None,
            retry=retry(0),
            protocol=2,
        )
        self._channels: dict[str, _Channel] = {}
        self._awaiting: dict[str, deque[asyncio.Future[None]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._publisher: Redis | None = None
        self._connection: _Connection | None = None
        self._up: asyncio.Event | None = None
        self._listener_down = False
        self._down = False

    def __repr__(self) -> str:
        """Name the server, without its password."""
        return f"RedisHub({self.name!r})"

    async def publish(self, name: str, message: str | bytes) -> None:
        """PUBLISH `message` to `name`; dropped while Redis is down (the warning covers it)."""
        publisher = self._start()
        if self._listener_down or (self._skip_until and time.monotonic() < self._skip_until):
            return
        try:
            await publisher.publish(channel_key(name), encode_message(message))
        except self._errors as exc:
            self._skip_until = time.monotonic() + self._retry_after
            self._went_down(exc)
            return
        self._skip_until = 0.0
        self._came_back()

    async def join(self, name: str, inbox: Inbox) -> None:
        """Subscribe `inbox` to `name`; returns once Redis confirmed the SUBSCRIBE.

        While Redis is down it returns at once, and after `timeout` seconds without an
        answer: the channel is subscribed (again) when Redis is back.
        """
        self._start()
        loop = asyncio.get_running_loop()
        channel = self._channels.get(name)
        if channel is None:
            channel = self._channels[name] = _Channel(loop)
            channel.inboxes.add(inbox)
            connection = self._connection
            if connection is not None:
                await self._send_subscribe(connection, name, channel)
        else:
            channel.inboxes.add(inbox)
        if not self._listener_down:
            # NOTE: shielded: the future is shared by every subscription that joined while
            # the SUBSCRIBE was on its way; one of them giving up must not cancel it. A
            # server that does not answer in `timeout` holds nobody up: the subscription
            # stays registered, and is active once the confirmation comes.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(channel.confirmed), self._timeout)

    async def leave(self, name: str, inbox: Inbox) -> None:
        """Unsubscribe `inbox`; the last subscription of a channel UNSUBSCRIBEs it."""
        channel = self._channels.get(name)
        if channel is None or inbox not in channel.inboxes:
            return
        channel.inboxes.discard(inbox)
        if channel.inboxes:
            return
        del self._channels[name]
        connection = self._connection
        if connection is not None and channel.sent_on is connection:
            with contextlib.suppress(*self._errors):
                await connection.send_command("UNSUBSCRIBE", channel_key(name))

    async def close(self) -> None:
        """Stop the listener, close both connections and end every subscription."""
        supervisor, self._supervisor = self._supervisor, None
        publisher, self._publisher = self._publisher, None
        if supervisor is not None and supervisor.get_loop() is _running_loop():
            supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await supervisor
        if publisher is not None:
            with contextlib.suppress(*self._errors):
                await publisher.aclose()
        self._lost()
        channels, self._channels = self._channels, {}
        for channel in channels.values():
            for inbox in channel.inboxes:
                inbox.close()
        self._loop = None
        self._up = None
        self._listener_down = False
        self._down = False
        self._skip_until = 0.0

    async def wait_up(self) -> None:
        """Wait until the hub is connected and every channel with subscribers is subscribed.

        For tests, and for a caller that must not publish before Redis is reachable.
        """
        self._start()
        if self._up is not None:
            await self._up.wait()

    @property
    def is_down(self) -> bool:
        """Whether Redis was found unreachable and has not been reached since."""
        return self._down

    def subscriber_count(self, name: str) -> int:
        """How many subscriptions `name` has in this process."""
        channel = self._channels.get(name)
        return 0 if channel is None else len(channel.inboxes)

    def _start(self) -> Redis:
        """The publishing client; starts the supervisor in this event loop if not running."""
        loop = asyncio.get_running_loop()
        if self._loop is loop and self._publisher is not None:
            return self._publisher
        if self._loop is not None:
            # NOTE: used from another event loop than before (without close()): the tasks,
            # futures and connections of the old one cannot be used here; start afresh.
            self._connection = None
            self._awaiting.clear()
            for channel in self._channels.values():
                channel.sent_on = None
                channel.confirmed = loop.create_future()
        self._loop = loop
        self._up = asyncio.Event()
        self._listener_down = False
        publisher: Redis = self._redis.Redis.from_url(
            self.url,
            socket_connect_timeout=self._connect_timeout,
            socket_timeout=self._timeout,
            # NOTE: one retry, at once: it reconnects a pooled connection that a Redis
            # restart closed.
            retry=self._retry(1),
        )
        self._publisher = publisher
        self._supervisor = loop.create_task(self._supervise(), name=f"channels {self.name}")
        return publisher

    async def _supervise(self) -> None:
        """Connect, listen until the connection fails, wait, again; until cancelled."""
        delay = self._first_delay
        while True:
            # NOTE: a connection of its own, outside the pool's accounting.
            connection: _Connection = self._pool.make_connection()  # type: ignore[no-untyped-call]
            try:
                await connection.connect()
                delay = self._first_delay
                await self._listen(connection)
            except Exception as exc:  # noqa: BLE001 - whatever ends the connection, reconnect
                self._lost()
                self._listener_down = True
                self._went_down(exc)
            finally:
                self._connection = None
                with contextlib.suppress(*self._errors):
                    await connection.disconnect(nowait=True)
            await self._sleep(delay)
            delay = min(delay * 2, self._max_delay)

    async def _listen(self, connection: _Connection) -> None:
        """Subscribe the channels with subscribers, then hand each message to its inboxes."""
        self._connection = connection
        for name, channel in list(self._channels.items()):
            if channel.sent_on is not connection and self._channels.get(name) is channel:
                await self._send_subscribe(connection, name, channel)
        self._check_up()
        while True:
            reply = await connection.read_response()
            if not isinstance(reply, list) or len(reply) != 3:
                continue
            kind, key, payload = reply
            if kind == b"message":
                self._deliver(key, payload)
            elif kind == b"subscribe":
                self._confirm(key)
                self._check_up()

    async def _send_subscribe(self, connection: _Connection, name: str, channel: _Channel) -> None:
        if channel.confirmed.done():
            channel.confirmed = asyncio.get_running_loop().create_future()
        channel.sent_on = connection
        self._awaiting.setdefault(name, deque()).append(channel.confirmed)
        # NOTE: a failure to send is the connection failing: the listener's read fails too,
        # and the supervisor subscribes again once it has reconnected.
        with contextlib.suppress(*self._errors):
            await connection.send_command("SUBSCRIBE", channel_key(name))

    def _confirm(self, key: object) -> None:
        name = channel_name(key) if isinstance(key, bytes) else None
        if name is None:
            return
        waiting = self._awaiting.get(name)
        if waiting:
            future = waiting.popleft()
            if not waiting:
                del self._awaiting[name]
            if not future.done():
                future.set_result(None)

    def _check_up(self) -> None:
        if self._awaiting or self._up is None or self._up.is_set():
            return
        self._listener_down = False
        self._skip_until = 0.0
        self._up.set()
        self._came_back()

    def _deliver(self, key: object, payload: object) -> None:
        name = channel_name(key) if isinstance(key, bytes) else None
        channel = None if name is None else self._channels.get(name)
        if channel is None or not isinstance(payload, bytes):
            return
        message = decode_message(payload)
        if message is None:
            return  # NOTE: published by something other than approutes; not ours to guess
        for inbox in tuple(channel.inboxes):
            inbox.put(message)

    def _lost(self) -> None:
        """Forget the subscribed connection: release whoever waits on its confirmations."""
        self._connection = None
        if self._up is not None:
            self._up.clear()
        for waiting in self._awaiting.values():
            for future in waiting:
                if not future.done():
                    future.set_result(None)
        self._awaiting.clear()
        for channel in self._channels.values():
            channel.sent_on = None
            if not channel.confirmed.done():
                channel.confirmed.set_result(None)

    def _went_down(self, exc: BaseException) -> None:
        if not self._down:
            self._down = True
            server_log.warning(
                "channels: Redis %s unreachable; messages published until it is back are "
                "dropped; reconnecting: %s",
                self.name,
                _describe(exc),
            )

    def _came_back(self) -> None:
        if self._down:
            self._down = False
            server_log.info("channels: Redis %s is back; publishing and receiving again", self.name)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # pragma: no cover - close() is a coroutine
        return None


def _import_redis() -> tuple[Any, Callable[[int], Any], type[Exception]]:
    """redis.asyncio, a function making a Retry of n immediate retries, and RedisError."""
    try:
        import redis.asyncio as redis_asyncio  # noqa: PLC0415 - optional, only for Redis
        from redis.asyncio.retry import Retry  # noqa: PLC0415
        from redis.backoff import NoBackoff  # noqa: PLC0415
        from redis.exceptions import RedisError  # noqa: PLC0415
    except ModuleNotFoundError as exc:
        raise MissingExtraError("channels over Redis", module="redis", extra="redis") from exc

    def retry(times: int) -> Any:
        return Retry(NoBackoff(), times)

    return redis_asyncio, retry, RedisError
