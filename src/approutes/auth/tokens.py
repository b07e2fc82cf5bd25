"""Internal: signs and checks session tokens (JWTs through PyJWT, one pinned HMAC algorithm)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt

from approutes.auth.session import Session
from approutes.auth.verified_tokens import DEFAULT_CAPACITY, VerifiedTokens

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["MANAGED_CLAIMS", "RESERVED_CLAIMS", "TokenCodec", "check_claims"]

# The registered claims approutes sets or checks itself; they never appear in Session.claims.
MANAGED_CLAIMS = frozenset({"sub", "exp", "iat", "nbf"})
# NOTE: `aud` is refused too: PyJWT rejects a token with an audience nobody asked for, so a
# session signed with one would never authenticate.
RESERVED_CLAIMS = MANAGED_CLAIMS | {"aud"}


def check_claims(claims: Mapping[str, Any]) -> None:
    """Refuse claims that would break the token: reserved names, values JSON cannot hold.

    >>> check_claims({"role": "admin", "teams": [1, 2]})
    >>> check_claims({"exp": 0})
    Traceback (most recent call last):
    ...
    TypeError: claim 'exp' is reserved: approutes sets sub, iat and exp (and refuses aud, nbf)

    Raises:
        TypeError: a reserved name, or a value that is not JSON-serialisable.
    """
    for name, value in claims.items():
        if name in RESERVED_CLAIMS:
            raise TypeError(
                f"claim {name!r} is reserved: "
                "approutes sets sub, iat and exp (and refuses aud, nbf)"
            )
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"claim {name!r} is not JSON-serialisable ({type(value).__name__}): use str, "
                "int, float, bool, None, and lists and dicts of them"
            ) from exc


class TokenCodec:
    """Signs tokens for a user and turns a presented token back into a Session, or None.

    `encode` does not check its claims; callers run `check_claims` first. Tokens that
    verified are kept (`VerifiedTokens`, whose docstring says why that is safe): PyJWT runs
    once per token, not once per request.
    """

    __slots__ = ("_key", "_verified", "algorithm", "max_age")

    def __init__(
        self,
        key: bytes,
        algorithm: str,
        max_age: int,
        *,
        clock: Callable[[], float] = time.time,
        cache_size: int = DEFAULT_CAPACITY,
    ) -> None:
        """Sign and verify with `key` and `algorithm`; tokens live `max_age` seconds.

        `clock` tells the time to the checks of a remembered token (PyJWT reads its own);
        `cache_size` bounds how many verified tokens are remembered.
        """
        # NOTE: the key, algorithm and options never change after this: the remembered
        # tokens depend on them (a new key means a new codec).
        self._key = key
        self.algorithm = algorithm
        self.max_age = max_age
        self._verified = VerifiedTokens(clock, cache_size)

    def encode(self, user: str, claims: Mapping[str, Any], *, now: float | None = None) -> str:
        """Return a signed token: `claims` plus `sub`=user, `iat`=now, `exp`=now+max_age."""
        issued = int(time.time() if now is None else now)
        payload = {**claims, "sub": user, "iat": issued, "exp": issued + self.max_age}
        return jwt.encode(payload, self._key, algorithm=self.algorithm)

    def decode(self, token: str) -> Session | None:
        """Return the Session `token` proves, or None for any token that does not verify.

        Expired, tampered, signed with another key or algorithm (`none` included),
        malformed, or without `exp` or `sub`: all None, never an exception. Each call
        returns a Session of its own (claims included), remembered token or not.
        """
        # PERF: PyJWT's decode was ~42% of a request authenticated by a bearer token.
        known = self._verified.get(token)
        if known is False:
            return None  # verified once, past its `exp` now: PyJWT would refuse it too
        if known is not None:
            return known
        try:
            payload = jwt.decode(
                token,
                self._key,
                # SECURITY: pinned; the token's own `alg` header is never trusted.
                algorithms=[self.algorithm],
                options={
                    "require": ["exp", "sub"],
                    # NOTE: `iat` a second ahead of this machine's clock (another instance
                    # signed it) must not refuse the token; `exp` bounds its life.
                    "verify_iat": False,
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.PyJWTError:
            return None
        user = payload["sub"]
        if not isinstance(user, str) or not user:
            return None
        try:
            expires = datetime.fromtimestamp(payload["exp"], tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            return None
        extra = {k: v for k, v in payload.items() if k not in MANAGED_CLAIMS}
        session = Session(user=user, expires=expires, claims=extra)
        # NOTE: PyJWT verified `exp` (and `nbf` when present) as ints: `int()` works on them.
        nbf = payload.get("nbf")
        self._verified.put(token, session, int(payload["exp"]), None if nbf is None else int(nbf))
        return session
