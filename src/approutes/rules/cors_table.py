"""The `[cors]` table: which other origins may call the API, and how."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CorsSettings", "parse_cors"]

_DEFAULT_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
_KEYS = frozenset(
    {
        "allow_origins",
        "allow_methods",
        "allow_headers",
        "expose_headers",
        "allow_credentials",
        "max_age",
    }
)


@dataclass(frozen=True, slots=True)
class CorsSettings:
    """Cross-origin access; nothing is allowed unless listed.

    Attributes:
        allow_origins: Origins (`https://app.example.com`) allowed, or `("*",)` for any.
        allow_methods: Methods a preflight may ask for.
        allow_headers: Request headers a preflight may ask for (`"*"`: any); the
            CORS-safelisted ones are always allowed.
        expose_headers: Response headers the browser lets the page read.
        allow_credentials: Whether cookies and `Authorization` may be sent.
        max_age: Seconds the browser may cache a preflight answer.
    """

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = _DEFAULT_METHODS
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int = 600


def parse_cors(raw: object) -> CorsSettings:
    """Check and convert the `[cors]` table.

    Raises:
        ValueError: an unknown key, a wrong type, an origin that is not `scheme://host[:port]`,
            or credentials allowed for any origin (`"*"`), which browsers refuse.
    """
    if not isinstance(raw, dict):
        raise ValueError("write it as a [cors] table")
    unknown = set(raw) - _KEYS
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))}")
    origins = tuple(origin.rstrip("/") for origin in _strings(raw, "allow_origins"))
    for origin in origins:
        if origin != "*" and (origin.count("/") != 2 or "://" not in origin):
            raise ValueError(f"allow_origins: {origin!r} is not an origin like https://a.example")
    credentials = raw.get("allow_credentials", False)
    if not isinstance(credentials, bool):
        raise ValueError("allow_credentials must be true or false")
    if credentials and "*" in origins:
        raise ValueError("allow_credentials cannot go with allow_origins = ['*']: list origins")
    max_age = raw.get("max_age", 600)
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
        raise ValueError("max_age must be a number of seconds")
    methods = _strings(raw, "allow_methods") if "allow_methods" in raw else _DEFAULT_METHODS
    return CorsSettings(
        allow_origins=origins,
        allow_methods=tuple(method.upper() for method in methods),
        allow_headers=tuple(header.lower() for header in _strings(raw, "allow_headers")),
        expose_headers=tuple(header.lower() for header in _strings(raw, "expose_headers")),
        allow_credentials=credentials,
        max_age=max_age,
    )


def _strings(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{key} must be a list of strings")
    return tuple(value)
