"""The shapes of the data: what a client may send, and what the API answers."""

from pydantic import BaseModel, Field


class UserIn(BaseModel):
    """The body of POST /api/users and PUT /api/users/:id."""

    name: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)


class User(BaseModel):
    """A stored user, as the API answers it."""

    id: int
    name: str
    email: str


class SearchQuery(BaseModel):
    """The query string of GET /api/search."""

    q: str = ""
    limit: int = Field(default=10, ge=1, le=100)
