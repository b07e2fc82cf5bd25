"""Internal: checks the options of `Auth(...)` once, when the project's `lib/auth.py` runs."""

from __future__ import annotations

import re

from approutes.errors import ConfigurationError

__all__ = [
    "MIN_SECRET_BYTES",
    "check_algorithm",
    "check_cookie_name",
    "check_max_age",
    "secret_key",
]

# SECURITY: RFC 7518 §3.2: an HMAC key at least as long as the hash output. HS256 -> 32 bytes.
_KEY_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
MIN_SECRET_BYTES = _KEY_BYTES["HS256"]
_COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def check_algorithm(algorithm: object, where: str) -> str:
    """Return `algorithm` when it is an HMAC algorithm approutes signs with.

    >>> check_algorithm("HS384", "lib/auth.py")
    'HS384'

    Raises:
        ConfigurationError: anything but "HS256", "HS384" or "HS512" (`none` and
            public-key algorithms included).
    """
    if not isinstance(algorithm, str) or algorithm not in _KEY_BYTES:
        raise _refusal(
            "bad-auth-option",
            where,
            f"Auth(algorithm={algorithm!r}) is not supported",
            'use "HS256" (the default), "HS384" or "HS512"',
        )
    return algorithm


def secret_key(secret: object, algorithm: str, where: str) -> bytes:
    """Return `secret` as the HMAC key (a str is taken as its UTF-8 bytes).

    >>> len(secret_key("x" * 32, "HS256", "lib/auth.py"))
    32

    Raises:
        ConfigurationError: not a str or bytes, or shorter than the algorithm's hash
            (32 bytes for HS256, 48 for HS384, 64 for HS512).
    """
    if not isinstance(secret, str | bytes):
        raise _refusal(
            "bad-auth-option",
            where,
            f"Auth(secret=...) must be a str or bytes, got {type(secret).__name__}",
            "pass the secret as a string, e.g. os.environ['AUTH_SECRET']",
        )
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    needed = _KEY_BYTES[algorithm]
    if len(key) < needed:
        raise _refusal(
            "auth-secret-too-short",
            where,
            f"the auth secret is {len(key)} bytes long; {algorithm} needs at least "
            f"{needed} bytes so that nobody can guess it and sign sessions",
            'make one with `python -c "import secrets; print(secrets.token_urlsafe('
            f'{needed}))"` and put it in AUTH_SECRET (in .env.local while developing)',
        )
    return key


def check_max_age(max_age: object, where: str) -> int:
    """Return `max_age` (seconds) when it is a positive whole number.

    >>> check_max_age(3600, "lib/auth.py")
    3600

    Raises:
        ConfigurationError: not an int, or zero or less.
    """
    if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age <= 0:
        raise _refusal(
            "bad-auth-option",
            where,
            f"Auth(max_age={max_age!r}) must be a positive number of seconds",
            "pass e.g. max_age=7 * 24 * 3600 for a week",
        )
    return max_age


def check_cookie_name(name: object, where: str) -> str:
    """Return `name` when it can be a cookie name (an HTTP token).

    >>> check_cookie_name("__Host-session", "lib/auth.py")
    '__Host-session'

    Raises:
        ConfigurationError: empty, or with characters a cookie name cannot hold.
    """
    if not isinstance(name, str) or not _COOKIE_NAME.fullmatch(name):
        raise _refusal(
            "bad-auth-option",
            where,
            f"Auth(cookie_name={name!r}) is not a valid cookie name",
            'use letters, digits and "-_.", e.g. cookie_name="session"',
        )
    return name


def _refusal(code: str, where: str, problem: str, fix: str) -> ConfigurationError:
    return ConfigurationError(code=code, files=(where,) if where else (), problem=problem, fix=fix)
