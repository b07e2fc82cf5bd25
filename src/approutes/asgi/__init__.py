"""Internal: the server adapter; speaks ASGI 3 and knows nothing of routes."""
