"""S8: a typed handler; approutes validates the body as Order and the answer as OrderReceipt."""

from benchwork import Order, OrderReceipt, receipt


async def POST(order: Order) -> OrderReceipt:
    return receipt(order)
