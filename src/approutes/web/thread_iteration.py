"""Pulls a sync iterable in worker threads, for a stream whose producer may block."""

from __future__ import annotations

import asyncio
import contextvars
from functools import partial
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Iterator

__all__ = ["pull_in_threads"]

T = TypeVar("T")
_DONE = object()


async def pull_in_threads(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Yield the items of `iterable`, each `next()` run in a worker thread.

    The threads run in the caller's context (`headers()` works there). When the consumer
    stops early, the iterator is closed (its `finally` runs), only once no thread is inside it.
    """
    iterator = iter(iterable)
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    pulled: asyncio.Future[object] | None = None
    try:
        while True:
            pulled = loop.run_in_executor(None, context.run, _next_or_done, iterator)
            # NOTE: shielded, so that a cancelled consumer leaves the thread's result to us.
            item = await asyncio.shield(pulled)
            if item is _DONE:
                return
            yield item  # type: ignore[misc]
    finally:
        if pulled is None or pulled.done():
            _close(iterator)
        else:  # cancelled while a thread is inside the iterator: close it when it comes out
            pulled.add_done_callback(partial(_close_after_pull, iterator))


def _next_or_done(iterator: Iterator[object]) -> object:
    return next(iterator, _DONE)


def _close_after_pull(iterator: Iterator[object], _: object) -> None:
    _close(iterator)


def _close(iterator: Iterator[object]) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()
