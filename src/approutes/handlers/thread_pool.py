"""The threads that run sync code: plain `def` handlers, middleware and hooks, `to_thread`.

Every sync call approutes makes goes through the event loop's default executor
(`run_in_executor(None, ...)`, `asyncio.to_thread`). asyncio sizes that pool at
`min(32, CPUs + 4)`: 6 threads on a 2-CPU machine, so 6 handlers waiting on a database hold
up every other sync route. The `thread_pool_size` setting (40 by default, as Starlette's and
anyio's pools) sizes it instead; the pool is installed on the serving loop in the lifespan's
start-up, before `register()` runs, so it also serves `asyncio.to_thread` in user code.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

__all__ = ["thread_pool_installer"]


def thread_pool_installer(size: int) -> Callable[[], Awaitable[None]]:
    """A start-up hook making a pool of `size` threads the running loop's default executor.

    NOTE: the loop owns it from then on, as it owned asyncio's own pool: it is shut down
    when the loop closes, as before.
    """

    async def install() -> None:
        pool = ThreadPoolExecutor(max_workers=size, thread_name_prefix="approutes")
        asyncio.get_running_loop().set_default_executor(pool)

    return install
