"""The shapes of the data: what a client may send, and what the API answers."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# A user's id in a URL: SQLite's integers are 64-bit, so a larger one is a 400, not a 500.
UserId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class UserIn(BaseModel):
    """The body of POST /api/users and PUT /api/users/:id (an unknown field is a 400)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, examples=["Grace Hopper"])
    # NOTE: ASCII classes: JSON Schema reads a pattern as a JavaScript regex, whose `\s` and
    # `\w` are not Python's, and clients generated from the document must agree with the server.
    email: str = Field(
        pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
        max_length=254,
        examples=["grace@example.com"],
    )


class User(BaseModel):
    """A stored user, as the API answers it."""

    id: int
    name: str
    email: str


class SearchQuery(BaseModel):
    """The query string of GET /api/search."""

    q: str = ""
    limit: int = Field(default=10, ge=1, le=100)


class Greeting(BaseModel):
    """The answer of GET /api/hello."""

    message: str


class SearchResults(BaseModel):
    """The answer of GET /api/search."""

    query: str
    limit: int
    results: list[User]


class LoginIn(BaseModel):
    """The body of POST /api/login (an unknown field is a 400)."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=254, examples=["ada@example.com"])


class LoginOut(BaseModel):
    """The answer of POST /api/login (the session cookie comes with it)."""

    user: User


class Me(BaseModel):
    """The signed-in user, as GET /api/me answers it."""

    id: str
    name: str | None


class Uploaded(BaseModel):
    """The answer of POST /api/upload."""

    filename: str
    size: int


class FilePath(BaseModel):
    """The answer of GET /api/files/...: the segments, and the path they make."""

    path: list[str]
    fullPath: str  # noqa: N815 - the JSON key a Next.js client reads
