"""Internal: the OpenAPI 3.1 document of a project, and the dev docs that serve it.

`approutes openapi` prints `openapi_document(...)` of the project's routes;
`create_app(root, dev=True)` serves the same document at `/_approutes/openapi.json` and a
Swagger UI page at `/_approutes/docs`; the `openapi_path` and `docs_path` settings serve them
under `approutes start` too.

- `document.py`: the document from the route table (paths, operation ids, tags, components).
- `operation.py`: one operation from a handler: parameters, request body, responses.
- `schemas.py`: handler type hints to JSON Schema (pydantic), `$defs` into components.
- `api_docs.py`: the document's and the docs page's endpoints, answered by the front half.
"""

from __future__ import annotations

from approutes.openapi.document import OPENAPI_VERSION, openapi_document

__all__ = ["OPENAPI_VERSION", "openapi_document"]
