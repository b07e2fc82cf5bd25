"""What every S7-S9 peer shares: the SQLite rows, the order models and the session token.

Every peer imports this module (its start.sh puts this folder on PYTHONPATH), so the peers
differ only in how their framework routes, validates and answers, never in the work itself.
Standard library, pydantic and PyJWT only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any, Literal

import jwt
from pydantic import BaseModel, Field

HERE = Path(__file__).resolve().parent
PAYLOADS = HERE.parent.parent / "payloads"
# The SQLite file prepare_db() writes (git-ignored): 1,000 rows of the `items` table.
DB_PATH = Path(os.environ.get("BENCH_DB", str(HERE / ".generated" / "items.sqlite3")))
ROW_COUNT = 1000

# S9: the one origin allowed cross-origin, the session secret and the bearer token the
# requests carry (payloads/token.txt: HS256, sub "ada", expires in 2100).
ALLOWED_ORIGIN = "https://app.example.com"
# NOTE: a benchmark secret, public on purpose: every peer must verify the same token.
AUTH_SECRET = "bench-secret-0123456789abcdef0123456789abcdef"  # noqa: S105
TOKEN = (PAYLOADS / "token.txt").read_text().strip() if (PAYLOADS / "token.txt").exists() else ""

_local = threading.local()


def _connection() -> sqlite3.Connection:
    """This thread's read-only connection (sqlite3 connections stay on their own thread)."""
    connection: sqlite3.Connection | None = getattr(_local, "connection", None)
    if connection is None:
        connection = sqlite3.connect(f"file:{DB_PATH}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        _local.connection = connection
    return connection


def fetch_item(item_id: int) -> dict[str, Any] | None:
    """S7: the row `item_id` of `items` as a dict (column order), or None. Blocking."""
    row = (
        _connection()
        .execute(
            "SELECT id, sku, name, category, description, price_cents, stock, rating, created_at, "
            "supplier FROM items WHERE id = ?",
            (item_id,),
        )
        .fetchone()
    )
    return dict(row) if row is not None else None


def prepare_db(path: Path = DB_PATH) -> None:
    """Write the `items` table: ROW_COUNT rows of about 300 bytes of JSON each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, sku TEXT, name TEXT, category TEXT, "
            "description TEXT, price_cents INTEGER, stock INTEGER, rating INTEGER, "
            "created_at TEXT, supplier TEXT)"
        )
        connection.executemany(
            "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    f"SKU-{i:06d}",
                    f"Item number {i} of the benchmark catalogue",
                    ("tools", "garden", "kitchen", "books")[i % 4],
                    f"A sturdy thing, item {i}, made for the benchmark: it has a description "
                    "long enough to look like a real one in a shop's database.",
                    1000 + i * 7,
                    i % 97,
                    i % 5 + 1,
                    f"2026-{i % 12 + 1:02d}-{i % 28 + 1:02d}T12:00:00Z",
                    f"Supplier {i % 13}",
                )
                for i in range(1, ROW_COUNT + 1)
            ],
        )
    connection.close()


class Item(BaseModel):
    """One line of an order."""

    sku: str = Field(pattern=r"^SKU-[0-9]{6}$")
    quantity: int = Field(ge=1, le=1000)
    price_cents: int = Field(ge=0)


class Order(BaseModel):
    """S8's request body: ten fields, constraints, a nested list of items."""

    order_id: int = Field(ge=1)
    customer: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$", max_length=254)
    status: Literal["new", "paid", "shipped"]
    priority: int = Field(ge=0, le=10)
    gift: bool = False
    note: str = Field(default="", max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=10)
    items: list[Item] = Field(min_length=1, max_length=50)
    coupon: str | None = None


class OrderReceipt(BaseModel):
    """S8's answer."""

    order_id: int
    customer: str
    status: str
    item_count: int
    quantity: int
    total_cents: int
    tags: list[str]


def receipt(order: Order) -> OrderReceipt:
    """The answer to `order`: the same small sum in every peer."""
    return OrderReceipt(
        order_id=order.order_id,
        customer=order.customer,
        status=order.status,
        item_count=len(order.items),
        quantity=sum(item.quantity for item in order.items),
        total_cents=sum(item.quantity * item.price_cents for item in order.items),
        tags=order.tags,
    )


def write_payloads() -> None:
    """payloads/order.json (S8, about 1 KB) and payloads/token.txt (S9); run once, committed."""
    order = {
        "order_id": 4242,
        "customer": "Ada Lovelace",
        "email": "ada@example.com",
        "status": "paid",
        "priority": 3,
        "gift": False,
        "note": "Leave the parcel with the neighbour at number 12 if nobody answers the door.",
        "tags": ["express", "fragile", "repeat-customer"],
        "items": [
            {"sku": f"SKU-{i:06d}", "quantity": i % 4 + 1, "price_cents": 1000 + i * 7}
            for i in range(1, 15)
        ],
        "coupon": None,
    }
    body = json.dumps(order, separators=(",", ":")).encode()
    (PAYLOADS / "order.json").write_bytes(body)
    token = jwt.encode({"sub": "ada", "iat": 1796000000, "exp": 4102444800}, AUTH_SECRET, "HS256")
    (PAYLOADS / "token.txt").write_text(token + "\n")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["payloads"]:
        write_payloads()
    prepare_db()
