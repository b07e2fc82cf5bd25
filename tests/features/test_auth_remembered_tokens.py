"""Auth remembers the tokens it verified: requests after the first answer as the first did."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

from approutes.auth import Auth

if TYPE_CHECKING:
    from pathlib import Path

SECRET = "members-secret-2Lq8vV0m2kXo9LrT5yWb7Nc1Hd4Fg6Sa"  # noqa: S105
STAFF_SECRET = "staff-secret-9Jz3pR7t1QwE5yU8iO2aS4dF6gH0jK"  # noqa: S105

PROJECT = {
    "lib/__init__.py": "",
    # Two Auths with two secrets in one project: members and staff.
    "lib/auth.py": f"""
        from approutes.auth import Auth

        members = Auth(secret={SECRET!r})
        staff = Auth(secret={STAFF_SECRET!r}, cookie_name="staff")
    """,
    "app/api/members/route.py": """
        from typing import Annotated

        from approutes import Use
        from approutes.auth import Session

        from lib.auth import members


        async def GET(session: Annotated[Session, Use(members.required)]):
            claims = session.claims
            seen = {"user": session.user, "role": claims["role"], "teams": list(claims["teams"])}
            # A careless handler: it edits the session it was given.
            session.claims["role"] = "admin"
            session.claims["teams"].append("staff")
            return seen
    """,
    "app/api/staff/route.py": """
        from typing import Annotated

        from approutes import Use
        from approutes.auth import Session

        from lib.auth import staff


        async def GET(session: Annotated[Session, Use(staff.required)]):
            return {"user": session.user}
    """,
}

pytestmark = pytest.mark.usefixtures("fresh_lib")

members = Auth(SECRET)
staff = Auth(STAFF_SECRET)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path, PROJECT)


@pytest.mark.anyio
async def test_a_token_works_only_with_the_auth_whose_secret_signed_it(root: Path) -> None:
    member_token = members.token("user_1", role="member", teams=["a"])
    staff_token = staff.token("admin_1")
    async with client_for(root) as client:
        answers = [
            (
                (await client.get("/api/members", headers=bearer(member_token))).status_code,
                (await client.get("/api/staff", headers=bearer(member_token))).status_code,
                (await client.get("/api/staff", headers=bearer(staff_token))).status_code,
                (await client.get("/api/members", headers=bearer(staff_token))).status_code,
            )
            for _ in range(3)
        ]

    assert answers == [(200, 401, 200, 401)] * 3


@pytest.mark.anyio
async def test_a_handler_editing_its_session_does_not_change_the_next_requests(
    root: Path,
) -> None:
    token = members.token("user_1", role="member", teams=["a"])
    async with client_for(root) as client:
        bodies = [
            (await client.get("/api/members", headers=bearer(token))).json() for _ in range(3)
        ]

    assert bodies == [{"user": "user_1", "role": "member", "teams": ["a"]}] * 3
