r"""Serve a project on AWS Lambda, behind API Gateway, a function URL or a load balancer.

Set the function's handler to `approutes.adapters.aws_lambda.handler`: it serves the project
in `$APPROUTES_ROOT`, else `$LAMBDA_TASK_ROOT` (the folder the package is unpacked into),
else the current folder. Event shapes are translated by Mangum (`pip install
"approutes[aws]"`): API Gateway REST APIs (payload 1.0), HTTP APIs (payload 2.0), function
URLs, Application Load Balancers and Lambda@Edge.

The deployment package is the project folder with its dependencies beside it:

```
function.zip
├── app/api/…/route.py, lib/…, instrumentation.py, approutes.toml
├── .approutes/manifest.json      written by `approutes build`: the routes load from it
└── approutes/, mangum/, orjson/, pydantic/, …
```

built, for example, with:

```
approutes build .                          # checks every route and writes the manifest
pip install --target package --platform manylinux2014_x86_64 --only-binary=:all: \
    --python-version 3.12 "approutes[aws]"   # arm64 functions: manylinux2014_aarch64
cp -r app lib approutes.toml .approutes package/    # and the project's other files
(cd package && zip -qr ../function.zip .)
```

Differences from `approutes start`:

- **Cache store.** The code folder (`/var/task`) is read-only. The default store of
  production, files under `<root>/.approutes/cache`, can read what `approutes build`
  prerendered there but cannot write: every write fails, the store is logged as
  unreachable and back again, and responses go uncached. Set the function's environment
  variable `APPROUTES_CACHE=filesystem:/tmp/approutes-cache` (one execution environment's
  cache, empty at each cold start; `revalidate_path()` / `revalidate_tag()` reach only the
  instance that calls them) or `APPROUTES_CACHE=redis://…` (shared by every concurrent
  instance, so on-demand revalidation reaches them all).
- **instrumentation.py.** `register()` runs once per execution environment, before its
  first request (not once per invocation, as Mangum's own lifespan handling would).
  `shutdown()` runs when Lambda sends SIGTERM, which it does only to functions with an
  extension registered, on the Python 3.12 and later runtimes, leaving 300-500 ms.
- **Responses are buffered.** The whole body is collected before the invocation returns
  (6 MB at most): a streaming response or `sse()` arrives in one piece when it ends.
- **after() callbacks** run before the invocation returns, since Lambda freezes the
  environment once it has answered; a stale cached response's background regeneration
  carries on during that environment's next invocation.
- **Client address.** `request.ip` is the caller's address as API Gateway or the function
  URL saw it (`sourceIp`), without `trust_proxy`.
- **Stages.** An HTTP API stage other than `$default` puts its name in front of every path;
  use the `$default` stage, or `make_handler(root, api_gateway_base_path="/prod")`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from functools import cache
from typing import TYPE_CHECKING, Any

from approutes.app import create_app
from approutes.errors import MissingExtraError

if TYPE_CHECKING:
    from types import FrameType

    from mangum import Mangum
    from mangum.protocols import LifespanCycle

    from approutes.asgi.entrypoint import AsgiEntrypoint

__all__ = ["ROOT_VARIABLE", "LambdaHandler", "handler", "make_handler"]

ROOT_VARIABLE = "APPROUTES_ROOT"
"""The environment variable naming the project folder that `handler` serves."""


class LambdaHandler:
    """A Lambda handler serving one ASGI app through Mangum, with one lifespan per environment.

    The first call opens an event loop, runs the app's lifespan start-up (`register()` of
    `instrumentation.py`) and then answers; later calls answer on the same loop. `close()` runs
    the lifespan shutdown (`shutdown()`, the cache store's close) and closes the loop; a call
    after it starts afresh.

    NOTE: Mangum's own `lifespan="auto"` runs start-up and shutdown around *every* invocation,
    so it is turned off here and the lifespan is held open across invocations instead.

    Args:
        app: The ASGI application, usually `create_app(root)`.
        api_gateway_base_path: A path prefix removed from every request path (an API
            Gateway stage or custom-domain mapping), as Mangum's argument of that name.

    Example:
        handler = LambdaHandler(create_app("/var/task"))
        response = handler(event, context)
    """

    def __init__(self, app: AsgiEntrypoint, *, api_gateway_base_path: str = "/") -> None:
        """Wrap `app`; nothing runs until the first call."""
        _require_mangum()
        self.app = app
        self.api_gateway_base_path = api_gateway_base_path
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lifespan: LifespanCycle | None = None
        self._adapter: Mangum | None = None

    def __repr__(self) -> str:
        """Say whether the lifespan has started."""
        state = "started" if self._adapter is not None else "not started"
        return f"<LambdaHandler {state}>"

    @property
    def started(self) -> bool:
        """Whether the lifespan start-up has run and `close()` has not."""
        return self._adapter is not None

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Answer one Lambda invocation: the event in, the response dict for the integration out.

        Raises:
            mangum.exceptions.LifespanFailure: `register()` failed (on the first call; the
                next call tries again).
        """
        adapter = self.start()
        # NOTE: Mangum answers on asyncio's current loop: make sure it is this handler's,
        # whatever ran in this thread since the last call.
        asyncio.set_event_loop(self._loop)
        return adapter(event, context)

    def start(self) -> Mangum:
        """Open the event loop and run the lifespan start-up, unless already started.

        Returns:
            The Mangum adapter that answers invocations on that loop.

        Raises:
            mangum.exceptions.LifespanFailure: the app's start-up failed.
        """
        if self._adapter is not None:
            return self._adapter
        from mangum import Mangum  # noqa: PLC0415 - optional dependency, see _require_mangum
        from mangum.protocols import LifespanCycle  # noqa: PLC0415

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        lifespan = LifespanCycle(self.app, "auto")
        try:
            lifespan.__enter__()
        except BaseException:
            _close_loop(loop)
            raise
        adapter = Mangum(self.app, lifespan="off", api_gateway_base_path=self.api_gateway_base_path)
        self._loop, self._lifespan, self._adapter = loop, lifespan, adapter
        return adapter

    def close(self) -> None:
        """Run the lifespan shutdown and close the event loop; nothing if not started.

        Raises:
            RuntimeError: called while an invocation is being answered on the loop.
        """
        loop, lifespan = self._loop, self._lifespan
        if loop is None or lifespan is None:
            return
        if loop.is_running():
            raise RuntimeError("LambdaHandler.close() called while an invocation is running")
        self._loop = self._lifespan = self._adapter = None
        asyncio.set_event_loop(loop)
        try:
            lifespan.__exit__(None, None, None)
        finally:
            _close_loop(loop)

    @property
    def busy(self) -> bool:
        """Whether an invocation is being answered right now."""
        return self._loop is not None and self._loop.is_running()


def make_handler(
    root: str | os.PathLike[str] = ".", *, api_gateway_base_path: str = "/"
) -> LambdaHandler:
    """Load the project at `root` and return a Lambda handler serving it.

    The project loads here (from its manifest when `approutes build` wrote one), so a broken
    project fails at once; `register()` runs at the first invocation. Call it at import time
    in a module of your own when `handler`'s choice of folder does not fit, or to load the
    project during Lambda's init phase rather than in the first invocation.

    Args:
        root: The project folder.
        api_gateway_base_path: A path prefix removed from every request path, such as an
            HTTP API stage name other than `$default` (`"/prod"`).

    Returns:
        The handler; set the function's handler setting to the name it is bound to.

    Raises:
        MissingExtraError: Mangum is not installed (`pip install 'approutes[aws]'`).
        ConfigurationError: the project is invalid; the message names the file.

    Example:
        # lambda_function.py, handler setting "lambda_function.handler"
        from approutes.adapters.aws_lambda import make_handler

        handler = make_handler("/var/task/site")
    """
    _require_mangum()
    return LambdaHandler(create_app(root), api_gateway_base_path=api_gateway_base_path)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point: `approutes.adapters.aws_lambda.handler`.

    The first call loads the project in `$APPROUTES_ROOT`, else `$LAMBDA_TASK_ROOT`, else
    the current folder, and keeps it for the life of the execution environment. On Lambda
    (`$AWS_LAMBDA_RUNTIME_API` set) it also installs a SIGTERM handler, unless one is
    already installed, that runs the lifespan shutdown and exits.

    Args:
        event: The invocation event, as Lambda passes it.
        context: The invocation context, as Lambda passes it.

    Returns:
        The response in the shape the event's integration expects.

    Raises:
        MissingExtraError: Mangum is not installed (`pip install 'approutes[aws]'`).
        ConfigurationError: the project is invalid; the message names the file.
    """
    return _default_handler()(event, context)


@cache
def _default_handler() -> LambdaHandler:
    root = os.environ.get(ROOT_VARIABLE) or os.environ.get("LAMBDA_TASK_ROOT") or "."
    lambda_handler = make_handler(root)
    if "AWS_LAMBDA_RUNTIME_API" in os.environ:
        _close_on_sigterm(lambda_handler)
    return lambda_handler


def _close_on_sigterm(lambda_handler: LambdaHandler) -> None:
    """Run the lifespan shutdown when Lambda ends the environment, then exit."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return  # NOTE: the function's own handler wins

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if not lambda_handler.busy:
            lambda_handler.close()
        sys.exit(0)

    signal.signal(signal.SIGTERM, on_sigterm)


def _require_mangum() -> None:
    MissingExtraError.check("approutes.adapters.aws_lambda", module="mangum", extra="aws")


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is left on `loop`, stop its thread pool, close it (as asyncio.run does)."""
    try:
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
