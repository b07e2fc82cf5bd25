"""Internal: Python versions of the Web objects Next builds on (Request, Response, Headers, URL).

Knows nothing of routing or ASGI framing; bodies arrive through the BodySource protocol.
"""
