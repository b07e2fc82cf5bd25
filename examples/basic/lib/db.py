"""The users table on SQLite (stdlib sqlite3), one connection per operation.

The database file is `$DATABASE_PATH`, or `data.sqlite3` in the project folder. It is
created, with two seed users, the first time it is opened. These functions block: call
them from plain `def` handlers (approutes runs those in a worker thread), or from an
`async def` handler through `asyncio.to_thread`.
"""

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from lib.models import User, UserIn

PROJECT_DIR = Path(__file__).resolve().parent.parent

_SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    email TEXT NOT NULL
)
"""
_SEED = [("Ada Lovelace", "ada@example.com"), ("Linus Torvalds", "linus@example.com")]


def database_path() -> Path:
    """Where the database lives; read at each call so tests can point it elsewhere."""
    return Path(os.environ.get("DATABASE_PATH") or PROJECT_DIR / "data.sqlite3")


@contextmanager
def connect() -> Iterator[sqlite3.Connection]:
    """Open the database for one transaction: commit on success, roll back on error."""
    with closing(sqlite3.connect(database_path())) as conn:
        conn.row_factory = sqlite3.Row
        _create_if_missing(conn)
        with conn:
            yield conn


def _create_if_missing(conn: sqlite3.Connection) -> None:
    if _has_users_table(conn):
        return
    with conn:
        conn.execute("BEGIN IMMEDIATE")  # one writer: concurrent first requests seed once
        if not _has_users_table(conn):
            conn.execute(_SCHEMA)
            conn.executemany("INSERT INTO users (name, email) VALUES (?, ?)", _SEED)


def _has_users_table(conn: sqlite3.Connection) -> bool:
    query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users'"
    return conn.execute(query).fetchone() is not None


def list_users() -> list[User]:
    with connect() as conn:
        rows = conn.execute("SELECT id, name, email FROM users ORDER BY id").fetchall()
    return [User(**row) for row in rows]


def get_user(user_id: int) -> User | None:
    with connect() as conn:
        row = conn.execute("SELECT id, name, email FROM users WHERE id = ?", (user_id,)).fetchone()
    return User(**row) if row else None


def create_user(data: UserIn) -> User:
    with connect() as conn:
        cursor = conn.execute(
            "INSERT INTO users (name, email) VALUES (?, ?)", (data.name, data.email)
        )
    return User(id=cursor.lastrowid, **data.model_dump())


def update_user(user_id: int, data: UserIn) -> User | None:
    with connect() as conn:
        row = conn.execute(
            "UPDATE users SET name = ?, email = ? WHERE id = ? RETURNING id, name, email",
            (data.name, data.email, user_id),
        ).fetchone()
    return User(**row) if row else None


def delete_user(user_id: int) -> bool:
    with connect() as conn:
        cursor = conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
    return cursor.rowcount > 0


def search_users(query: str, limit: int) -> list[User]:
    with connect() as conn:
        rows = conn.execute(
            "SELECT id, name, email FROM users WHERE instr(lower(name), lower(?)) > 0"
            " ORDER BY id LIMIT ?",
            (query, limit),
        ).fetchall()
    return [User(**row) for row in rows]


def find_user_by_email(email: str) -> User | None:
    with connect() as conn:
        row = conn.execute(
            "SELECT id, name, email FROM users WHERE lower(email) = lower(?)", (email,)
        ).fetchone()
    return User(**row) if row else None
