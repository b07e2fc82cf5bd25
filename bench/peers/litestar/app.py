"""Litestar peer for S7 and S8, written the way Litestar's docs write them.

S7 a sync handler with `sync_to_thread=True`; S8 the shared pydantic models as `data` and
return type (Litestar's built-in pydantic plugin), answered 200 as every peer answers.
"""

from typing import Any

from benchwork import Order, OrderReceipt, fetch_item, receipt
from litestar import Litestar, get, post
from litestar.exceptions import NotFoundException


@get("/api/hello")
async def hello() -> dict[str, str]:
    return {"message": "Hello World"}


@get("/api/items/{item_id:int}", sync_to_thread=True)
def item(item_id: int) -> dict[str, Any]:
    row = fetch_item(item_id)
    if row is None:
        raise NotFoundException("not found")
    return row


@post("/api/orders", status_code=200)
async def orders(data: Order) -> OrderReceipt:
    return receipt(data)


app = Litestar([hello, item, orders])
