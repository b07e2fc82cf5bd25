"""Auth: the Next.js session patterns, refused tokens, the cookie, cross-origin writes, secrets."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from tests.conftest import client_for, make_project

from approutes import NextResponse, create_app
from approutes.auth import Auth, Session
from approutes.errors import ConfigurationError, OutsideRequestError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    import httpx

# 64 bytes, so that the same secret can also sign HS512 tokens without PyJWT's key warning.
SECRET = "test-only-secret-3Jq8vV0m2kXo9LrT5yWb7Nc1Hd4Fg6Sa8Pe0Ui2Oz4Lx6Kq"  # noqa: S105
MAX_AGE = 3600

PROJECT = {
    "lib/__init__.py": "",
    # The project's one Auth, built at import time as DESIGN §9a shows.
    "lib/auth.py": f"""
        from approutes.auth import Auth

        auth = Auth(secret={SECRET!r}, max_age={MAX_AGE})
    """,
    "lib/require_auth.py": """
        # Next.js (lib/require_auth.ts), ported line by line:
        #   export async function requireAuth(role?: string) {
        #     const session = await auth()
        #     if (!session) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 })
        #     if (role && session.user.role !== role)
        #       return NextResponse.json({ error: 'Forbidden' }, { status: 403 })
        #     return session
        #   }

        from approutes import NextResponse
        from approutes.auth import Session

        from lib.auth import auth


        async def require_auth(role: str | None = None) -> Session | NextResponse:
            session = await auth.require()
            if isinstance(session, NextResponse):
                return session
            if role is not None and session.claims.get("role") != role:
                return NextResponse.json({"error": "Forbidden"}, status=403)
            return session
    """,
    "lib/users.py": """
        USERS = {
            "ada": {"id": "user_1", "password": "correct horse", "role": "admin"},
            "bob": {"id": "user_2", "password": "battery staple", "role": "member"},
        }
    """,
    "app/api/private/route.py": """
        # Next.js (app/api/private/route.ts), ported line by line:
        #   export async function GET() {
        #     const session = await auth()
        #     if (!session) return NextResponse.json({ error: 'Unauthorized' }, { status: 401 })
        #     return NextResponse.json({ user: session.user })
        #   }

        from approutes import NextResponse

        from lib.auth import auth


        async def GET():
            session = await auth()
            if session is None:
                return NextResponse.json({"error": "Unauthorized"}, status=401)
            return NextResponse.json({"user": session.user})
    """,
    # Two routes sharing lib/require_auth.py.
    "app/api/profile/route.py": """
        from approutes import NextResponse

        from lib.require_auth import require_auth


        async def GET():
            session = await require_auth()
            if isinstance(session, NextResponse):
                return session
            return {
                "user": session.user,
                "claims": session.claims,
                "expires": session.expires.isoformat(),
            }
    """,
    "app/api/admin/route.py": """
        from approutes import NextResponse

        from lib.require_auth import require_auth


        async def GET():
            session = await require_auth("admin")
            if isinstance(session, NextResponse):
                return session
            return {"admin": session.user}
    """,
    "app/api/login/route.py": """
        # Next.js (app/api/login/route.ts), ported line by line:
        #   export async function POST(request: NextRequest) {
        #     const { username, password } = await request.json()
        #     const user = await verify(username, password)
        #     if (!user) return NextResponse.json({ error: 'Invalid credentials' }, { status: 401 })
        #     const response = NextResponse.json({ ok: true })
        #     await signIn(response, user)
        #     return response
        #   }

        from approutes import NextRequest, NextResponse

        from lib.auth import auth
        from lib.users import USERS


        async def POST(request: NextRequest):
            body = await request.json()
            user = USERS.get(body.get("username"))
            if user is None or user["password"] != body.get("password"):
                return NextResponse.json({"error": "Invalid credentials"}, status=401)
            response = NextResponse.json({"ok": True})
            auth.sign_in(response, user["id"], role=user["role"])
            return response
    """,
    "app/api/logout/route.py": """
        from approutes import NextResponse

        from lib.auth import auth


        async def POST():
            response = NextResponse.json({"ok": True})
            auth.sign_out(response)
            return response
    """,
    "app/api/token/route.py": """
        from approutes import NextResponse

        from lib.auth import auth


        async def POST():
            session = await auth.require()
            if isinstance(session, NextResponse):
                return session
            return {"token": auth.token(session.user, **session.claims)}
    """,
    # Reads and writes, for the cross-origin rules.
    "app/api/notes/route.py": """
        from approutes import NextResponse

        from lib.auth import auth


        async def handle():
            session = await auth.require()
            if isinstance(session, NextResponse):
                return session
            return {"user": session.user}


        GET = POST = PUT = PATCH = DELETE = OPTIONS = handle
    """,
}


pytestmark = pytest.mark.usefixtures("fresh_lib")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path, PROJECT)


# The test's own Auth with the project's secret: issues tokens as the project would.
issuer = Auth(SECRET, max_age=MAX_AGE)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def log_in(client: httpx.AsyncClient, username: str = "ada") -> httpx.Response:
    passwords = {"ada": "correct horse", "bob": "battery staple"}
    response = await client.post(
        "/api/login", json={"username": username, "password": passwords[username]}
    )
    assert response.status_code == 200
    return response


def set_cookie_attributes(response: httpx.Response) -> dict[str, str]:
    """The attributes of the one Set-Cookie line, lower-case names ("secure": "" if flagged)."""
    (line,) = response.headers.get_list("set-cookie")
    _, *attributes = line.split("; ")
    parsed = {}
    for attribute in attributes:
        name, _, value = attribute.partition("=")
        parsed[name.lower()] = value
    return parsed


# --- the Next.js patterns -------------------------------------------------------------------


@pytest.mark.anyio
async def test_private_route_answers_401_without_a_session_and_200_with_one(root: Path) -> None:
    async with client_for(root) as client:
        anonymous = await client.get("/api/private")
        signed_in = await client.get("/api/private", headers=bearer(issuer.token("user_1")))

    assert anonymous.status_code == 401
    assert anonymous.json() == {"error": "Unauthorized"}
    assert signed_in.status_code == 200
    assert signed_in.json() == {"user": "user_1"}


@pytest.mark.anyio
async def test_require_auth_helper_in_lib_guards_two_routes(root: Path) -> None:
    async with client_for(root) as client:
        profile_anonymous = await client.get("/api/profile")
        admin_anonymous = await client.get("/api/admin")
        member = bearer(issuer.token("user_2", role="member"))
        admin = bearer(issuer.token("user_1", role="admin"))
        profile_member = await client.get("/api/profile", headers=member)
        admin_member = await client.get("/api/admin", headers=member)
        admin_admin = await client.get("/api/admin", headers=admin)

    for refused in (profile_anonymous, admin_anonymous):
        assert refused.status_code == 401
        assert refused.json() == {"error": "Unauthorized"}
        assert refused.headers["www-authenticate"] == "Bearer"
        assert refused.headers["cache-control"] == "no-store"
    assert profile_member.status_code == 200
    assert profile_member.json()["user"] == "user_2"
    assert profile_member.json()["claims"] == {"role": "member"}
    assert admin_member.status_code == 403
    assert admin_member.json() == {"error": "Forbidden"}
    assert admin_admin.status_code == 200
    assert admin_admin.json() == {"admin": "user_1"}


@pytest.mark.anyio
async def test_sign_in_sets_a_cookie_that_authenticates_later_requests(root: Path) -> None:
    async with client_for(root) as client:
        before = await client.get("/api/profile")
        login = await log_in(client, "ada")
        after = await client.get("/api/profile")

    assert before.status_code == 401
    assert login.json() == {"ok": True}
    assert "session" in login.cookies
    assert after.status_code == 200
    assert after.json()["user"] == "user_1"
    assert after.json()["claims"] == {"role": "admin"}


@pytest.mark.anyio
async def test_wrong_password_sets_no_cookie(root: Path) -> None:
    async with client_for(root) as client:
        response = await client.post("/api/login", json={"username": "ada", "password": "no"})
        profile = await client.get("/api/profile")

    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert profile.status_code == 401


@pytest.mark.anyio
async def test_session_expires_max_age_seconds_after_sign_in(root: Path) -> None:
    async with client_for(root) as client:
        signed_at = time.time()
        await log_in(client)
        profile = await client.get("/api/profile")

    expires = datetime.fromisoformat(profile.json()["expires"])
    assert expires.tzinfo is not None
    assert expires.utcoffset() == UTC.utcoffset(None)
    assert abs(expires.timestamp() - (signed_at + MAX_AGE)) < 5


@pytest.mark.anyio
async def test_sign_out_clears_the_cookie(root: Path) -> None:
    async with client_for(root) as client:
        await log_in(client)
        signed_in = await client.get("/api/profile")
        logout = await client.post("/api/logout")
        signed_out = await client.get("/api/profile")

    assert signed_in.status_code == 200
    assert logout.status_code == 200
    line = logout.headers["set-cookie"]
    assert line.startswith("session=;")
    assert "Max-Age=0" in line
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in line
    assert "session" not in client.cookies
    assert signed_out.status_code == 401


@pytest.mark.anyio
async def test_bearer_token_from_auth_token_authenticates(root: Path) -> None:
    async with client_for(root) as client:
        await log_in(client, "bob")
        issued = await client.post("/api/token")
        client.cookies.clear()
        token = issued.json()["token"]
        with_token = await client.get("/api/profile", headers=bearer(token))
        without = await client.get("/api/profile")

    assert issued.status_code == 200
    assert with_token.status_code == 200
    assert with_token.json()["user"] == "user_2"
    assert with_token.json()["claims"] == {"role": "member"}
    assert without.status_code == 401


@pytest.mark.anyio
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_bearer_scheme_is_case_insensitive(root: Path, scheme: str) -> None:
    async with client_for(root) as client:
        response = await client.get(
            "/api/private", headers={"authorization": f"{scheme} {issuer.token('user_1')}"}
        )

    assert response.status_code == 200


# --- tokens that are no session --------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def future() -> int:
    return int(time.time()) + 600


def tampered_payload() -> str:
    header, _, signature = issuer.token("user_2", role="member").split(".")
    forged = b64url_json({"sub": "user_1", "role": "admin", "iat": 0, "exp": future()})
    return f"{header}.{forged}.{signature}"


def tampered_signature() -> str:
    header, payload, signature = issuer.token("user_1").split(".")
    raw = bytearray(unb64url(signature))
    raw[0] ^= 0x01
    return f"{header}.{payload}.{b64url(bytes(raw))}"


def alg_none() -> str:
    header = b64url_json({"alg": "none", "typ": "JWT"})
    return f"{header}.{b64url_json({'sub': 'user_1', 'exp': future()})}."


def signed(payload: dict[str, Any], key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


REFUSED_TOKENS: list[Any] = [
    pytest.param(tampered_payload, id="tampered-payload"),
    pytest.param(tampered_signature, id="tampered-signature"),
    pytest.param(lambda: signed({"sub": "user_1", "exp": int(time.time()) - 1}), id="expired"),
    pytest.param(alg_none, id="alg-none"),
    pytest.param(
        lambda: signed({"sub": "user_1", "exp": future()}, key="another-key-" * 4), id="other-key"
    ),
    pytest.param(
        lambda: signed({"sub": "user_1", "exp": future()}, algorithm="HS512"), id="hs512-not-pinned"
    ),
    pytest.param(lambda: "abc", id="malformed-abc"),
    pytest.param(lambda: "a.b.c", id="malformed-a.b.c"),
    pytest.param(lambda: signed({"sub": "user_1"}), id="missing-exp"),
    pytest.param(lambda: signed({"exp": future()}), id="missing-sub"),
    pytest.param(lambda: signed({"sub": 1, "exp": future()}), id="sub-not-a-string"),
    pytest.param(lambda: signed({"sub": "user_1", "exp": "soon"}), id="exp-not-a-number"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("make_token", REFUSED_TOKENS)
@pytest.mark.parametrize("carrier", ["cookie", "bearer"])
async def test_token_that_does_not_verify_is_no_session(
    root: Path, make_token: Callable[[], str], carrier: str
) -> None:
    token = make_token()
    async with client_for(root) as client:
        if carrier == "cookie":
            client.cookies.set("session", token)
            response = await client.get("/api/private")
        else:
            response = await client.get("/api/private", headers=bearer(token))

    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


@pytest.mark.anyio
@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param("Basic dXNlcjpwYXNz", id="basic"),
        pytest.param(f"Basic {issuer.token('user_1')}", id="basic-with-a-valid-jwt"),
        pytest.param(issuer.token("user_1"), id="no-scheme"),
        pytest.param("Bearer", id="bearer-without-token"),
        pytest.param("Bearer ", id="bearer-empty"),
        pytest.param("", id="empty-header"),
    ],
)
async def test_authorization_header_without_a_bearer_token_is_no_session(
    root: Path, authorization: str
) -> None:
    async with client_for(root) as client:
        response = await client.get("/api/private", headers={"authorization": authorization})

    assert response.status_code == 401


@pytest.mark.anyio
async def test_empty_session_cookie_is_no_session(root: Path) -> None:
    async with client_for(root) as client:
        response = await client.get("/api/private", headers={"cookie": "session="})

    assert response.status_code == 401


@pytest.mark.anyio
async def test_bearer_token_counts_when_the_cookie_is_stale(root: Path) -> None:
    async with client_for(root) as client:
        client.cookies.set("session", signed({"sub": "user_9", "exp": 1}))
        response = await client.get("/api/private", headers=bearer(issuer.token("user_1")))

    assert response.status_code == 200
    assert response.json() == {"user": "user_1"}


# --- the cookie -----------------------------------------------------------------------------


@pytest.mark.anyio
async def test_session_cookie_is_httponly_lax_whole_site_for_max_age(root: Path) -> None:
    async with client_for(root) as client:
        login = await log_in(client)

    attributes = set_cookie_attributes(login)
    assert attributes["httponly"] == ""
    assert attributes["samesite"] == "lax"
    assert attributes["path"] == "/"
    assert attributes["max-age"] == str(MAX_AGE)
    assert "expires" in attributes
    assert "domain" not in attributes


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("headers", "secure"),
    [
        pytest.param({}, False, id="http-localhost"),
        pytest.param({"host": "127.0.0.1:3000"}, False, id="http-127.0.0.1"),
        pytest.param({"host": "[::1]:3000"}, False, id="http-ipv6-loopback"),
        pytest.param({"x-forwarded-proto": "https"}, True, id="tls-proxy-to-localhost"),
        pytest.param({"host": "example.com"}, True, id="http-public-host"),
        pytest.param(
            {"host": "example.com", "x-forwarded-proto": "https"}, True, id="tls-proxy-public-host"
        ),
        pytest.param({"x-forwarded-host": "example.com"}, True, id="proxy-forwarding-public-host"),
        pytest.param({"host": "localhost.example.com"}, True, id="lookalike-host"),
    ],
)
async def test_session_cookie_is_secure_except_plain_http_to_this_machine(
    root: Path, headers: dict[str, str], secure: bool
) -> None:
    async with client_for(root) as client:
        login = await client.post(
            "/api/login",
            json={"username": "ada", "password": "correct horse"},
            headers=headers,
        )

    assert login.status_code == 200
    assert ("secure" in set_cookie_attributes(login)) is secure


@pytest.mark.anyio
async def test_sign_out_over_tls_sends_a_secure_deletion(root: Path) -> None:
    async with client_for(root) as client:
        logout = await client.post("/api/logout", headers={"x-forwarded-proto": "https"})

    assert "secure" in set_cookie_attributes(logout)


def test_sign_in_outside_a_request_sets_a_secure_cookie() -> None:
    response = NextResponse.json({"ok": True})
    issuer.sign_in(response, "user_1")

    attributes = set_cookie_attributes_of(response)
    assert "secure" in attributes
    assert "httponly" in attributes


@pytest.mark.anyio
async def test_host_prefixed_cookie_is_secure_even_on_plain_http_localhost(tmp_path: Path) -> None:
    lib_auth = (
        f"from approutes.auth import Auth\n\nauth = Auth({SECRET!r}, cookie_name='__Host-s')\n"
    )
    root = make_project(tmp_path, {**PROJECT, "lib/auth.py": lib_auth})
    async with client_for(root) as client:
        login = await log_in(client)

    assert login.headers["set-cookie"].startswith("__Host-s=")
    assert "secure" in set_cookie_attributes(login)


def set_cookie_attributes_of(response: NextResponse) -> set[str]:
    (line,) = response.headers.get_all("set-cookie")
    return {part.partition("=")[0].lower() for part in line.split("; ")[1:]}


def test_sign_in_refuses_claims_too_big_for_a_cookie() -> None:
    with pytest.raises(ValueError, match="4096"):
        issuer.sign_in(NextResponse.json({}), "user_1", blob="x" * 4000)


# --- cross-origin writes --------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"origin": "https://evil.example"}, id="other-origin"),
        pytest.param({"origin": "http://localhost:3001"}, id="other-port"),
        pytest.param({"origin": "null"}, id="opaque-origin"),
        pytest.param({"sec-fetch-site": "cross-site"}, id="sec-fetch-site-cross-site"),
        pytest.param(
            {"origin": "http://localhost:3000", "sec-fetch-site": "same-site"},
            id="sec-fetch-site-same-site",
        ),
    ],
)
async def test_cookie_authenticated_write_from_another_origin_is_refused(
    root: Path, method: str, headers: dict[str, str]
) -> None:
    async with client_for(root) as client:
        await log_in(client)
        response = await client.request(method, "/api/notes", headers=headers)

    assert response.status_code == 403
    assert response.json() == {"error": "Cross-origin request refused"}
    assert response.headers["content-type"] == "application/json"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"origin": "http://localhost:3000"}, id="same-origin"),
        pytest.param({"origin": "HTTP://LOCALHOST:3000"}, id="same-origin-upper-case"),
        pytest.param(
            {"origin": "http://localhost:3000", "sec-fetch-site": "same-origin"},
            id="sec-fetch-site-same-origin",
        ),
        pytest.param({}, id="no-origin-header"),
    ],
)
async def test_cookie_authenticated_write_from_the_same_origin_is_served(
    root: Path, headers: dict[str, str]
) -> None:
    async with client_for(root) as client:
        await log_in(client)
        response = await client.post("/api/notes", headers=headers)

    assert response.status_code == 200
    assert response.json() == {"user": "user_1"}


@pytest.mark.anyio
async def test_same_origin_behind_a_tls_proxy_on_the_default_port_is_served(root: Path) -> None:
    async with client_for(root) as client:
        client.cookies.set("session", issuer.token("user_1"))
        response = await client.post(
            "/api/notes",
            headers={"host": "app.example.com", "origin": "https://app.example.com"},
        )

    assert response.status_code == 200


@pytest.mark.anyio
@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
async def test_cookie_authenticated_read_from_another_origin_is_served(
    root: Path, method: str
) -> None:
    async with client_for(root) as client:
        await log_in(client)
        response = await client.request(
            method,
            "/api/notes",
            headers={"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
        )

    assert response.status_code == 200


@pytest.mark.anyio
async def test_bearer_authenticated_write_from_another_origin_is_served(root: Path) -> None:
    async with client_for(root) as client:
        response = await client.post(
            "/api/notes",
            headers={
                "origin": "https://partner.example",
                "sec-fetch-site": "cross-site",
                **bearer(issuer.token("user_2")),
            },
        )

    assert response.status_code == 200
    assert response.json() == {"user": "user_2"}


@pytest.mark.anyio
@pytest.mark.parametrize("cookie_first", [True, False], ids=["cookie-first", "bearer-first"])
@pytest.mark.parametrize("with_cookie", [True, False], ids=["with-cookie", "without-cookie"])
@pytest.mark.parametrize(
    ("cross_origin", "origin"),
    [(True, "https://partner.example"), (False, "http://localhost:3000")],
    ids=["cross-origin", "same-origin"],
)
@pytest.mark.parametrize("valid", [True, False], ids=["valid-bearer", "bad-bearer"])
async def test_a_bearer_token_decides_alone_even_beside_the_session_cookie(
    root: Path, cookie_first: bool, with_cookie: bool, cross_origin: bool, origin: str, valid: bool
) -> None:
    token = issuer.token("api_client") if valid else signed({"sub": "x", "exp": 1})
    lines = [("authorization", f"Bearer {token}")]
    if with_cookie:
        cookie = ("cookie", f"session={issuer.token('browser_user')}")
        lines = [cookie, *lines] if cookie_first else [*lines, cookie]
    async with client_for(root) as client:
        response = await client.post("/api/notes", headers=[("origin", origin), *lines])

    if valid:
        assert response.status_code == 200, response.text
        assert response.json() == {"user": "api_client"}
    else:
        # NOTE: never a fall-back to the cookie's session, same origin or not.
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.anyio
async def test_write_from_another_origin_with_a_dead_cookie_is_just_unauthorized(
    root: Path,
) -> None:
    async with client_for(root) as client:
        client.cookies.set("session", "a.b.c")
        response = await client.post("/api/notes", headers={"origin": "https://evil.example"})

    assert response.status_code == 401


@pytest.mark.anyio
@pytest.mark.parametrize(("trust_proxy", "status"), [(True, 200), (False, 403)])
async def test_forwarded_host_counts_only_when_the_proxy_is_trusted(
    tmp_path: Path, trust_proxy: bool, status: int
) -> None:
    root = make_project(
        tmp_path, {**PROJECT, "approutes.toml": f"trust_proxy = {str(trust_proxy).lower()}\n"}
    )
    async with client_for(root) as client:
        client.cookies.set("session", issuer.token("user_1"))
        response = await client.post(
            "/api/notes",
            headers={
                "x-forwarded-host": "app.example.com",
                "origin": "https://app.example.com",
            },
        )

    assert response.status_code == status


# --- outside a request ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_auth_outside_a_request_raises_naming_the_helper() -> None:
    with pytest.raises(OutsideRequestError, match=r"auth\(\) was called outside a request"):
        await issuer()
    with pytest.raises(OutsideRequestError, match=r"auth\.require\(\) was called outside"):
        await issuer.require()


# --- the secret -----------------------------------------------------------------------------


def test_secret_of_31_bytes_is_refused_saying_how_to_make_one() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Auth("x" * 31)

    message = str(caught.value)
    assert caught.value.code == "auth-secret-too-short"
    assert "31 bytes" in message
    assert "32 bytes" in message
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in message
    assert "test_auth.py" in message


@pytest.mark.parametrize("secret", ["x" * 32, b"\x00" * 32, "é" * 16], ids=["str", "bytes", "utf8"])
def test_secret_of_32_bytes_is_accepted(secret: str | bytes) -> None:
    auth = Auth(secret)

    assert auth.algorithm == "HS256"
    assert auth.max_age == 7 * 24 * 3600
    assert auth.cookie_name == "session"


def test_empty_secret_from_an_unset_variable_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="0 bytes"):
        Auth("")


def test_repr_never_shows_the_secret() -> None:
    assert SECRET not in repr(issuer)
    assert repr(issuer) == "Auth(cookie_name='session', algorithm='HS256', max_age=3600)"


def test_project_with_a_short_secret_in_lib_auth_does_not_start(tmp_path: Path) -> None:
    files = {
        **PROJECT,
        "lib/auth.py": 'from approutes.auth import Auth\n\nauth = Auth(secret="too-short")\n',
    }
    root = make_project(tmp_path, files)

    # The route importing lib.auth reports it (route-import-failed), naming lib/auth.py.
    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    message = str(caught.value)
    assert "lib/auth.py" in message
    assert "auth-secret-too-short" in message
    assert "9 bytes" in message
    assert "secrets.token_urlsafe(32)" in message


def test_refusal_names_the_calling_file_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {**PROJECT, "lib/auth.py": "from approutes.auth import Auth\nauth = Auth(b'short')\n"}
    root = make_project(tmp_path, files)
    monkeypatch.chdir(root)

    with pytest.raises(ConfigurationError) as caught:
        create_app(root)

    assert caught.value.code == "auth-secret-too-short"
    assert caught.value.files == ("lib/auth.py",)


def test_session_is_a_frozen_value() -> None:
    session = Session(user="user_1", expires=datetime.now(UTC), claims={})

    with pytest.raises(AttributeError):
        session.user = "user_2"  # type: ignore[misc]
