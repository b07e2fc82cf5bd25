"""approutes.channels: publish/subscribe in one process, and across instances through Redis."""

from __future__ import annotations

import asyncio
import logging
import sys
import tracemalloc
from typing import TYPE_CHECKING

import pytest
import redis.asyncio
from tests.conftest import free_port, make_project
from tests.redis_server import running_redis_server

from approutes.channels import ChannelOverflow, publish, subscribe, use_channels
from approutes.channels import runtime as channels_runtime
from approutes.channels.memory_hub import MemoryHub
from approutes.channels.redis_hub import RedisHub
from approutes.errors import MissingExtraError
from approutes.testing import TestClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from approutes.channels import Subscription

pytestmark = pytest.mark.anyio

# NOTE: hang guards for awaits on a real server, not timings under test.
GUARD = 10.0


@pytest.fixture(autouse=True)
def own_hub() -> Iterator[None]:
    """Each test starts with the default (memory) hub and leaves the process's hub as it was."""
    before = channels_runtime._current
    channels_runtime._current = None
    yield
    channels_runtime._current = before


async def next_message(messages: Subscription) -> str | bytes:
    return await asyncio.wait_for(anext(messages), GUARD)


# --- in one process --------------------------------------------------------------------------


async def test_a_subscriber_gets_str_as_str_and_bytes_as_bytes() -> None:
    async with subscribe("room:1") as messages:
        await publish("room:1", "héllo")
        await publish("room:1", b"\x00\xff")
        assert await next_message(messages) == "héllo"
        got = await next_message(messages)
        assert isinstance(got, bytes)
        assert got == b"\x00\xff"


async def test_every_subscriber_of_a_name_gets_every_message_and_other_names_none() -> None:
    async with (
        subscribe("room:1") as first,
        subscribe("room:1") as second,
        subscribe("room:2") as other,
    ):
        for n in range(3):
            await publish("room:1", f"m{n}")
        await publish("room:2", "elsewhere")
        assert [await next_message(first) for _ in range(3)] == ["m0", "m1", "m2"]
        assert [await next_message(second) for _ in range(3)] == ["m0", "m1", "m2"]
        assert await next_message(other) == "elsewhere"


async def test_leaving_the_block_unsubscribes() -> None:
    hub = use_channels("memory")
    assert isinstance(hub, MemoryHub)
    async with subscribe("room:1"), subscribe("room:1"):
        assert hub.subscriber_count("room:1") == 2
    assert hub.subscriber_count("room:1") == 0
    async with subscribe("room:1") as messages:
        await publish("room:1", "only this one")
        assert await next_message(messages) == "only this one"


async def test_a_subscriber_that_falls_behind_ends_with_channel_overflow() -> None:
    async with subscribe("room:1", max_pending=3) as messages:
        for n in range(3):
            await publish("room:1", f"m{n}")
        assert await next_message(messages) == "m0"
        await publish("room:1", "m3")
        await publish("room:1", "m4")  # m1..m4: one more than max_pending
        with pytest.raises(ChannelOverflow) as caught:
            await next_message(messages)
        assert caught.value.name == "room:1"
        assert caught.value.max_pending == 3
        await publish("room:1", "later")
        with pytest.raises(ChannelOverflow):
            await next_message(messages)


async def test_an_unread_subscription_keeps_memory_bounded() -> None:
    async with subscribe("firehose", max_pending=16), subscribe("firehose", max_pending=16):
        tracemalloc.start()
        try:
            for n in range(20_000):
                await publish("firehose", n.to_bytes(4, "big") * 256)  # 1 KiB, a new object
            held, _ = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # Kept unbounded, the 20,000 messages would hold about 20 MiB.
    assert held < 512 * 1024


async def test_a_slow_subscriber_does_not_hold_up_a_fast_one() -> None:
    async with subscribe("room:1", max_pending=2) as slow, subscribe("room:1") as fast:
        for n in range(10):
            await publish("room:1", str(n))
            assert await next_message(fast) == str(n)
        with pytest.raises(ChannelOverflow):
            await next_message(slow)


async def test_closing_the_hub_ends_open_subscriptions() -> None:
    hub = use_channels("memory")
    async with subscribe("room:1") as messages:
        await publish("room:1", "last")
        await hub.close()
        assert [message async for message in messages] == ["last"]


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(lambda: subscribe(""), ValueError, id="empty-name"),
        pytest.param(lambda: subscribe("a", max_pending=0), ValueError, id="max-pending-0"),
        pytest.param(lambda: subscribe("a", max_pending=True), ValueError, id="max-pending-bool"),
    ],
)
def test_bad_subscribe_arguments_are_refused(call: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()  # type: ignore[operator]


async def test_publish_refuses_what_is_not_str_or_bytes() -> None:
    with pytest.raises(TypeError, match="str or bytes, not dict"):
        await publish("room:1", {"a": 1})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty"):
        await publish("", "x")


async def test_a_subscription_is_entered_once_and_iterated_inside() -> None:
    subscription = subscribe("room:1")
    with pytest.raises(RuntimeError, match="async with subscribe"):
        await anext(subscription)
    async with subscription:
        pass
    with pytest.raises(RuntimeError, match="already entered"):
        await subscription.__aenter__()


def test_a_redis_backend_without_the_redis_package_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [m for m in sys.modules if m == "redis" or m.startswith("redis.")]:
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    with pytest.raises(MissingExtraError) as caught:
        use_channels("redis://127.0.0.1:6379")
    assert str(caught.value) == (
        "channels over Redis needs redis, which is not installed: pip install 'approutes[redis]'"
    )


# --- across instances, through a real redis-server -------------------------------------------


@pytest.fixture(scope="module")
def redis_server_url() -> Iterator[str]:
    with running_redis_server() as url:
        yield url


@pytest.fixture
async def two_instances(redis_server_url: str) -> AsyncIterator[tuple[RedisHub, RedisHub]]:
    """Two hubs on one server, as two instances of the app would have."""
    first, second = RedisHub(redis_server_url), RedisHub(redis_server_url)
    yield first, second
    await first.close()
    await second.close()


async def test_a_message_published_on_one_instance_reaches_a_subscriber_on_the_other(
    two_instances: tuple[RedisHub, RedisHub],
) -> None:
    first, second = two_instances
    use_channels_hub(second)
    async with subscribe("room:1") as messages:
        use_channels_hub(first)
        await publish("room:1", "héllo")  # right after entering: already subscribed
        await publish("room:1", b"\x00\xff")
        await publish("room:2", "not this room")
        await publish("room:1", "")
        assert await next_message(messages) == "héllo"
        assert await next_message(messages) == b"\x00\xff"
        assert await next_message(messages) == ""


async def test_one_instance_subscribes_each_channel_once_however_many_subscribers(
    two_instances: tuple[RedisHub, RedisHub], redis_server_url: str
) -> None:
    first, second = two_instances
    use_channels_hub(second)
    raw = redis.asyncio.Redis.from_url(redis_server_url)
    try:
        async with subscribe("room:1") as one, subscribe("room:1") as two:
            async with subscribe("room:2"):
                assert await raw.pubsub_numsub("approutes:channel:room:1") == [
                    (b"approutes:channel:room:1", 1)
                ]
                assert await raw.pubsub_numsub("approutes:channel:room:2") == [
                    (b"approutes:channel:room:2", 1)
                ]
            await wait_for_subscribers(raw, "room:2", 0)
            await first.publish("room:1", "both")
            assert await next_message(one) == "both"
            assert await next_message(two) == "both"
        await wait_for_subscribers(raw, "room:1", 0)
        clients = await raw.client_list()
        assert sum(int(client["sub"]) > 0 for client in clients) == 0
    finally:
        await raw.aclose()


async def test_a_redis_outage_warns_once_drops_what_is_published_then_delivers_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="approutes.server")
    port = free_port()
    delays: list[float] = []
    retried = asyncio.Event()

    async def quick_sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) >= 4:
            retried.set()
        await asyncio.sleep(0.005)  # NOTE: the backoff is recorded, not waited out

    with running_redis_server(port) as url:
        hub = use_channels_hub(RedisHub(url, sleep=quick_sleep, first_delay=0.1, max_delay=0.4))
        messages = await subscribe("room:1").__aenter__()
        await publish("room:1", "before")
        assert await next_message(messages) == "before"
    try:
        await asyncio.wait_for(retried.wait(), GUARD)  # reconnection tried and failed
        await publish("room:1", "while down")  # no exception: dropped
        await publish("room:1", b"also dropped")
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert warnings[0].name == "approutes.server"
        assert (
            warnings[0]
            .getMessage()
            .startswith(
                f"channels: Redis {url} unreachable; messages published until it is back are "
                "dropped; reconnecting: "
            )
        )
        assert delays[:4] == [0.1, 0.2, 0.4, 0.4]  # doubled, capped
        assert max(delays) == 0.4

        with running_redis_server(port):
            await asyncio.wait_for(hub.wait_up(), GUARD)
            await publish("room:1", "after")
            assert await next_message(messages) == "after"  # the dropped ones never came
        infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
        assert infos == [f"channels: Redis {url} is back; publishing and receiving again"]
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
    finally:
        await messages.__aexit__(None, None, None)
        await hub.close()


async def test_a_subscription_opened_while_redis_is_down_gets_messages_once_it_is_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"

    async def quick_sleep(seconds: float) -> None:
        await asyncio.sleep(0.005)

    hub = use_channels_hub(RedisHub(url, sleep=quick_sleep))
    try:
        async with subscribe("room:1") as messages:  # returns: Redis is not there
            assert hub.is_down
            with running_redis_server(port):
                await asyncio.wait_for(hub.wait_up(), GUARD)
                await publish("room:1", "hello")
                assert await next_message(messages) == "hello"
    finally:
        await hub.close()
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


async def test_an_app_with_redis_channels_delivers_and_closes_them_at_shutdown(
    tmp_path: Path, redis_server_url: str
) -> None:
    make_project(
        tmp_path,
        {
            "approutes.toml": f'cache = "{redis_server_url}"\nchannels = "redis"\n',
            "app/api/say/route.py": """
                from approutes.channels import publish

                async def POST(request):
                    await publish("room:1", await request.text())
                    return {"sent": True}
            """,
        },
    )
    async with TestClient(tmp_path) as client:
        hub = channels_runtime.current_hub()
        assert isinstance(hub, RedisHub)
        assert hub.url == redis_server_url
        listener = RedisHub(redis_server_url)  # another instance
        use_channels_hub(listener)
        try:
            async with subscribe("room:1") as messages:
                use_channels_hub(hub)
                response = await client.post("/api/say", content="hi from the app")
                assert response.json() == {"sent": True}
                assert await next_message(messages) == "hi from the app"
                use_channels_hub(listener)
        finally:
            await listener.close()
        use_channels_hub(hub)
        subscription = subscribe("room:2")
        await subscription.__aenter__()
    # The app's shutdown closed its hub: the open subscription ends.
    assert [message async for message in subscription] == []
    await subscription.__aexit__(None, None, None)


def use_channels_hub(hub: RedisHub) -> RedisHub:
    channels_runtime.use_hub(hub)
    return hub


async def wait_for_subscribers(raw: redis.asyncio.Redis, name: str, count: int) -> None:
    """Poll PUBSUB NUMSUB until `name` has `count` subscribed connections (an UNSUBSCRIBE is
    not waited for by the hub)."""
    key = f"approutes:channel:{name}"
    for _ in range(500):
        if await raw.pubsub_numsub(key) == [(key.encode(), count)]:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"{name} never had {count} subscribers")
