"""Session tokens: what TokenCodec signs, what it accepts, and what Auth refuses to sign."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest

from approutes.auth import Auth
from approutes.auth.options import secret_key
from approutes.auth.tokens import TokenCodec, check_claims
from approutes.errors import ConfigurationError

KEY = b"k" * 64
NOW = 1_700_000_000


def codec(algorithm: str = "HS256", max_age: int = 60) -> TokenCodec:
    return TokenCodec(KEY, algorithm, max_age)


def payload_of(token: str) -> dict[str, Any]:
    segment = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * 4))
    return decoded


def header_of(token: str) -> dict[str, Any]:
    segment = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=" * 4))
    return decoded


# --- encode ---------------------------------------------------------------------------------


def test_token_carries_sub_iat_exp_and_the_claims() -> None:
    token = codec(max_age=60).encode("user_1", {"role": "admin"}, now=NOW)

    assert payload_of(token) == {"role": "admin", "sub": "user_1", "iat": NOW, "exp": NOW + 60}
    assert header_of(token) == {"alg": "HS256", "typ": "JWT"}


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_token_round_trips_with_each_hmac_algorithm(algorithm: str) -> None:
    tokens = codec(algorithm)
    session = tokens.decode(tokens.encode("user_1", {"n": 1}))

    assert session is not None
    assert session.user == "user_1"
    assert session.claims == {"n": 1}
    assert header_of(tokens.encode("u", {}))["alg"] == algorithm


def test_session_expires_is_exp_as_an_aware_utc_datetime() -> None:
    now = time.time()
    session = codec(max_age=60).decode(codec(max_age=60).encode("u", {}, now=now))

    assert session is not None
    assert session.expires == datetime.fromtimestamp(int(now) + 60, tz=UTC)
    assert session.expires.tzinfo is UTC


def test_claims_come_back_as_json_brought_them() -> None:
    claims = {"teams": (1, 2), "profile": {"name": "Ada", "tags": ["x"]}, "active": True}
    session = codec().decode(codec().encode("u", claims))

    assert session is not None
    assert session.claims == {
        "teams": [1, 2],
        "profile": {"name": "Ada", "tags": ["x"]},
        "active": True,
    }


@pytest.mark.parametrize("name", ["sub", "exp", "iat", "nbf", "aud"])
def test_reserved_claim_names_are_refused(name: str) -> None:
    with pytest.raises(TypeError, match=f"claim '{name}' is reserved"):
        check_claims({name: "x"})


@pytest.mark.parametrize(
    "value",
    [object(), datetime.now(UTC), {1, 2}, b"bytes"],
    ids=["object", "datetime", "set", "bytes"],
)
def test_claims_json_cannot_hold_are_refused(value: object) -> None:
    with pytest.raises(TypeError, match="claim 'v' is not JSON-serialisable"):
        check_claims({"v": value})


def test_auth_token_checks_user_and_claims() -> None:
    auth = Auth(KEY)

    with pytest.raises(TypeError, match="reserved"):
        auth.token("user_1", exp=0)
    with pytest.raises(TypeError, match="JSON-serialisable"):
        auth.token("user_1", when=datetime.now(UTC))
    with pytest.raises(TypeError, match="string id"):
        auth.token(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty"):
        auth.token("")


def test_claims_may_be_called_user_or_response() -> None:
    auth = Auth(KEY)
    session = codec().decode(auth.token("user_1", user="display name", response=1))

    # Auth(KEY) signs with KEY too, so the test's codec reads its tokens.
    assert session is not None
    assert session.claims == {"user": "display name", "response": 1}


# --- decode ---------------------------------------------------------------------------------


def signed(payload: dict[str, Any], key: bytes = KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


def test_expiry_is_exact_with_no_leeway() -> None:
    now = int(time.time())

    assert codec().decode(signed({"sub": "u", "exp": now + 30})) is not None
    assert codec().decode(signed({"sub": "u", "exp": now})) is None


def test_token_issued_a_moment_ahead_of_this_clock_is_accepted() -> None:
    now = int(time.time())

    assert codec().decode(signed({"sub": "u", "iat": now + 5, "exp": now + 60})) is not None


def test_token_not_valid_yet_is_refused() -> None:
    now = int(time.time())

    assert codec().decode(signed({"sub": "u", "nbf": now + 60, "exp": now + 120})) is None


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="one-segment"),
        pytest.param("a.b", id="two-segments"),
        pytest.param("a.b.c", id="three-junk-segments"),
        pytest.param("a.b.c.d", id="four-segments"),
        pytest.param("....", id="dots"),
        pytest.param("é.é.é", id="non-ascii"),
        pytest.param(
            f"{base64.urlsafe_b64encode(b'[1]').decode()}.e30.", id="header-not-an-object"
        ),
    ],
)
def test_malformed_token_is_none(token: str) -> None:
    assert codec().decode(token) is None


def test_payload_that_is_not_an_object_is_none() -> None:
    token = jwt.api_jws.PyJWS().encode(b"[1,2]", KEY, algorithm="HS256")

    assert jwt.api_jws.PyJWS().decode(token, KEY, algorithms=["HS256"]) == b"[1,2]"
    assert codec().decode(token) is None


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"sub": "", "exp": NOW * 2}, id="empty-sub"),
        pytest.param({"sub": None, "exp": NOW * 2}, id="null-sub"),
        pytest.param({"sub": "u", "exp": None}, id="null-exp"),
        pytest.param({"sub": "u", "exp": 10**20}, id="exp-past-datetime-range"),
        pytest.param({"sub": "u", "exp": NOW * 2, "aud": "other-app"}, id="audience"),
    ],
)
def test_signed_token_with_unusable_claims_is_none(payload: dict[str, Any]) -> None:
    assert codec().decode(signed(payload)) is None


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_algorithm_other_than_the_pinned_one_is_refused(algorithm: str) -> None:
    token = signed({"sub": "u", "exp": NOW * 2}, algorithm=algorithm)

    assert codec("HS256").decode(token) is None
    assert codec(algorithm).decode(token) is not None


def test_alg_none_header_is_refused_even_with_a_valid_signature_attached() -> None:
    good = codec().encode("u", {})
    _, payload, signature = good.split(".")
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()

    assert codec().decode(f"{none_header}.{payload}.") is None
    assert codec().decode(f"{none_header}.{payload}.{signature}") is None


def test_session_claims_leave_out_the_managed_registered_claims() -> None:
    now = int(time.time())
    token = signed({"sub": "u", "exp": now + 60, "iat": now, "nbf": now, "jti": "j1", "x": 1})
    session = codec().decode(token)

    assert session is not None
    assert session.claims == {"jti": "j1", "x": 1}


# --- options --------------------------------------------------------------------------------


@pytest.mark.parametrize(("algorithm", "needed"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_secret_must_be_as_long_as_the_hash(algorithm: str, needed: int) -> None:
    assert len(secret_key("s" * needed, algorithm, "lib/auth.py")) == needed
    with pytest.raises(ConfigurationError) as caught:
        secret_key("s" * (needed - 1), algorithm, "lib/auth.py")

    assert caught.value.code == "auth-secret-too-short"
    assert caught.value.files == ("lib/auth.py",)
    assert f"at least {needed} bytes" in str(caught.value)
    assert f"secrets.token_urlsafe({needed})" in str(caught.value)


def test_str_secret_counts_utf8_bytes() -> None:
    assert len(secret_key("é" * 16, "HS256", "")) == 32
    with pytest.raises(ConfigurationError):
        secret_key("é" * 15 + "e", "HS256", "")


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"algorithm": "none"}, id="alg-none"),
        pytest.param({"algorithm": "RS256"}, id="public-key-alg"),
        pytest.param({"algorithm": "hs256"}, id="lower-case-alg"),
        pytest.param({"max_age": 0}, id="max-age-zero"),
        pytest.param({"max_age": -1}, id="max-age-negative"),
        pytest.param({"max_age": 1.5}, id="max-age-float"),
        pytest.param({"max_age": True}, id="max-age-bool"),
        pytest.param({"cookie_name": ""}, id="cookie-name-empty"),
        pytest.param({"cookie_name": "my session"}, id="cookie-name-space"),
        pytest.param({"cookie_name": "a;b"}, id="cookie-name-semicolon"),
    ],
)
def test_bad_auth_options_are_refused_naming_the_calling_file(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Auth(KEY, **options)

    assert caught.value.code == "bad-auth-option"
    (where,) = caught.value.files
    assert Path(where).resolve() == Path(__file__).resolve()


def test_secret_of_another_type_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="str or bytes"):
        Auth(None)  # type: ignore[arg-type]
