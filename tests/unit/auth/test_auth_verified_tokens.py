"""Verified tokens are remembered per codec, and only while PyJWT would accept them again."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from tests.conftest import FakeClock

from approutes.auth.session import Session
from approutes.auth.tokens import TokenCodec
from approutes.auth.verified_tokens import VerifiedTokens

KEY = b"k" * 64
OTHER_KEY = b"o" * 64


def signed(payload: dict[str, Any], key: bytes = KEY) -> str:
    return jwt.encode(payload, key, algorithm="HS256")


def session(user: str = "u", **claims: Any) -> Session:
    return Session(user=user, expires=datetime.fromtimestamp(2**32, tz=UTC), claims=claims)


# --- expiry --------------------------------------------------------------------------------


def test_remembered_token_is_refused_once_the_clock_reaches_its_exp() -> None:
    clock = FakeClock()
    codec = TokenCodec(KEY, "HS256", 60, clock=clock)
    exp = int(clock.now) + 600
    token = signed({"sub": "u", "exp": exp})
    assert codec.decode(token) is not None  # verified by PyJWT, remembered

    clock.now = exp - 0.5
    assert codec.decode(token) is not None
    clock.now = exp
    assert codec.decode(token) is None
    assert codec.decode(token) is None


def test_remembered_token_is_refused_before_its_nbf() -> None:
    clock = FakeClock()
    codec = TokenCodec(KEY, "HS256", 60, clock=clock)
    nbf = int(clock.now) - 10
    token = signed({"sub": "u", "nbf": nbf, "exp": nbf + 600})
    assert codec.decode(token) is not None

    clock.now = nbf
    assert codec.decode(token) is not None
    clock.now = nbf - 1
    assert codec.decode(token) is None


def test_expired_entry_is_refused_not_forgotten_nor_refreshed() -> None:
    clock = FakeClock()
    tokens = VerifiedTokens(clock, capacity=2)
    exp = int(clock.now) + 5
    tokens.put("old", session("old"), exp=exp, nbf=None)
    tokens.put("live", session("live"), exp=exp + 60, nbf=None)

    clock.now = exp
    assert tokens.get("old") is False
    assert tokens.get("old") is False
    tokens.put("new", session("new"), exp=exp + 60, nbf=None)  # "old" is the one to go
    assert tokens.get("old") is None
    assert tokens.get("live") is not None


# --- bounds --------------------------------------------------------------------------------


def test_cache_holds_at_most_its_capacity_and_forgets_the_least_recently_used() -> None:
    clock = FakeClock()
    tokens = VerifiedTokens(clock, capacity=2)
    exp = int(clock.now) + 60
    tokens.put("a", session("a"), exp, None)
    tokens.put("b", session("b"), exp, None)
    assert tokens.get("a") is not None  # "b" is now the least recently used
    tokens.put("c", session("c"), exp, None)

    assert len(tokens) == 2
    assert tokens.get("b") is None
    assert [s.user for s in (tokens.get("a"), tokens.get("c")) if s] == ["a", "c"]


def test_many_tokens_keep_the_codec_cache_bounded_and_still_verify() -> None:
    codec = TokenCodec(KEY, "HS256", 60, cache_size=3)
    tokens = [codec.encode(f"user_{n}", {}) for n in range(10)]
    users = [codec.decode(token) for token in tokens + tokens]

    assert [s.user if s else None for s in users] == [f"user_{n}" for n in range(10)] * 2
    assert len(codec._verified) == 3


def test_clear_forgets_every_token() -> None:
    clock = FakeClock()
    tokens = VerifiedTokens(clock)
    tokens.put("t", session(), exp=int(clock.now) + 60, nbf=None)
    tokens.clear()

    assert tokens.get("t") is None


# --- keys ----------------------------------------------------------------------------------


def test_token_signed_with_another_key_is_never_served_from_the_cache() -> None:
    codec = TokenCodec(KEY, "HS256", 60)
    exp = int(time.time()) + 600
    good = signed({"sub": "u", "exp": exp})
    forged = signed({"sub": "u", "exp": exp}, key=OTHER_KEY)
    header, payload, _ = good.split(".")
    assert codec.decode(good) is not None

    assert codec.decode(forged) is None
    assert codec.decode(f"{header}.{payload}.{forged.split('.')[2]}") is None
    assert codec.decode(f"{header}.{payload}.") is None
    assert len(codec._verified) == 1


def test_same_token_with_two_codecs_of_different_keys() -> None:
    ours = TokenCodec(KEY, "HS256", 60)
    theirs = TokenCodec(OTHER_KEY, "HS256", 60)
    token = ours.encode("u", {})

    for _ in range(2):
        assert ours.decode(token) is not None
        assert theirs.decode(token) is None


def test_refused_token_is_not_remembered() -> None:
    codec = TokenCodec(KEY, "HS256", 60)
    codec.decode(signed({"sub": "u", "exp": 1}))
    codec.decode(signed({"sub": "", "exp": int(time.time()) + 60}))

    assert len(codec._verified) == 0


# --- fresh sessions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"role": "member"}, id="flat"),
        pytest.param({"role": "member", "teams": [1, 2], "profile": {"tags": ["x"]}}, id="nested"),
    ],
)
def test_each_decode_returns_claims_of_its_own(claims: dict[str, Any]) -> None:
    codec = TokenCodec(KEY, "HS256", 60)
    token = codec.encode("u", claims)

    # The first decode verifies and remembers the token; the others come from the cache.
    # Each handler mutates its session's claims, top level and nested.
    for _ in range(3):
        got = codec.decode(token)
        assert got is not None
        assert got.claims == claims
        got.claims["role"] = "admin"
        got.claims["new"] = True
        if "teams" in got.claims:
            got.claims["teams"].append(99)
            got.claims["profile"]["tags"].clear()
