"""The public modules export exactly the documented names, each with a docstring."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PUBLIC = {
    "approutes": [
        "BadRequest",
        "Cookie",
        "File",
        "FormData",
        "HTTPError",
        "Header",
        "Headers",
        "NextApiRequest",
        "NextApiResponse",
        "NextRequest",
        "NextResponse",
        "NextURL",
        "Query",
        "Raises",
        "Response",
        "RouteContext",
        "Status",
        "URLSearchParams",
        "Use",
        "WebSocket",
        "WebSocketDisconnect",
        "__version__",
        "create_app",
        "sse",
    ],
    "approutes.adapters.aws_lambda": ["LambdaHandler", "ROOT_VARIABLE", "handler", "make_handler"],
    "approutes.auth": ["Auth", "Session"],
    "approutes.cache": ["CacheLife", "cache_tag", "cached", "revalidate_path", "revalidate_tag"],
    "approutes.channels": [
        "ChannelOverflow",
        "Subscription",
        "publish",
        "subscribe",
        "use_channels",
    ],
    "approutes.server": [
        "NextFetchEvent",
        "NextRequest",
        "NextResponse",
        "RequestErrorContext",
        "RequestInfo",
        "after",
        "connection",
        "user_agent",
    ],
    "approutes.headers": [
        "CookieStore",
        "DraftMode",
        "cookies",
        "draft_mode",
        "headers",
        "request_id",
    ],
    "approutes.testing": [
        "CalledRoute",
        "TestClient",
        "WebSocketClosed",
        "WebSocketDenied",
        "WebSocketTestSession",
        "call_route",
    ],
    "approutes.navigation": [
        "forbidden",
        "local_path",
        "not_found",
        "permanent_redirect",
        "redirect",
        "unauthorized",
    ],
}


@pytest.mark.parametrize("module_name", sorted(PUBLIC))
def test_public_module_exports_exactly_the_documented_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert sorted(module.__all__) == PUBLIC[module_name]
    assert module.__doc__


@pytest.mark.parametrize(
    ("module_name", "name"),
    [(m, n) for m, names in sorted(PUBLIC.items()) for n in names if n != "__version__"],
)
def test_every_public_name_has_a_docstring(module_name: str, name: str) -> None:
    value = getattr(importlib.import_module(module_name), name)
    assert (value.__doc__ or "").strip(), f"{module_name}.{name} has no docstring"


def test_the_lazy_names_of_the_package_are_the_ones_type_checkers_see() -> None:
    # NOTE: `approutes/__init__.py` lists each public name three times: imported for type
    # checkers, in `__all__`, and in `_HOMES` for the import on first use. They must agree.
    import approutes  # noqa: PLC0415

    tree = ast.parse(Path(approutes.__file__).read_text())
    seen: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("approutes"):
            for alias in node.names:
                seen[alias.asname or alias.name] = (node.module, alias.name)
    homes = approutes._HOMES
    assert seen == homes
    assert sorted(homes) == sorted(set(approutes.__all__) - {"__version__"})
