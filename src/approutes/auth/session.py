"""Session: who a valid token says the caller is, and until when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["Session"]


@dataclass(frozen=True, slots=True)
class Session:
    """The signed-in user of the current request, as `await auth()` returns it.

    Attributes:
        user: The token's subject (`sub`): the user id given to `sign_in` or `token`.
        expires: When the token stops being accepted (`exp`), an aware datetime in UTC.
        claims: The extra claims given to `sign_in(response, user, **claims)` or
            `token(user, **claims)`, as JSON brought them back (tuples become lists).
            The registered claims approutes manages (`sub`, `exp`, `iat`, `nbf`) are not
            repeated here.

    Example:
        session = await auth()
        if session is not None and session.claims.get("role") == "admin":
            ...

    Next.js: Auth.js's `session.user` is an object; here it is the id, and the rest of
    what you stored is in `claims`.
    """

    user: str
    expires: datetime
    claims: dict[str, Any]
