"""The Pages Router: `pages/api/**.py` files exporting `handler(req, res)`, as in Next.js.

One module per job: `querystring`, `cookies` and `body_parser` (Node's and Next's parsers),
`request` (`req`), `response` (`res`), `etag`, `channel` (a handler's response, handed to the
event loop as it is written) and `serve` (the pipeline's entry point). Loading a file and its
`config` dict is the route loader's: `route_modules/pages_module.py`, `pages_config.py`.
"""

from __future__ import annotations

__all__: list[str] = []
