"""Route segment config (`dynamic`, `revalidate`, ...), read and checked when a module loads."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from approutes.errors import RouteModuleError
from approutes.settings.sizes import parse_size

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["DynamicMode", "Runtime", "SegmentConfig", "read_segment_config"]

DynamicMode = Literal["auto", "force-dynamic", "force-static", "error"]
Runtime = Literal["python", "process"]

_DYNAMIC_MODES = ("auto", "force-dynamic", "force-static", "error")
_RUNTIMES = ("python", "process")
# Next's camelCase names, which a line-by-line port may bring along.
_NEXT_SPELLINGS = {
    "maxDuration": "max_duration",
    "dynamicParams": "dynamic_params",
    "generateStaticParams": "generate_static_params",
    "bodySizeLimit": "body_size_limit",
    "messageSizeLimit": "message_size_limit",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentConfig:
    """The checked segment config of one route module."""

    dynamic: DynamicMode = "auto"
    revalidate: float | Literal[False] = False
    tags: tuple[str, ...] = ()
    max_duration: float | None = None
    body_size_limit: int | None = None
    message_size_limit: int | None = None
    runtime: Runtime = "python"
    dynamic_params: bool = True
    generate_static_params: Callable[..., Any] | None = None

    def describe(self) -> dict[str, object]:
        """The values that differ from the defaults, for the route table and manifest."""
        out: dict[str, object] = {}
        for name, default in _DEFAULTS.items():
            value = getattr(self, name)
            # NOTE: compare types too: revalidate = 0 differs from the default False.
            changed = type(value) is not type(default) or value != default
            if changed and name != "generate_static_params":
                out[name] = list(value) if isinstance(value, tuple) else value
        if self.generate_static_params is not None:
            out["generate_static_params"] = True
        return out


_DEFAULTS = {name: getattr(SegmentConfig(), name) for name in SegmentConfig.__dataclass_fields__}


def read_segment_config(module: object, file: str) -> SegmentConfig:
    """Read the segment config names of `module`, refusing values outside the contract.

    Raises:
        RouteModuleError: a value out of range, naming the file and the name.
    """
    for next_name, python_name in _NEXT_SPELLINGS.items():
        if hasattr(module, next_name):
            raise _bad(file, next_name, getattr(module, next_name), f"spell it {python_name}")
    values: dict[str, Any] = {}
    for name, check in _CHECKS.items():
        if hasattr(module, name):
            raw = getattr(module, name)
            try:
                values[name] = check(raw)
            except ValueError as exc:
                raise _bad(file, name, raw, str(exc)) from None
    return SegmentConfig(**values)


def _bad(file: str, name: str, value: object, fix: str) -> RouteModuleError:
    return RouteModuleError(
        code="bad-segment-config",
        files=(file,),
        problem=f"{name} = {value!r} is not a valid segment config value",
        fix=fix,
    )


def _dynamic(raw: object) -> DynamicMode:
    if raw not in _DYNAMIC_MODES:
        raise ValueError(f"use one of {', '.join(map(repr, _DYNAMIC_MODES))}")
    return cast("DynamicMode", raw)


def _revalidate(raw: object) -> float | Literal[False]:
    if raw is False:
        return False
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw < math.inf:
        raise ValueError("use False, 0 or a number of seconds")
    return raw


def _tags(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not all(isinstance(t, str) and t for t in raw):
        raise ValueError("use a list of non-empty strings")
    return tuple(raw)


def _max_duration(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw < math.inf:
        raise ValueError("use a positive number of seconds")
    return float(raw)


def _body_size_limit(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise ValueError("use a size like '4mb' or a number of bytes")
    return parse_size(raw)


def _runtime(raw: object) -> Runtime:
    if raw not in _RUNTIMES:
        raise ValueError(f"use one of {', '.join(map(repr, _RUNTIMES))}")
    return cast("Runtime", raw)


def _dynamic_params(raw: object) -> bool:
    if not isinstance(raw, bool):
        raise ValueError("use True or False")
    return raw


def _generate_static_params(raw: object) -> Callable[..., Any]:
    if not callable(raw):
        raise ValueError("define it as a function returning a list of params dicts")
    return cast("Callable[..., Any]", raw)


_CHECKS: dict[str, Callable[[object], object]] = {
    "dynamic": _dynamic,
    "revalidate": _revalidate,
    "tags": _tags,
    "max_duration": _max_duration,
    "body_size_limit": _body_size_limit,
    "message_size_limit": _body_size_limit,
    "runtime": _runtime,
    "dynamic_params": _dynamic_params,
    "generate_static_params": _generate_static_params,
}
