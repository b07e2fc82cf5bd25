"""`approutes info`: what a bug report needs, in one block to paste.

Versions (approutes, Python, the platform, the packages that serve and parse), the project's
layout and its settings that differ from the defaults (a Redis password hidden), and its
routes by kind.
"""

from __future__ import annotations

import dataclasses
import platform
from importlib import metadata
from typing import TYPE_CHECKING

from approutes import __version__
from approutes.log import redact_url
from approutes.middleware.loader import load_middleware
from approutes.project.env_files import load_env_files
from approutes.project.instrumentation import Instrumentation, load_instrumentation
from approutes.project.source_dir import source_dir
from approutes.route_loading import load_routes
from approutes.route_modules.route_module import RouteModule
from approutes.settings.model import Settings, load_settings

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["PACKAGES", "info_lines"]

PACKAGES = (
    "uvicorn",
    "granian",
    "uvloop",
    "httptools",
    "h11",
    "pydantic",
    "orjson",
    "python-multipart",
    "watchfiles",
    "httpx",
    "redis",
    "mangum",
    "brotli",
    "zstandard",
    "ua-parser",
)
"""The packages whose versions change what a request meets."""


def info_lines(root: Path) -> list[str]:
    """The report for the project at `root`.

    Raises:
        ConfigurationError: the project does not load (the command prints it, as `build` does).
    """
    load_env_files(root, "production")
    settings = load_settings(root)
    table, modules = load_routes(root)
    proxy = load_middleware(root)
    hooks = load_instrumentation(root)
    app_routes = sum(isinstance(modules.get(route), RouteModule) for route in table.routes)
    lines = [
        f"approutes {__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()}) "
        f"on {platform.platform()}",
        "Packages: " + ", ".join(_package_version(name) for name in PACKAGES),
        f"Project: {root} ({'src/ layout' if source_dir(root) else 'code at the root'})",
        f"Routes: {len(table.routes)} ({app_routes} app, {len(table.routes) - app_routes} pages)"
        + (f", {proxy.file}" if proxy else "")
        + (", instrumentation.py" if hooks != Instrumentation() else ""),
        "Settings (those not at their defaults):",
    ]
    changed = _changed_settings(settings)
    lines.extend(f"  {line}" for line in changed or ["(none)"])
    return lines


def _package_version(name: str) -> str:
    try:
        return f"{name} {metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name} (not installed)"


def _changed_settings(settings: Settings) -> list[str]:
    defaults = Settings()
    out = []
    for field in dataclasses.fields(Settings):
        value = getattr(settings, field.name)
        if value == getattr(defaults, field.name):
            continue
        out.append(f"{field.name} = {_shown(field.name, value)}")
    return out


def _shown(name: str, value: object) -> str:
    """A setting's value as the report shows it: rule tables counted, a Redis password hidden."""
    if name in ("cache", "channels") and isinstance(value, str):
        return repr(redact_url(value))
    if isinstance(value, tuple):
        return f"{len(value)} rule(s)"
    if isinstance(value, dict):
        return ", ".join(sorted(value))
    if dataclasses.is_dataclass(value):
        return "set"
    return repr(value)
