"""`proxy.py` (or the older `middleware.py`) at the project root: its function and matchers."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approutes.errors import RouteModuleError
from approutes.log import error_log
from approutes.project.importer import import_user_file
from approutes.project.source_dir import code_file
from approutes.rules.matcher import any_match, compile_matchers
from approutes.rules.path_pattern import PatternError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from approutes.rules.matcher import Matcher
    from approutes.web.request import NextRequest

__all__ = ["MIDDLEWARE_FILE", "PROXY_FILE", "MiddlewareModule", "load_middleware"]

PROXY_FILE = "proxy.py"
MIDDLEWARE_FILE = "middleware.py"

# COMPAT(next 16): the words of Next's own deprecation notice, with Python's file names.
DEPRECATED_MIDDLEWARE = (
    'The "middleware" file convention is deprecated. Please use "proxy" instead: '
    "rename middleware.py to proxy.py and its function to proxy."
)


@dataclass(frozen=True, slots=True)
class MiddlewareModule:
    """The project's proxy (Next 16's name) or middleware (Next 15's).

    Attributes:
        fn: `proxy(request[, event])` or `middleware(request[, event])`, sync or async.
        is_async: Whether `fn` is a coroutine function (else it runs in a thread).
        matchers: The paths it runs for; empty means every path.
        file: The file it comes from, `proxy.py` or `middleware.py`.
        takes_event: Whether `fn` takes the second argument, a `NextFetchEvent`.
    """

    fn: Callable[..., Any]
    is_async: bool
    matchers: tuple[Matcher, ...]
    file: str = PROXY_FILE
    takes_event: bool = False

    @property
    def name(self) -> str:
        """The function's name: `proxy` or `middleware` (for messages)."""
        return self.file.rpartition("/")[2].removesuffix(".py")

    def runs_for(self, request: NextRequest, path: str) -> bool:
        """Whether its matcher takes `request` at `path` (no matcher: every request)."""
        return not self.matchers or any_match(self.matchers, request, path)


def load_middleware(root: Path) -> MiddlewareModule | None:
    """Import `proxy.py` (or `middleware.py`, with a deprecation notice) and check it.

    Both are looked for under `src/` when the project keeps its routes there.

    Raises:
        RouteModuleError: both files exist; the file raised, has no `proxy(request)`
            (`middleware(request)`) function, or its `config` or matcher is not valid.
    """
    proxy_file = code_file(root, PROXY_FILE)
    middleware_file = code_file(root, MIDDLEWARE_FILE)
    has_proxy = (root / proxy_file).is_file()
    has_middleware = (root / middleware_file).is_file()
    if has_proxy and has_middleware:
        # COMPAT(next 16): Next refuses the two together, with the same sentence.
        raise RouteModuleError(
            code="proxy-and-middleware",
            files=(middleware_file, proxy_file),
            problem=(
                f'Both middleware file "{middleware_file}" and proxy file "{proxy_file}" '
                f'are detected. Please use "{proxy_file}" only.'
            ),
            fix=f"move what {middleware_file} does into {proxy_file} and delete {middleware_file}",
        )
    if has_proxy:
        return _load(root, proxy_file, "proxy")
    if has_middleware:
        error_log.warning(DEPRECATED_MIDDLEWARE)
        return _load(root, middleware_file, "middleware")
    return None


def _load(root: Path, file: str, name: str) -> MiddlewareModule:
    module = import_user_file(root, file)
    fn = getattr(module, name, None)
    arity = _arity(fn) if callable(fn) else 0
    if fn is None or arity == 0:
        raise _error(file, name, f"it must define a function {name}(request)")
    config = getattr(module, "config", None)
    matchers: tuple[Matcher, ...] = ()
    if config is not None:
        if not isinstance(config, dict) or set(config) - {"matcher"}:
            raise _error(file, name, 'config must be a dict with one key, "matcher"')
        if "matcher" in config:
            try:
                matchers = compile_matchers(config["matcher"])
            except PatternError as exc:
                raise _error(file, name, f"its matcher is not valid: {exc}") from exc
    return MiddlewareModule(
        fn, inspect.iscoroutinefunction(fn), matchers, file=file, takes_event=arity == 2
    )


def _arity(fn: Callable[..., Any]) -> int:
    """2 when `fn` takes (request, event), 1 when it takes (request), 0 when neither."""
    try:
        signature = inspect.signature(fn)
    except ValueError:  # no signature to inspect (a builtin): call it with the request
        return 1
    for count in (2, 1):
        try:
            signature.bind(*(object(),) * count)
        except TypeError:
            continue
        return count
    return 0


def _error(file: str, name: str, problem: str) -> RouteModuleError:
    return RouteModuleError(
        code="bad-middleware",
        files=(file,),
        problem=problem,
        fix=(
            f"export {name}(request) (or {name}(request, event)) and, optionally, "
            'config = {"matcher": ["/api/:path*"]}'
        ),
    )
