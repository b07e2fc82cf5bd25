"""`Status()` and `Raises()`: a typed handler's declared answers, read from its return annotation.

One way to declare them: markers in the return annotation's `Annotated`, next to the type
that shapes the answer, read once at load and checked there.

>>> from typing import Annotated
>>> returns, answers = read_answers({"return": Annotated[dict, Status(201), Raises(409)]})
>>> returns, answers.status, [r.code for r in answers.raises]
(<class 'dict'>, 201, [409])
>>> read_answers({"return": Annotated[None, Status(204)]})[1].no_body
True
>>> try:
...     read_answers({"return": Annotated[dict, Status(200), Status(201)]})
... except AnswerDeclarationError as refused:
...     print(refused)
two Status() in the return annotation (200 and 201); keep one
"""

from __future__ import annotations

import inspect
import typing
from dataclasses import dataclass
from typing import Any

from approutes.web.response import Response

__all__ = [
    "NO_ANSWERS",
    "AnswerDeclarationError",
    "DeclaredAnswers",
    "Raises",
    "Status",
    "is_response_type",
    "read_answers",
]


@dataclass(frozen=True, slots=True)
class Status:
    """Declares a typed handler's success status (2xx), in its return annotation.

    What the handler returns is shaped by the annotated type and answered with `code`;
    `Annotated[None, Status(204)]` answers a returned None with 204 and no body. A Response
    the handler returns keeps its own status. The OpenAPI document lists `code` as the
    operation's success answer, with the annotated type's schema.

    Example:
        async def POST(item: ItemIn) -> Annotated[ItemOut, Status(201)]:
            return await insert_item(item)

        async def DELETE(id: int) -> Annotated[None, Status(204)]:
            await delete_item(id)

    Next.js: no equivalent; a Next handler writes `NextResponse.json(data, {status: 201})`.
    """

    code: int


@dataclass(frozen=True, slots=True)
class Raises:
    """Declares an error answer (4xx/5xx) a typed handler may give, in its return annotation.

    The handler gives it by raising `HTTPError(code, ...)` (or by returning a Response with
    that status); the OpenAPI document lists it with the error body `{"error": string}` and
    `description` (the status's reason phrase when empty). Declare as many as the handler
    has, each code once.

    Example:
        async def POST(
            user: UserIn,
        ) -> Annotated[UserOut, Status(201), Raises(409, "the email is taken")]:
            if await email_taken(user.email):
                raise HTTPError(409, "Email already registered")
            ...
    """

    code: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class DeclaredAnswers:
    """What a handler's return annotation declares besides its type.

    Attributes:
        status: The success status of `Status()`, or None (200).
        raises: The `Raises()` markers, in the order written.
        no_body: The annotated type is None under a `Status()`: a returned None is
            answered `status` with no body.
    """

    status: int | None = None
    raises: tuple[Raises, ...] = ()
    no_body: bool = False


NO_ANSWERS = DeclaredAnswers()
"""A return annotation that declares nothing."""


class AnswerDeclarationError(TypeError):
    """`Status()` / `Raises()` that contradict each other, the type, or where they stand."""


_NO_BODY_STATUSES = frozenset({204, 205})


def read_answers(hints: dict[str, Any]) -> tuple[Any, DeclaredAnswers]:
    """Split the return hint of `hints` into the type that shapes the answer and its answers.

    `hints` are a handler's type hints (with extras); the type keeps any other `Annotated`
    metadata. Without a return hint the type is `inspect.Signature.empty`.

    Raises:
        AnswerDeclarationError: two `Status()`, a `Status()` outside 200-299, a 204 or 205
            with a body type, a `Raises()` outside 400-599 or twice the same code, or a
            marker anywhere but at the top of the return annotation.
    """
    for name, hint in hints.items():
        if name != "return" and _holds_marker(hint):
            raise AnswerDeclarationError(
                f"Status() and Raises() belong in the return annotation, not on the "
                f"parameter {name!r}"
            )
    returns = hints.get("return", inspect.Signature.empty)
    if typing.get_origin(returns) is not typing.Annotated:
        if _holds_marker(returns):
            raise _nested()
        return returns, NO_ANSWERS
    base, *extras = typing.get_args(returns)
    others = [e for e in extras if not _is_marker(e)]
    if _holds_marker(base) or any(_holds_marker(e) for e in others):
        raise _nested()
    markers = [e for e in extras if _is_marker(e)]
    if not markers:
        return returns, NO_ANSWERS
    if others:
        base = typing.Annotated[(base, *others)]
    answers = _checked(base, markers)
    return base, answers


def _checked(base: Any, markers: list[Any]) -> DeclaredAnswers:
    if any(isinstance(m, type) for m in markers):
        raise AnswerDeclarationError(
            "write Status(201) or Raises(409, ...) with their code, not the bare class"
        )
    statuses = [m for m in markers if isinstance(m, Status)]
    raises = tuple(m for m in markers if isinstance(m, Raises))
    for marker in markers:
        if not isinstance(marker.code, int) or isinstance(marker.code, bool):
            raise AnswerDeclarationError(f"{marker!r}: the code is an int, such as 201 or 409")
    if len(statuses) > 1:
        codes = " and ".join(str(s.code) for s in statuses)
        raise AnswerDeclarationError(f"two Status() in the return annotation ({codes}); keep one")
    status = statuses[0].code if statuses else None
    if status is not None and not 200 <= status <= 299:
        raise AnswerDeclarationError(
            f"Status({status}) is not a success status (200-299): declare an error as "
            f"Raises({status}, ...) and raise HTTPError, or return a Response for a redirect"
        )
    no_body = base is None or base is type(None)
    if status in _NO_BODY_STATUSES and not no_body and not is_response_type(base):
        raise AnswerDeclarationError(
            f"Status({status}) answers no body, but the return type is {_describe(base)}: "
            f"annotate the handler -> Annotated[None, Status({status})]"
        )
    seen: set[int] = set()
    for declared in raises:
        if not 400 <= declared.code <= 599:
            raise AnswerDeclarationError(
                f"Raises({declared.code}) is not an error status (400-599): declare the "
                "success status with Status()"
            )
        if declared.code in seen:
            raise AnswerDeclarationError(
                f"Raises({declared.code}) is declared twice; keep one, with one description"
            )
        seen.add(declared.code)
    return DeclaredAnswers(status, raises, no_body and status is not None)


def _is_marker(value: object) -> bool:
    return isinstance(value, Status | Raises) or value in (Status, Raises)


def _holds_marker(hint: Any) -> bool:
    """Whether a Status or Raises stands anywhere inside `hint` (`list[Annotated[...]]`)."""
    if typing.get_origin(hint) is typing.Annotated:
        base, *extras = typing.get_args(hint)
        return any(_is_marker(e) for e in extras) or _holds_marker(base)
    return any(_holds_marker(arg) for arg in typing.get_args(hint) if not isinstance(arg, str))


def _nested() -> AnswerDeclarationError:
    return AnswerDeclarationError(
        "Status() and Raises() stand at the top of the return annotation, "
        "-> Annotated[ItemOut, Status(201), Raises(409, ...)], not inside another type"
    )


def is_response_type(annotation: Any) -> bool:
    """A Response class, or a union of them and None (`NextResponse | None`).

    >>> from approutes.web.response import NextResponse
    >>> is_response_type(NextResponse), is_response_type(NextResponse | None)
    (True, True)
    >>> is_response_type(dict)
    False
    """
    if isinstance(annotation, type):
        return issubclass(annotation, Response)
    args = typing.get_args(annotation)
    return bool(args) and all(a is type(None) or is_response_type(a) for a in args)


def _describe(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or repr(annotation)
