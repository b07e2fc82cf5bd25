"""`user_agent()`: what a User-Agent says, as Next's `userAgent()` reads it.

Browser, OS and device model come from ua-parser (the `user-agent` extra), the Python port
of the same Browserscope rules ua-parser-js grew from. The fields ua-parser does not give,
the device type, the engine and the CPU, are read from the well-known tokens of the
string; `is_bot` uses Next's own pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from approutes.errors import MissingExtraError

__all__ = ["Browser", "Cpu", "Device", "Engine", "Os", "UserAgent", "parse_user_agent"]

# COMPAT(next): the bot pattern of next/dist/server/web/spec-extension/user-agent.js (16.x).
_BOT = re.compile(
    "Googlebot|Mediapartners-Google|AdsBot-Google|googleweblight|Storebot-Google|"
    "Google-PageRenderer|Google-InspectionTool|Bingbot|BingPreview|Slurp|DuckDuckBot|"
    "baiduspider|yandex|sogou|LinkedInBot|bitlybot|tumblr|vkShare|quora link preview|"
    "facebookexternalhit|facebookcatalog|Twitterbot|applebot|redditbot|Slackbot|Discordbot|"
    "WhatsApp|SkypeUriPreview|ia_archiver|GPTBot",
    re.IGNORECASE,
)
# Engines, most specific first: (name, the token that names it, where its version is).
_ENGINES = (
    ("EdgeHTML", re.compile(r"Edge/([\d.]+)")),
    ("Blink", re.compile(r"(?:Chrome|Chromium|EdgA?|OPR|SamsungBrowser)/([\d.]+)")),
    ("Trident", re.compile(r"Trident/([\d.]+)")),
    ("Presto", re.compile(r"Presto/([\d.]+)")),
    ("WebKit", re.compile(r"AppleWebKit/([\d.]+)")),
    ("Gecko", re.compile(r"rv:([\d.]+)\) Gecko/")),
)
_CPUS = (
    ("arm64", re.compile(r"\b(?:arm64|aarch64)\b", re.IGNORECASE)),
    ("amd64", re.compile(r"\b(?:x86_64|x86-64|x64|win64|wow64|amd64)\b", re.IGNORECASE)),
    ("arm", re.compile(r"\barm(?:v\d+l?)?\b", re.IGNORECASE)),
    ("ia32", re.compile(r"\b(?:i[3-6]86|x86|win32)\b", re.IGNORECASE)),
)
_TABLET = re.compile(r"iPad|Tablet|Kindle|Silk|PlayBook|SM-T\d", re.IGNORECASE)
_MOBILE = re.compile(r"Mobi|iPhone|iPod|Android.*Mobile|Windows Phone|BlackBerry", re.IGNORECASE)
_SMART_TV = re.compile(r"SmartTV|SMART-TV|Tizen.*TV|WebOS.*TV|HbbTV|AppleTV|GoogleTV|Roku")
_CONSOLE = re.compile(r"PlayStation|Xbox|Nintendo")
_WEARABLE = re.compile(r"Watch OS|watchOS|Wear OS")


@dataclass(frozen=True, slots=True)
class Browser:
    """`name` ("Chrome", "Mobile Safari"), `version` ("120.0.0.0") and `major` ("120")."""

    name: str | None = None
    version: str | None = None
    major: str | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """`model` ("iPhone"), `type` ("mobile", "tablet", "smarttv", ...; None: desktop), `vendor`."""

    model: str | None = None
    type: str | None = None
    vendor: str | None = None


@dataclass(frozen=True, slots=True)
class Engine:
    """`name` ("Blink", "WebKit", "Gecko", ...) and `version`."""

    name: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Os:
    """`name` ("iOS", "Windows", "Mac OS X", ...) and `version` ("17.1")."""

    name: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class Cpu:
    """`architecture`: "amd64", "arm64", "arm", "ia32", or None."""

    architecture: str | None = None


@dataclass(frozen=True, slots=True)
class UserAgent:
    """What a User-Agent header says (Next's `userAgent()` result, snake_case).

    Attributes:
        ua: The header as sent ("" when there is none).
        browser: Name and version of the browser.
        device: Model, type and vendor of the device.
        engine: The rendering engine.
        os: The operating system.
        cpu: The CPU architecture.
        is_bot: Whether it is a crawler Next's pattern knows (Googlebot, GPTBot, ...).
    """

    ua: str
    browser: Browser
    device: Device
    engine: Engine
    os: Os
    cpu: Cpu
    is_bot: bool


def parse_user_agent(text: str) -> UserAgent:
    """Read `text`, a User-Agent header value.

    Raises:
        MissingExtraError: ua-parser is not installed (`approutes[user-agent]`).
    """
    return _parse(text[:1024])  # NOTE: no real header is longer; bounds the regex work


@lru_cache(maxsize=1024)
def _parse(text: str) -> UserAgent:
    result = _ua_parser().parse(text) if text else None
    browser, os, device = Browser(), Os(), Device(type=_device_type(text))
    if result is not None and _known(result.user_agent):
        agent = result.user_agent
        parts = [agent.major, agent.minor, agent.patch, agent.patch_minor]
        browser = Browser(agent.family, _joined(parts), agent.major)
    if result is not None and _known(result.os):
        found = result.os
        os = Os(found.family, _joined([found.major, found.minor, found.patch]))
    if result is not None and _known(result.device):
        found_device = result.device
        device = Device(found_device.model, device.type, found_device.brand)
    return UserAgent(
        text, browser, device, _engine(text), os, Cpu(_cpu(text)), bool(_BOT.search(text))
    )


def _ua_parser() -> Any:
    try:
        import ua_parser  # noqa: PLC0415 - optional, the `user-agent` extra
    except ModuleNotFoundError as exc:
        raise MissingExtraError("user_agent()", module="ua-parser", extra="user-agent") from exc
    return ua_parser


def _known(part: Any) -> bool:
    """Whether ua-parser recognised `part` (it says "Other" where ua-parser-js says nothing)."""
    return part is not None and part.family != "Other"


def _joined(parts: list[str | None]) -> str | None:
    present = []
    for part in parts:
        if part is None:
            break
        present.append(part)
    return ".".join(present) or None


def _engine(text: str) -> Engine:
    for name, pattern in _ENGINES:
        found = pattern.search(text)
        if found is not None:
            return Engine(name, found.group(1))
    return Engine()


def _cpu(text: str) -> str | None:
    for name, pattern in _CPUS:
        if pattern.search(text):
            return name
    return None


def _device_type(text: str) -> str | None:
    for name, pattern in (
        ("console", _CONSOLE),
        ("smarttv", _SMART_TV),
        ("wearable", _WEARABLE),
        ("tablet", _TABLET),
        ("mobile", _MOBILE),
    ):
        if pattern.search(text):
            return name
    return None
