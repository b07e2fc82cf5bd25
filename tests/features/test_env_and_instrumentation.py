"""The project's `.env` files and `instrumentation.py` hooks."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

from approutes import create_app
from approutes.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

SHOW_ENV = """
    import os

    def GET():
        names = ["ONLY_ENV", "LOCAL", "MODE", "MODE_LOCAL", "REAL", "JOINED", "QUOTED"]
        return {name: os.environ.get(name) for name in names}
"""


@pytest.fixture(autouse=True)
def clean_environment() -> Iterator[None]:
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _env_project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path,
        {
            "app/api/env/route.py": SHOW_ENV,
            ".env": """
                ONLY_ENV=from .env
                LOCAL=from .env
                MODE=from .env
                MODE_LOCAL=from .env
                REAL=from .env
                JOINED=${ONLY_ENV} and more
                QUOTED="a # not a comment"
            """,
            ".env.local": "LOCAL=from .env.local\nMODE_LOCAL=from .env.local\n",
            ".env.production": "MODE=from .env.production\nMODE_LOCAL=from .env.production\n",
            ".env.development": "MODE=from .env.development\n",
            ".env.production.local": "MODE_LOCAL=from .env.production.local\n",
        },
    )


@pytest.mark.anyio
async def test_env_files_load_in_nexts_order_and_the_real_environment_wins(
    tmp_path: Path,
) -> None:
    os.environ["REAL"] = "from the environment"
    async with client_for(_env_project(tmp_path)) as client:
        values = (await client.get("/api/env")).json()

    assert values == {
        "ONLY_ENV": "from .env",
        "LOCAL": "from .env.local",
        "MODE": "from .env.production",
        "MODE_LOCAL": "from .env.production.local",
        "REAL": "from the environment",
        "JOINED": "from .env and more",
        "QUOTED": "a # not a comment",
    }


@pytest.mark.anyio
async def test_dev_reads_the_development_files(tmp_path: Path) -> None:
    async with client_for(_env_project(tmp_path), dev=True) as client:
        values = (await client.get("/api/env")).json()

    assert values["MODE"] == "from .env.development"
    assert values["MODE_LOCAL"] == "from .env.local"


def test_settings_can_come_from_an_env_file(tmp_path: Path) -> None:
    project = make_project(
        tmp_path, {"app/api/x/route.py": SHOW_ENV, ".env": "APPROUTES_BODY_SIZE_LIMIT=2kb\n"}
    )

    app = create_app(project)

    assert app.limits.body == 2 * 1024


def test_a_second_load_takes_back_values_of_a_removed_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, {"app/api/x/route.py": SHOW_ENV, ".env": "GONE=1\n"})
    create_app(project)
    assert os.environ["GONE"] == "1"

    (project / ".env").write_text("OTHER=2\n")
    create_app(project)

    assert "GONE" not in os.environ
    assert os.environ["OTHER"] == "2"


INSTRUMENTATION = """
    import asyncio
    import os
    from pathlib import Path

    LOG = Path(os.environ["HOOK_LOG"])

    def register():
        with LOG.open("a") as log:
            log.write("register\\n")

    async def shutdown():
        await asyncio.sleep(0)
        with LOG.open("a") as log:
            log.write("shutdown\\n")
"""


async def _run_lifespan(app: object, *, fail_message: list[str] | None = None) -> None:
    """Drive an ASGI lifespan: start-up then shutdown, as a server does."""
    messages: Iterator[dict[str, object]] = iter(
        [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    )
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return next(messages)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    assert callable(app)
    await app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    if fail_message is not None:
        fail_message.extend(str(m.get("message")) for m in sent if "failed" in str(m["type"]))


@pytest.mark.anyio
async def test_register_runs_at_start_up_and_shutdown_at_exit(tmp_path: Path) -> None:
    log = tmp_path / "hooks.log"
    os.environ["HOOK_LOG"] = str(log)
    project = make_project(
        tmp_path / "p", {"app/api/x/route.py": SHOW_ENV, "instrumentation.py": INSTRUMENTATION}
    )
    app = create_app(project)
    assert not log.exists()  # importing the project does not register

    await _run_lifespan(app)

    assert log.read_text().splitlines() == ["register", "shutdown"]


@pytest.mark.anyio
async def test_a_failing_register_fails_the_start_up(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {
            "app/api/x/route.py": SHOW_ENV,
            "instrumentation.py": """
                def register():
                    raise RuntimeError("no database")
            """,
        },
    )
    failures: list[str] = []

    await _run_lifespan(create_app(project), fail_message=failures)

    assert failures == ["RuntimeError('no database')"]


def test_a_register_that_takes_arguments_stops_start_up_naming_the_file(tmp_path: Path) -> None:
    project = make_project(
        tmp_path,
        {"app/api/x/route.py": SHOW_ENV, "instrumentation.py": "def register(app):\n    pass\n"},
    )

    with pytest.raises(ConfigurationError) as caught:
        create_app(project)

    assert "instrumentation.py" in caught.value.render()
    assert "register must be a function that takes no arguments" in caught.value.render()
