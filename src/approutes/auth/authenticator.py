"""Auth: the project's one object for sessions: read, require, sign in, sign out, issue tokens."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from approutes.auth.cookie_policy import MAX_COOKIE_BYTES, needs_secure
from approutes.auth.credentials import bearer_token, cookie_token
from approutes.auth.options import check_algorithm, check_cookie_name, check_max_age, secret_key
from approutes.auth.tokens import TokenCodec, check_claims
from approutes.errors import HTTPError
from approutes.request_context import current_state
from approutes.web.origin import SAFE_METHODS, is_cross_origin
from approutes.web.response import NextResponse

if TYPE_CHECKING:
    from approutes.auth.session import Session
    from approutes.web.response import Response

__all__ = ["Auth"]

_UNAUTHORIZED_HEADERS = {"www-authenticate": "Bearer", "cache-control": "no-store"}


class Auth:
    """Sessions in signed tokens: a cookie for browsers, a bearer token for other clients.

    Make one at import time in your project and import it where needed.

    Args:
        secret: The signing key, at least 32 bytes (48 for HS384, 64 for HS512). A `str`
            is used as its UTF-8 bytes. Make one with
            `python -c "import secrets; print(secrets.token_urlsafe(32))"`.
        max_age: How long a session lasts, in seconds (default a week): the token's `exp`
            and the cookie's `Max-Age`.
        cookie_name: The session cookie's name. A `__Host-` prefix is fine (the cookie is
            then always Secure).
        algorithm: "HS256", "HS384" or "HS512". Tokens are verified with this one only.

    Raises:
        ConfigurationError: the secret is too short (`auth-secret-too-short`) or an option
            is invalid (`bad-auth-option`). The message names the file that built the Auth,
            so a project whose `lib/auth.py` holds a short secret stops at start-up there.

    Example:
        # lib/auth.py
        import os
        from approutes.auth import Auth
        auth = Auth(secret=os.environ["AUTH_SECRET"], max_age=7 * 24 * 3600)

    Next.js: plays the part of Auth.js's `auth()`, with stateless JWT sessions only.
    """

    __slots__ = ("_codec", "algorithm", "cookie_name", "max_age")

    def __init__(
        self,
        secret: str | bytes,
        *,
        max_age: int = 7 * 24 * 3600,
        cookie_name: str = "session",
        algorithm: str = "HS256",
    ) -> None:
        """Check the options and keep the key; see the class docstring."""
        where = _caller_file()
        self.algorithm = check_algorithm(algorithm, where)
        key = secret_key(secret, self.algorithm, where)
        self.max_age = check_max_age(max_age, where)
        self.cookie_name = check_cookie_name(cookie_name, where)
        self._codec = TokenCodec(key, self.algorithm, self.max_age)

    async def __call__(self) -> Session | None:
        """Return the current request's Session, or None when it has no valid one.

        An `Authorization: Bearer <token>` header, when present, decides alone: its token's
        session, or None when the token does not verify (never a fall-back to the cookie).
        Without one, the session cookie is read. An expired, tampered, wrongly-signed or
        malformed token is no session, never an error.

        Raises:
            HTTPError: 403 "Cross-origin request refused": the session came from the cookie,
                the method is not GET/HEAD/OPTIONS, and the request comes from another
                origin (see below). Bearer tokens are never refused this way: a browser
                does not attach them on its own, so one is no ambient authority, even when
                the session cookie rides along.
            OutsideRequestError: called while no request is being handled.

        Another origin: `Origin` is present and its host:port is not the request's `Host`,
        or `Sec-Fetch-Site` is `cross-site` or `same-site`.

        Example:
            session = await auth()
            if session is None:
                return NextResponse.json({"error": "Unauthorized"}, status=401)
            return {"user": session.user}
        """
        request = current_state("auth()").request
        # SECURITY: the explicit credential wins over the ambient one. Reading the cookie
        # first refused a valid bearer token cross-origin whenever the browser also sent the
        # cookie. A bad bearer token is no session rather than a fall-back to the cookie:
        # the client said who it is, and that is what is checked.
        from_header = bearer_token(request)
        if from_header is not None:
            return self._codec.decode(from_header)
        from_cookie = cookie_token(request, self.cookie_name)
        if from_cookie is None:
            return None
        session = self._codec.decode(from_cookie)
        # SECURITY: the cookie is an ambient credential: refuse cross-origin writes.
        if session is not None and request.method not in SAFE_METHODS and is_cross_origin(request):
            raise HTTPError(403, "Cross-origin request refused")
        return session

    async def require(self) -> Session | NextResponse:
        """Return the Session, or a 401 response for the handler to return as it is.

        The 401 is `{"error": "Unauthorized"}` with `WWW-Authenticate: Bearer` and
        `Cache-Control: no-store`.

        Raises:
            HTTPError: 403, as for `auth()`.
            OutsideRequestError: called while no request is being handled.

        Example:
            session = await auth.require()
            if isinstance(session, NextResponse):
                return session
            return {"user": session.user}
        """
        current_state("auth.require()")
        session = await self()
        if session is None:
            return NextResponse.json(
                {"error": "Unauthorized"}, status=401, headers=_UNAUTHORIZED_HEADERS
            )
        return session

    async def required(self) -> Session:
        """A dependency: the request's Session, or the request ends with 401.

        For `Annotated[Session, Use(auth.required)]`: the handler runs only with a session.
        The 401 is the one of `require()` (`{"error": "Unauthorized"}`,
        `WWW-Authenticate: Bearer`, `Cache-Control: no-store`). In the OpenAPI document the
        operation gets this Auth's security schemes (bearer token and session cookie) and
        its 401.

        Raises:
            HTTPError: 401 without a valid session; 403, as for `auth()`.
            OutsideRequestError: called while no request is being handled.

        Example:
            async def GET(session: Annotated[Session, Use(auth.required)]):
                return {"user": session.user}
        """
        session = await self()
        if session is None:
            raise HTTPError(401, headers=_UNAUTHORIZED_HEADERS)
        return session

    async def optional(self) -> Session | None:
        """A dependency: the request's Session, or None (the handler decides).

        For `Annotated[Session | None, Use(auth.optional)]`. In the OpenAPI document the
        operation's security is this Auth's schemes, or none.

        Raises:
            HTTPError: 403, as for `auth()`.
            OutsideRequestError: called while no request is being handled.

        Example:
            async def GET(session: Annotated[Session | None, Use(auth.optional)]):
                return {"user": session.user if session else None}
        """
        return await self()

    def sign_in(self, response: Response, user: str, /, **claims: Any) -> None:
        """Sign a token for `user` and set it as the session cookie on `response`.

        The cookie is HttpOnly, SameSite=Lax, Path=/, Max-Age=max_age, and Secure unless
        the request is plain HTTP to localhost, 127.0.0.1 or [::1] (the scheme from the
        connection or `X-Forwarded-Proto`, the host from `Host`). Behind a proxy that
        terminates TLS, forward the original Host or `X-Forwarded-Proto: https` and the
        cookie is Secure. Outside a request it is always Secure.

        Args:
            response: The response the handler returns.
            user: The user's id, a non-empty string; `session.user` later.
            **claims: Extra JSON values to carry (`session.claims` later), e.g.
                `role="admin"`. Keep them small: the whole token must fit in a cookie.

        Raises:
            TypeError: `user` is not a string, a claim is named `sub`, `exp`, `iat`, `nbf`
                or `aud`, or a claim is not JSON-serialisable.
            ValueError: `user` is empty, or the cookie would pass 4096 bytes.

        Example:
            response = NextResponse.json({"ok": True})
            auth.sign_in(response, user.id, role=user.role)
            return response
        """
        token = self.token(user, **claims)
        if len(self.cookie_name) + 1 + len(token) > MAX_COOKIE_BYTES:
            raise ValueError(
                f"the session cookie would be {len(token)} bytes, over the {MAX_COOKIE_BYTES} "
                "browsers keep: carry fewer or smaller claims (store the rest server-side)"
            )
        response.cookies.set(
            self.cookie_name,
            token,
            max_age=self.max_age,
            path="/",
            secure=needs_secure(self.cookie_name),
            http_only=True,
            same_site="lax",
        )

    def sign_out(self, response: Response) -> None:
        """Clear the session cookie on `response` (empty, Max-Age=0, expired in 1970).

        A bearer token stays valid until its `exp`: tokens are stateless.

        Example:
            response = NextResponse.json({"ok": True})
            auth.sign_out(response)
            return response
        """
        response.cookies.set(
            self.cookie_name,
            "",
            max_age=0,
            expires=0,
            path="/",
            secure=needs_secure(self.cookie_name),
            http_only=True,
            same_site="lax",
        )

    def token(self, user: str, /, **claims: Any) -> str:
        """Return a bearer token for `user`, with the same claims and lifetime as sign_in.

        Clients send it as `Authorization: Bearer <token>`; it works outside a request
        too (scripts, tests).

        Raises:
            TypeError: as for `sign_in`.
            ValueError: `user` is empty.

        Example:
            token = auth.token("user_42", scope="read")
        """
        if not isinstance(user, str):
            raise TypeError(f"user must be a string id, got {type(user).__name__}")
        if not user:
            raise ValueError("user must be a non-empty string id")
        check_claims(claims)
        return self._codec.encode(user, claims)

    def __repr__(self) -> str:
        # SECURITY: never the secret.
        return (
            f"Auth(cookie_name={self.cookie_name!r}, algorithm={self.algorithm!r}, "
            f"max_age={self.max_age})"
        )


def _caller_file() -> str:
    # NOTE: as warnings.warn(stacklevel=2) does: the file that called Auth(...), so that a
    # refused secret names the project's lib/auth.py, not approutes.
    file = Path(sys._getframe(2).f_code.co_filename)
    try:
        return file.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(file)
