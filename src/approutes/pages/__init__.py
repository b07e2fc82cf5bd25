"""The Pages Router: `pages/api/**.py` files exporting `handler(req, res)`, as in Next.js.

One module per job: `config` (the module's `config` dict), `module` (loading and checking a
file), `querystring`, `cookies` and `body_parser` (Node's and Next's parsers), `request`
(`req`), `response` (`res`), `etag`, `channel` (a handler's response, handed to the event
loop as it is written) and `serve` (the pipeline's entry point).
"""

from __future__ import annotations

__all__: list[str] = []
