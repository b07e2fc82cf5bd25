"""Settings: the project's options, read from its files and the environment once."""

from __future__ import annotations

import importlib.util
import os
import tomllib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from approutes.errors import SettingsError
from approutes.rules.cors_table import CorsSettings, parse_cors
from approutes.rules.tables import (
    HeaderRule,
    RedirectRule,
    RewriteRule,
    compile_header_rules,
    compile_redirect_rules,
    compile_rewrite_rules,
)
from approutes.settings.cache_life import DEFAULT_PROFILES, CacheLife, parse_cache_life
from approutes.settings.cache_setting import check_store_setting
from approutes.settings.channels_setting import channels_backend, check_channels_setting
from approutes.settings.sizes import parse_size

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

__all__ = ["ENV_PREFIX", "Settings", "load_settings"]

ENV_PREFIX = "APPROUTES_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Project settings; each plain key can also be set as `APPROUTES_<KEY>`.

    The tables (`headers`, `redirects`, `rewrites`, `cors`) come from the file only.
    """

    trailing_slash: bool = False
    skip_trailing_slash_redirect: bool = False
    base_path: str = ""
    body_size_limit: int = 1024 * 1024
    upload_size_limit: int = 100 * 1024 * 1024
    body_timeout: float = 30.0
    trust_proxy: bool = False
    cache: str | None = None
    channels: str = "memory"
    health_check: bool = False
    process_pool_size: int | None = None
    thread_pool_size: int = 40
    max_header_size: int = 16 * 1024
    tracing: bool = False
    metrics_path: str | None = None
    openapi_path: str | None = None
    docs_path: str | None = None
    compress: bool = True
    access_log: bool = True
    websocket_message_size_limit: int = 1024 * 1024
    websocket_idle_timeout: float | None = 300.0
    websocket_ping_interval: float | None = 20.0
    websocket_max_sockets: int = 10_000
    websocket_origins: tuple[str, ...] = ()
    headers: tuple[HeaderRule, ...] = ()
    redirects: tuple[RedirectRule, ...] = ()
    rewrites: tuple[RewriteRule, ...] = ()
    cors: CorsSettings | None = None
    cache_life: Mapping[str, CacheLife] = field(default_factory=lambda: dict(DEFAULT_PROFILES))


def load_settings(root: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read `approutes.toml` (or `[tool.approutes]` in pyproject.toml), then `APPROUTES_*`.

    Raises:
        SettingsError: an unknown key or a bad value, naming the file (or variable) and key.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    source, table = _read_file_table(root)
    for key, raw in table.items():
        values[key] = _convert(key, raw, source)
        sources[key] = source
    for name in _SCALARS:
        env_key = ENV_PREFIX + name.upper()
        if env_key in env:
            values[name] = _convert(name, env[env_key], env_key)
            sources[name] = env_key
    if values.get("channels") == "redis":
        _check_channels_with_cache(values.get("cache"), sources["channels"])
    if "docs_path" in values and "openapi_path" in values:
        _check_docs_paths(values["openapi_path"], values["docs_path"], sources["openapi_path"])
    return Settings(**values)


def _check_channels_with_cache(cache: str | None, source: str) -> None:
    """`channels = "redis"` takes the `cache` setting's Redis URL: there must be one."""
    try:
        channels_backend("redis", cache)
    except ValueError as exc:
        raise SettingsError(
            code="bad-setting-value",
            files=(source,),
            problem=f"channels = 'redis' is not valid: {exc}",
        ) from None


def _check_docs_paths(openapi_path: str, docs_path: str, source: str) -> None:
    """The docs page and its files are served under `docs_path`: the document cannot be."""
    if openapi_path == docs_path or openapi_path.startswith(docs_path + "/assets/"):
        raise SettingsError(
            code="bad-setting-value",
            files=(source,),
            problem=(
                f"openapi_path = {openapi_path!r} is served by docs_path = {docs_path!r} "
                "(the page and its files)"
            ),
            fix='choose paths apart, such as "/openapi.json" and "/docs"',
        )


def _read_file_table(root: Path) -> tuple[str, dict[str, Any]]:
    own = root / "approutes.toml"
    if own.is_file():
        return own.name, _load_toml(own)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _load_toml(pyproject).get("tool", {}).get("approutes", {})
        return f"{pyproject.name} [tool.approutes]", table
    return "", {}


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(
            code="bad-settings-file", files=(path.name,), problem=f"it is not valid TOML: {exc}"
        ) from exc


def _convert(key: str, raw: object, source: str) -> object:
    convert = _CONVERTERS.get(key)
    if convert is None:
        raise SettingsError(
            code="unknown-setting",
            files=(source,),
            problem=f"unknown setting {key!r}",
            fix=f"use one of: {', '.join(sorted(_CONVERTERS))}",
        )
    try:
        return convert(raw)
    except (TypeError, ValueError) as exc:
        shown = key if key in _TABLES else f"{key} = {raw!r}"
        raise SettingsError(
            code="bad-setting-value", files=(source,), problem=f"{shown} is not valid: {exc}"
        ) from None  # NOTE: the message says it all; approutes' own traceback would not help


def _to_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _BOOL_WORDS:
        return _BOOL_WORDS[raw.strip().lower()]
    raise ValueError("expected true or false")


def _to_size(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValueError("expected a size like '4mb' or a number of bytes")
    return parse_size(int(raw) if isinstance(raw, str) and raw.strip().isdigit() else raw)


_BOOL_WORDS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _to_base_path(raw: object) -> str:
    if not isinstance(raw, str) or (raw and (not raw.startswith("/") or raw.endswith("/"))):
        raise ValueError('expected a path like "/docs" (no trailing slash), or ""')
    if any(c in raw for c in "?#%\\ ") or "//" in raw:
        raise ValueError("a base path is plain path segments")
    return raw


def _to_seconds(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError("expected a number of seconds")
    seconds = float(raw)
    if not 0 < seconds < 86400:
        raise ValueError("expected a number of seconds above 0")
    return seconds


def _to_pool_size(raw: object) -> int:
    number = int(raw) if isinstance(raw, str) and raw.strip().isdigit() else raw
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 256:
        raise ValueError("expected a number of processes from 1 to 256")
    return number


def _to_thread_count(raw: object) -> int:
    number = int(raw) if isinstance(raw, str) and raw.strip().isdigit() else raw
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 1024:
        raise ValueError("expected a number of threads from 1 to 1024")
    return number


def _to_header_size(raw: object) -> int:
    size = _to_size(raw)
    # NOTE: 8 KiB is the least granian (hyper) accepts for its buffer; past 1 MiB the bound
    # no longer protects memory much.
    if not MIN_HEADER_SIZE <= size <= MAX_HEADER_SIZE:
        raise ValueError("expected a size from '8kb' to '1mb'")
    return size


MIN_HEADER_SIZE = 8 * 1024
MAX_HEADER_SIZE = 1024 * 1024


def _to_tracing(raw: object) -> bool:
    on = _to_bool(raw)
    if on and importlib.util.find_spec("opentelemetry") is None:
        raise ValueError("tracing needs OpenTelemetry: pip install 'approutes[otel]'")
    return on


def _to_served_path(raw: object) -> str:
    """A path approutes answers itself (metrics, the OpenAPI document, the docs page)."""
    if not isinstance(raw, str) or not raw.startswith("/") or (raw != "/" and raw.endswith("/")):
        raise ValueError('expected a path like "/metrics" (no trailing slash)')
    if raw == "/" or any(c in raw for c in "?#%\\ ") or "//" in raw or "/." in raw:
        raise ValueError("the path is plain path segments, not the root")
    return raw


def _to_metrics_path(raw: object) -> str:
    path = _to_served_path(raw)
    if importlib.util.find_spec("prometheus_client") is None:
        raise ValueError("metrics need prometheus-client: pip install 'approutes[metrics]'")
    return path


def _to_cache(raw: object) -> str:
    if not isinstance(raw, str):
        raise TypeError("expected a string")
    check_store_setting(raw)
    return raw


def _to_channels(raw: object) -> str:
    if not isinstance(raw, str):
        raise TypeError("expected a string")
    check_channels_setting(raw)
    return raw


def _to_optional_seconds(raw: object) -> float | None:
    """Seconds, or None for `false` / 0 (no timeout)."""
    if raw is False or raw == 0 or (isinstance(raw, str) and raw.strip().lower() in _OFF_WORDS):
        return None
    return _to_seconds(raw)


_OFF_WORDS = frozenset({"false", "0", "no", "none", "off"})


def _to_socket_count(raw: object) -> int:
    number = int(raw) if isinstance(raw, str) and raw.strip().isdigit() else raw
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 1_000_000:
        raise ValueError("expected a number of sockets from 1 to 1000000")
    return number


def _to_origins(raw: object) -> tuple[str, ...]:
    """Origins a browser's WebSocket may come from besides the server's own; "*" for any."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(o, str) for o in items):
        raise ValueError('expected a list of origins like ["https://app.example"], or ["*"]')
    origins = tuple(o.strip().rstrip("/") for o in items if o.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError(f"{origin!r} is not an origin like https://app.example (or *)")
    return origins


_SCALARS: dict[str, Callable[[object], object]] = {
    "trailing_slash": _to_bool,
    "skip_trailing_slash_redirect": _to_bool,
    "base_path": _to_base_path,
    "body_size_limit": _to_size,
    "upload_size_limit": _to_size,
    "body_timeout": _to_seconds,
    "trust_proxy": _to_bool,
    "cache": _to_cache,
    "channels": _to_channels,
    "health_check": _to_bool,
    "process_pool_size": _to_pool_size,
    "thread_pool_size": _to_thread_count,
    "max_header_size": _to_header_size,
    "tracing": _to_tracing,
    "metrics_path": _to_metrics_path,
    "openapi_path": _to_served_path,
    "docs_path": _to_served_path,
    "compress": _to_bool,
    "access_log": _to_bool,
    "websocket_message_size_limit": _to_size,
    "websocket_idle_timeout": _to_optional_seconds,
    "websocket_ping_interval": _to_optional_seconds,
    "websocket_max_sockets": _to_socket_count,
    "websocket_origins": _to_origins,
}
_TABLES: dict[str, Callable[[object], object]] = {
    "headers": compile_header_rules,
    "redirects": compile_redirect_rules,
    "rewrites": compile_rewrite_rules,
    "cors": parse_cors,
    "cache_life": parse_cache_life,
}
_CONVERTERS = {**_SCALARS, **_TABLES}
