"""The security of an operation, from the auth dependencies its handler reaches.

A handler that reaches `Use(auth.required)` or `Use(auth.optional)` (directly or through
other dependencies) is behind that `Auth`, which takes a bearer token and its session cookie:

- `components.securitySchemes` gets `bearerAuth` (HTTP bearer, a JWT) and a cookie scheme
  (`cookieAuth` for the default cookie name `session`, `cookieAuth_<name>` for another);
- the operation's `security` is either scheme; `auth.optional` adds `{}` (no credentials);
- `auth.required` adds its 401 (`components.responses.Unauthorized`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from approutes.auth.authenticator import Auth

if TYPE_CHECKING:
    from approutes.openapi.schemas import Components
    from approutes.typed_params.binding import TypedBinding

__all__ = ["SecuritySchemes", "unauthorized_response"]

_BEARER = "bearerAuth"
_UNAUTHORIZED_REF = {"$ref": "#/components/responses/Unauthorized"}
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


class SecuritySchemes:
    """Collects the schemes the document's operations use, and marks each operation."""

    def __init__(self) -> None:
        """Start with none."""
        self.schemes: dict[str, dict[str, Any]] = {}

    def secure(self, operation: dict[str, Any], binding: TypedBinding | None) -> None:
        """Add `security` (and the 401 of a required session) to `operation`, if it has any."""
        if binding is None:
            return
        required = False
        optional = False
        names: list[str] = []
        for plan in binding.dependencies:
            found = _auth_of(plan.fn)
            if found is None:
                continue
            auth, is_required = found
            required = required or is_required
            optional = optional or not is_required
            for name in self._schemes_of(auth):
                if name not in names:
                    names.append(name)
        if not names:
            return
        security: list[dict[str, list[str]]] = [{name: []} for name in names]
        if optional and not required:
            security.append({})  # NOTE: an empty requirement: no credentials is fine too
        operation["security"] = security
        if required:
            operation.setdefault("responses", {})["401"] = dict(_UNAUTHORIZED_REF)

    def _schemes_of(self, auth: Auth) -> tuple[str, str]:
        cookie = (
            "cookieAuth"
            if auth.cookie_name == "session"
            else f"cookieAuth_{_NOT_IN_NAME.sub('_', auth.cookie_name)}"
        )
        self.schemes[_BEARER] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "`Authorization: Bearer <token>`, a token of `auth.token()`.",
        }
        self.schemes[cookie] = {
            "type": "apiKey",
            "in": "cookie",
            "name": auth.cookie_name,
            "description": "The session cookie `auth.sign_in()` sets.",
        }
        return (_BEARER, cookie)


def unauthorized_response(components: Components) -> dict[str, Any]:
    """`components.responses.Unauthorized`: the 401 of `auth.required`."""
    return {
        "description": "No valid session: no bearer token or session cookie, or a bad one.",
        "headers": {
            "WWW-Authenticate": {
                "description": "`Bearer`.",
                "schema": {"type": "string"},
            }
        },
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{components.error}"}}
        },
    }


def _auth_of(dependency: object) -> tuple[Auth, bool] | None:
    """(the Auth, whether a session is required) of `auth.required` / `auth.optional`."""
    owner = getattr(dependency, "__self__", None)
    if not isinstance(owner, Auth):
        return None
    function = getattr(dependency, "__func__", None)
    if function is Auth.required:
        return owner, True
    if function is Auth.optional:
        return owner, False
    return None
