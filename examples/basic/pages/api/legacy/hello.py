# Next.js API route support: https://nextjs.org/docs/api-routes/introduction
from typing import TypedDict


class Data(TypedDict):
    name: str


def handler(req, res):
    res.status(200).json({"name": "John Doe"})
