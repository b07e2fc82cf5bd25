"""user_agent(request), Next's `userAgent()` (docs/01-app/03-api-reference/04-functions/
userAgent.mdx; packages/next/src/server/web/spec-extension/user-agent.ts for `isBot`).
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

from approutes.server import user_agent
from approutes.web.synthetic_request import synthetic_request, synthetic_scope
from approutes.web.user_agent import parse_user_agent

if TYPE_CHECKING:
    from pathlib import Path

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
LINUX_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0"
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.6 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GPTBOT = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2)"


@pytest.mark.parametrize(
    ("ua", "browser", "os", "engine", "device_type", "cpu", "bot"),
    [
        (IPHONE, ("Mobile Safari", "17"), ("iOS", "17.1"), "WebKit", "mobile", None, False),
        (WINDOWS_CHROME, ("Chrome", "120"), ("Windows", "10"), "Blink", None, "amd64", False),
        (LINUX_FIREFOX, ("Firefox", "115"), ("Linux", None), "Gecko", None, "amd64", False),
        (IPAD, ("Mobile Safari", "16"), ("iOS", "16.6"), "WebKit", "tablet", None, False),
        (GOOGLEBOT, ("Googlebot", "2"), (None, None), None, None, None, True),
        (GPTBOT, ("GPTBot", "1"), (None, None), "WebKit", None, None, True),
    ],
    ids=["iphone", "windows-chrome", "linux-firefox", "ipad", "googlebot", "gptbot"],
)
def test_user_agents_read_as_next_reads_them(
    ua: str,
    browser: tuple[str | None, str | None],
    os: tuple[str | None, str | None],
    engine: str | None,
    device_type: str | None,
    cpu: str | None,
    bot: bool,
) -> None:
    parsed = parse_user_agent(ua)

    assert (parsed.browser.name, parsed.browser.major) == browser
    assert (parsed.os.name, parsed.os.version) == os
    assert parsed.engine.name == engine
    assert parsed.device.type == device_type
    assert parsed.cpu.architecture == cpu
    assert parsed.is_bot is bot
    assert parsed.ua == ua


def test_an_iphone_is_an_apple_iphone() -> None:
    device = parse_user_agent(IPHONE).device

    assert (device.vendor, device.model, device.type) == ("Apple", "iPhone", "mobile")


def test_no_user_agent_header_reads_as_nothing_known() -> None:
    request = synthetic_request(synthetic_scope("GET", "/"))

    parsed = user_agent(request)

    assert parsed.ua == ""
    assert parsed.browser.name is None
    assert parsed.is_bot is False


@pytest.mark.anyio
async def test_user_agent_in_a_handler_and_in_proxy(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/api/ua/route.py": """
                from approutes.server import user_agent

                def GET(request):
                    agent = user_agent(request)
                    return {"browser": agent.browser.name, "bot": agent.is_bot}
            """,
            "proxy.py": """
                from approutes import NextResponse
                from approutes.server import user_agent

                def proxy(request):
                    if user_agent(request).is_bot:
                        return NextResponse.json({"error": "no bots"}, status=403)
                    return None
            """,
        },
    )

    async with client_for(root) as client:
        person = await client.get("/api/ua", headers={"user-agent": WINDOWS_CHROME})
        bot = await client.get("/api/ua", headers={"user-agent": GOOGLEBOT})

    assert person.json() == {"browser": "Chrome", "bot": False}
    assert bot.status_code == 403


def test_without_the_extra_the_error_names_it() -> None:
    code = (
        "import sys; sys.modules['ua_parser'] = None\n"
        "from approutes.web.user_agent import parse_user_agent\n"
        "try:\n    parse_user_agent('Mozilla/5.0')\n"
        "except ModuleNotFoundError as exc:\n    print(exc)\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert "pip install 'approutes[user-agent]'" in result.stdout
