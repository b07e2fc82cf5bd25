"""Internal: the tokens one TokenCodec has verified lately, so PyJWT runs once per token.

SECURITY: why serving a token from here is as safe as verifying it again. Whether PyJWT
accepts a token is a function of the token string, the key, the pinned algorithm and the
decode options, which one TokenCodec never changes, and of the time, through `exp` and
`nbf` only (`iat` is not verified; `aud` refuses the token whatever the time). So a token
string that verified once with this codec verifies again, with the same claims, for as
long as `nbf <= now < exp`, and each hit checks exactly that, as PyJWT does (no leeway).
The cache belongs to one codec (one Auth): a token signed with another key is never in
it, and another Auth with another secret has its own. Only tokens that verified are
stored: a bad token goes through PyJWT every time. There is no key rotation nor
revocation in approutes; one that comes must build a new codec (and so a new cache) or
clear this one (`clear`).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from approutes.auth.session import Session

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

__all__ = ["DEFAULT_CAPACITY", "VerifiedTokens"]

# PERF: a worker sees few distinct live tokens at once; 1,024 keeps the busy ones (a
# token is a few hundred bytes) and bounds what the cache can hold.
DEFAULT_CAPACITY = 1024


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one verified token proved, and the window in which it stays valid."""

    user: str
    expires: datetime
    claims: dict[str, Any]
    exp: int
    nbf: int | None
    nested: bool


class VerifiedTokens:
    """A bounded least-recently-used map from a verified token string to its session.

    `clock` is read on every hit (seconds since the epoch, as `time.time`); tests pass
    their own.
    """

    __slots__ = ("_capacity", "_clock", "_entries")

    def __init__(self, clock: Callable[[], float], capacity: int = DEFAULT_CAPACITY) -> None:
        """Keep at most `capacity` tokens; check their expiry against `clock()`."""
        self._clock = clock
        self._capacity = capacity
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        """How many tokens are kept."""
        return len(self._entries)

    def get(self, token: str) -> Session | Literal[False] | None:
        """Return a fresh Session for `token`, False when it is no longer valid, or None.

        None means "not known": the caller verifies the token itself. False means the
        token verified once but is past its `exp` (or before its `nbf`) now: refused,
        without asking PyJWT, which would say the same.
        """
        entry = self._entries.get(token)
        if entry is None:
            return None
        now = self._clock()
        # NOTE: PyJWT's checks, with its leeway of 0: `exp <= now` is expired, `nbf > now`
        # is not valid yet (both compared as ints, as PyJWT reads them). The entry is not
        # refreshed: an expired token ages out of the cache.
        if entry.exp <= now or (entry.nbf is not None and entry.nbf > now):
            return False
        # NOTE: another thread may have evicted it meanwhile; the entry still holds.
        with suppress(KeyError):
            self._entries.move_to_end(token)
        # SECURITY: each request gets its own claims: a handler that mutates
        # `session.claims` must not change what the next request with this token sees.
        claims = copy.deepcopy(entry.claims) if entry.nested else dict(entry.claims)
        return Session(user=entry.user, expires=entry.expires, claims=claims)

    def put(self, token: str, session: Session, exp: int, nbf: int | None) -> None:
        """Remember that `token` verified as `session`, valid while `nbf <= now < exp`.

        The claims are copied: the caller's `session` stays its own.
        """
        claims = session.claims
        nested = any(isinstance(value, dict | list) for value in claims.values())
        entry = _Entry(
            user=session.user,
            expires=session.expires,
            claims=copy.deepcopy(claims) if nested else dict(claims),
            exp=exp,
            nbf=nbf,
            nested=nested,
        )
        # NOTE: no step here raises when another thread changes the cache meanwhile (one
        # Auth shared by event loops in several threads): pop with a default, then the new
        # key goes last.
        entries = self._entries
        entries.pop(token, None)
        entries[token] = entry
        while len(entries) > self._capacity:
            with suppress(KeyError):
                entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every token (for a change of what makes a token valid)."""
        self._entries.clear()
