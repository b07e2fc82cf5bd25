"""The `config` dict of a pages/api module, read and checked when it loads.

```python
config = {"api": {"body_parser": {"size_limit": "1kb"}, "response_limit": "8mb"}}
config = {"api": {"body_parser": False}}       # req.body is None; read the raw stream
config = {"api": {"response_limit": False}}    # no warning for large responses
config = {"max_duration": 10}                  # 504 when the handler has not answered in 10 s
```

The limits are the file's own, as in Next: the `body_size_limit` setting and the App Router's
segment config (`dynamic`, `revalidate`, `body_size_limit`, ...) do not apply to pages/api
files, whose responses are never cached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from approutes.errors import RouteModuleError
from approutes.settings.sizes import parse_size

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["DEFAULT_RESPONSE_LIMIT", "DEFAULT_SIZE_LIMIT", "PagesConfig", "read_pages_config"]

DEFAULT_SIZE_LIMIT = "1mb"
"""Next's default `bodyParser.sizeLimit`."""
DEFAULT_RESPONSE_LIMIT = "4mb"
"""Next's default `responseLimit`: a larger response is logged as a warning."""

# Next's camelCase names, which a line-by-line port may bring along.
_NEXT_SPELLINGS = {
    "bodyParser": "body_parser",
    "sizeLimit": "size_limit",
    "responseLimit": "response_limit",
    "maxDuration": "max_duration",
}
_API_KEYS = ("body_parser", "response_limit")


@dataclass(frozen=True, slots=True)
class PagesConfig:
    """The checked `config["api"]` of one pages/api module.

    Attributes:
        body_parser: False when the module turned the body parser off.
        size_limit: The body limit in bytes (inclusive); `size_limit_text` as written.
        response_limit: Bytes from which a response is logged as too large; None: never.
        max_duration: Seconds the handler has to decide its response (504 after); None: no
            bound.
    """

    body_parser: bool = True
    size_limit: int = 1024 * 1024
    size_limit_text: str = DEFAULT_SIZE_LIMIT
    response_limit: int | None = 4 * 1024 * 1024
    response_limit_text: str = DEFAULT_RESPONSE_LIMIT
    max_duration: float | None = None

    def describe(self) -> dict[str, object]:
        """The values that differ from the defaults, for the route table and manifest.

        >>> PagesConfig(size_limit=1024, size_limit_text="1kb").describe()
        {'size_limit': '1kb'}
        """
        out: dict[str, object] = {}
        if not self.body_parser:
            out["body_parser"] = False
        elif self.size_limit_text != DEFAULT_SIZE_LIMIT:
            out["size_limit"] = self.size_limit_text
        if self.response_limit is None:
            out["response_limit"] = False
        elif self.response_limit_text != DEFAULT_RESPONSE_LIMIT:
            out["response_limit"] = self.response_limit_text
        if self.max_duration is not None:
            out["max_duration"] = self.max_duration
        return out


def read_pages_config(raw: object, file: str) -> PagesConfig:
    """Check the module-level `config` of a pages/api file (`raw`; None when absent).

    Raises:
        RouteModuleError: an unknown key, a camelCase spelling, or a value out of range,
            naming the file and the key (`bad-pages-config`).
    """
    if raw is None:
        return PagesConfig()
    if not isinstance(raw, dict):
        raise _bad(file, "config", raw, 'use a dict: config = {"api": {...}}')
    _only_keys(raw, ("api", "max_duration"), file, "config")
    values: dict[str, Any] = {}
    if "max_duration" in raw:
        values["max_duration"] = _seconds(raw["max_duration"], file)
    api = raw.get("api", {})
    if not isinstance(api, dict):
        raise _bad(file, 'config["api"]', api, "use a dict of body_parser and response_limit")
    _only_keys(api, _API_KEYS, file, 'config["api"]')
    if "body_parser" in api:
        values.update(_body_parser(api["body_parser"], file))
    if "response_limit" in api:
        values.update(_response_limit(api["response_limit"], file))
    return PagesConfig(**values)


def _body_parser(raw: object, file: str) -> dict[str, Any]:
    where = 'config["api"]["body_parser"]'
    if raw is False:
        return {"body_parser": False}
    if raw is True:
        return {}
    if not isinstance(raw, dict):
        raise _bad(file, where, raw, 'use False or {"size_limit": "1mb"}')
    _only_keys(raw, ("size_limit",), file, where)
    if "size_limit" not in raw:
        return {}
    limit = raw["size_limit"]
    return {
        "size_limit": _size(limit, file, f'{where}["size_limit"]'),
        "size_limit_text": str(limit),
    }


def _response_limit(raw: object, file: str) -> dict[str, Any]:
    if raw is False:
        return {"response_limit": None}
    size = _size(raw, file, 'config["api"]["response_limit"]')
    return {"response_limit": size, "response_limit_text": str(raw)}


def _seconds(raw: object, file: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw < math.inf:
        raise _bad(file, 'config["max_duration"]', raw, "use a positive number of seconds")
    return float(raw)


def _size(raw: object, file: str, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise _bad(file, where, raw, "use a size like '1mb', '500kb' or a number of bytes")
    try:
        return parse_size(raw)
    except ValueError as exc:
        raise _bad(file, where, raw, str(exc)) from None


def _only_keys(
    raw: Mapping[object, object], allowed: tuple[str, ...], file: str, where: str
) -> None:
    for key in raw:
        if key in allowed:
            continue
        if key in _NEXT_SPELLINGS:
            fix = f"spell it {_NEXT_SPELLINGS[key]}"
        elif key in ("externalResolver", "external_resolver"):
            fix = "remove it: end the response (res.end(), res.send(), ...) before returning"
        else:
            fix = "use only " + ", ".join(allowed)
        raise _bad(file, f"{where}[{key!r}]", raw[key], fix)


def _bad(file: str, where: str, value: object, fix: str) -> RouteModuleError:
    return RouteModuleError(
        code="bad-pages-config",
        files=(file,),
        problem=f"{where} = {value!r} is not a valid pages/api config value",
        fix=fix,
    )
