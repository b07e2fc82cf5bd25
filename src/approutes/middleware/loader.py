"""`middleware.py` at the project root: its function and its compiled matchers."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approutes.errors import RouteModuleError
from approutes.project.importer import import_user_file
from approutes.rules.matcher import any_match, compile_matchers
from approutes.rules.path_pattern import PatternError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from approutes.rules.matcher import Matcher
    from approutes.web.request import NextRequest

__all__ = ["MIDDLEWARE_FILE", "MiddlewareModule", "load_middleware"]

MIDDLEWARE_FILE = "middleware.py"


@dataclass(frozen=True, slots=True)
class MiddlewareModule:
    """The project's middleware.

    Attributes:
        fn: `middleware(request)`, sync or async.
        is_async: Whether `fn` is a coroutine function (else it runs in a thread).
        matchers: The paths it runs for; empty means every path.
    """

    fn: Callable[[Any], Any]
    is_async: bool
    matchers: tuple[Matcher, ...]

    def runs_for(self, request: NextRequest, path: str) -> bool:
        """Whether its matcher takes `request` at `path` (no matcher: every request)."""
        return not self.matchers or any_match(self.matchers, request, path)


def load_middleware(root: Path) -> MiddlewareModule | None:
    """Import `middleware.py` if the project has one and check it.

    Raises:
        RouteModuleError: the file raised, has no `middleware(request)` function, or its
            `config` or matcher is not valid.
    """
    if not (root / MIDDLEWARE_FILE).is_file():
        return None
    module = import_user_file(root, MIDDLEWARE_FILE)
    fn = getattr(module, "middleware", None)
    if not callable(fn) or not _takes_one_argument(fn):
        raise _error("it must define a function middleware(request)")
    config = getattr(module, "config", None)
    matchers: tuple[Matcher, ...] = ()
    if config is not None:
        if not isinstance(config, dict) or set(config) - {"matcher"}:
            raise _error('config must be a dict with one key, "matcher"')
        if "matcher" in config:
            try:
                matchers = compile_matchers(config["matcher"])
            except PatternError as exc:
                raise _error(f"its matcher is not valid: {exc}") from exc
    return MiddlewareModule(fn, inspect.iscoroutinefunction(fn), matchers)


def _takes_one_argument(fn: Callable[..., Any]) -> bool:
    try:
        inspect.signature(fn).bind(object())
    except TypeError:
        return False
    except ValueError:  # no signature to inspect (a builtin): let it run
        return True
    return True


def _error(problem: str) -> RouteModuleError:
    return RouteModuleError(
        code="bad-middleware",
        files=(MIDDLEWARE_FILE,),
        problem=problem,
        fix='export middleware(request) and, optionally, config = {"matcher": ["/api/:path*"]}',
    )
