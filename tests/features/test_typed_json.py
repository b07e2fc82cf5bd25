"""A typed body is parsed by pydantic, a returned model written by it: the same answers as before.

A body model is validated from the raw bytes (`validate_json`), and an instance of the
response model is written by pydantic (`dump_json`). Every answer must be byte for byte the
one of the path they replace: `await request.json()` + `validate_python` for the body, and
`dump_python(mode="json")` written by `NextResponse.json` for the return value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.conftest import client_for, make_project

if TYPE_CHECKING:
    from pathlib import Path

MODELS = """
    import datetime
    import decimal
    import enum
    import uuid
    from typing import Any

    from pydantic import BaseModel, Field

    class Line(BaseModel):
        sku: str = Field(pattern=r"^SKU-[0-9]{3}$")
        quantity: int = Field(ge=1)

    class Order(BaseModel):
        order_id: int
        customer: str = Field(min_length=1)
        price: float = 0.0
        note: Any = None
        lines: list[Line] = []

    class Receipt(BaseModel):
        order_id: int
        customer: str
        price: float
        note: Any
        count: int

    class Colour(enum.Enum):
        RED = "red"

    class Rich(BaseModel):
        text: str
        when: datetime.datetime
        day: datetime.date
        span: datetime.timedelta
        ident: uuid.UUID
        amount: decimal.Decimal
        colour: Colour
        raw: bytes
        ratio: float
        ids: set[int]
        pair: tuple[int, str]
        nested: list[Line]
        extra: dict[str, int]
        nothing: None = None

    def receipt(order: Order) -> Receipt:
        return Receipt(
            order_id=order.order_id,
            customer=order.customer,
            price=order.price,
            note=order.note,
            count=len(order.lines),
        )
"""

TYPED = """
    from typed_json_lib.models import Order, Receipt, receipt

    async def POST(order: Order) -> Receipt:
        return receipt(order)
"""

# The path a typed body took before: request.json(), then validate_python (an uncaught
# ValidationError is the same 400 with its issues).
BY_HAND = """
    from approutes import NextResponse
    from typed_json_lib.models import Order, receipt

    async def POST(request):
        order = Order.model_validate(await request.json())
        return NextResponse.json(receipt(order).model_dump(mode="json"))
"""

RICH = """
    import datetime
    import decimal
    import uuid
    from typing import Annotated

    from approutes import NextResponse, Query, Status
    from typed_json_lib.models import Colour, Line, Rich

    def rich(ratio: float) -> Rich:
        return Rich(
            text="Zoë's 日本 \\u2028 \\"quoted\\" \\\\ </script>",
            when=datetime.datetime(
                2026, 12, 7, 18, 5, 4, 123456, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
            ),
            day=datetime.date(2026, 12, 7),
            span=datetime.timedelta(days=1, seconds=5, microseconds=7),
            ident=uuid.UUID(int=42),
            amount=decimal.Decimal("9.50"),
            colour=Colour.RED,
            raw=b"ab\\xc3\\xa9",
            ratio=ratio,
            ids={3, 1},
            pair=(1, "x"),
            nested=[Line(sku="SKU-001", quantity=2)],
            extra={"z": 1, "a": 2},
        )

    async def GET(ratio: Annotated[float, Query()] = 0.1) -> Rich:
        return rich(ratio)

    async def POST(ratio: Annotated[float, Query()] = 0.1) -> Annotated[Rich, Status(201)]:
        return rich(ratio)

    async def PUT(ratio: Annotated[float, Query()] = 0.1):
        # What a returned model became before: dump_python(mode="json"), then NextResponse.json.
        return NextResponse.json(Rich.model_validate(rich(ratio)).model_dump(mode="json"))
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path,
        {
            "typed_json_lib/__init__.py": "",
            "typed_json_lib/models.py": MODELS,
            "app/typed/route.py": TYPED,
            "app/by-hand/route.py": BY_HAND,
            "app/rich/route.py": RICH,
        },
    )


VALID = b'{"order_id": 7, "customer": "Ada", "lines": [{"sku": "SKU-001", "quantity": 2}]}'

BODIES = [
    pytest.param(VALID, id="valid"),
    pytest.param(b' {"order_id": 7, "customer": "Zo\xc3\xab"}\n', id="whitespace-and-utf8"),
    pytest.param(b'\xef\xbb\xbf{"order_id": 7, "customer": "Ada"}', id="byte-order-mark"),
    pytest.param(b'{"order_id": 7, "customer": "A", "customer": "B"}', id="duplicate-keys"),
    pytest.param(b'{"order_id": "7", "customer": "Ada", "price": 2}', id="lax-coercion"),
    pytest.param(b'{"order_id": 7, "customer": "Ada", "note": "\\u0000"}', id="escaped-nul"),
    pytest.param(b'{"order_id": 7, "customer": "Ada", "price": 1e308}', id="big-exponent"),
    pytest.param(b'{"order_id": 7, "customer": "Ada", "note": "NaN and Infinity"}', id="words"),
    pytest.param(b"", id="empty"),
    pytest.param(b"{oops", id="malformed"),
    pytest.param(b'{"order_id": 7} x', id="trailing-garbage"),
    pytest.param(b"[1, 2]", id="not-an-object"),
    pytest.param(b'"text"', id="a-string"),
    pytest.param(b'{"customer": ""}', id="missing-and-too-short"),
    pytest.param(b'{"order_id": 7, "customer": "Ada", "lines": [{"sku": "x"}]}', id="nested"),
    pytest.param(b'{"order_id": 123456789012345678901234567890, "customer": "A"}', id="wide-int"),
    pytest.param(b'{"order_id": 7, "customer": "A", "note": -18446744073709551617}', id="wide-neg"),
    pytest.param(b'{"order_id": 7, "customer": "Ada", "price": NaN}', id="nan"),
    pytest.param(b'{"order_id": 7, "customer": "Ada", "price": -Infinity}', id="infinity"),
    pytest.param(b'{"order_id": 7, "customer": "Ada", "price": 1e400}', id="overflow"),
    pytest.param(b'{"order_id": 7, "customer": "Ada", "price": 1E+400}', id="overflow-upper"),
    pytest.param(b'{"order_id": 7, "customer": "\xff\xfe"}', id="invalid-utf8"),
    pytest.param(b'{"order_id": 7, "customer": "\\ud800"}', id="lone-surrogate"),
    pytest.param(b'{"order_id": 7, "customer": "a\x01b"}', id="control-character"),
    pytest.param(b'{"order_id": 01, "customer": "Ada"}', id="leading-zero"),
    pytest.param(b'{"order_id": 7, "note": %s}' % (b"[" * 300 + b"]" * 300), id="deep"),
    pytest.param(b'{"order_id": 7, "note": %s}' % (b"[" * 2000 + b"]" * 2000), id="too-deep"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("body", BODIES)
async def test_a_typed_body_is_answered_as_request_json_and_validate_python_answer_it(
    project: Path, body: bytes
) -> None:
    async with client_for(project) as client:
        typed = await client.post("/typed", content=body)
        by_hand = await client.post("/by-hand", content=body)

    assert (typed.status_code, typed.content) == (by_hand.status_code, by_hand.content)


@pytest.mark.anyio
async def test_malformed_and_wide_bodies_keep_their_messages(project: Path) -> None:
    async with client_for(project) as client:
        malformed = await client.post("/typed", content=b"{oops")
        wide = await client.post("/typed", content=b'{"order_id": 18446744073709551616}')
        nan = await client.post("/typed", content=b'{"order_id": 7, "customer": "A", "price": NaN}')
        not_object = await client.post("/typed", content=b"[1]")

    assert (malformed.status_code, malformed.json()) == (400, {"error": "Invalid JSON body"})
    assert wide.json() == {"error": "Invalid JSON body: an integer beyond 64 bits"}
    assert (nan.status_code, nan.json()) == (400, {"error": "Invalid JSON body"})
    assert not_object.json()["issues"] == [
        {
            "path": [],
            "message": "Input should be a valid dictionary or instance of Order",
            "code": "model_type",
        }
    ]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "ratio",
    ["0.1", "1e16", "1e-7", "123456789.0", "1.5e300", "-0.0", "5e-324", "100", "inf", "nan"],
)
async def test_a_returned_model_is_written_as_before(project: Path, ratio: str) -> None:
    async with client_for(project) as client:
        typed = await client.get("/rich", params={"ratio": ratio})
        created = await client.post("/rich", params={"ratio": ratio})
        before = await client.put("/rich", params={"ratio": ratio})

    assert typed.status_code == 200
    assert typed.content == before.content
    assert typed.headers["content-type"] == before.headers["content-type"] == "application/json"
    assert created.status_code == 201
    assert created.content == before.content
    assert "Zoë's 日本".encode() in typed.content  # UTF-8, not \\u escapes
